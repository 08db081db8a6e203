//! How an array's elements are placed over the ranks of a job (spec section 10).
//! Every node carries its layout from construction; with one process every layout
//! places all elements on rank 0, and the MPI milestone gives the codes meaning.

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AxisDist {
    /// Contiguous chunks (`"b"`).
    Block,
    /// Round robin (`"c"`).
    Cyclic,
    /// Round robin of blocks of this size (`"bc"` with `block=`).
    BlockCyclic(usize),
    /// Not distributed (`"n"`).
    None,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    pub axes: Vec<AxisDist>,
}

impl Layout {
    /// The default: the first axis in blocks, the others whole; 0-d arrays are
    /// replicated.
    pub fn default_for(ndim: usize) -> Layout {
        Layout { axes: (0..ndim).map(|i| if i == 0 { AxisDist::Block } else { AxisDist::None }).collect() }
    }
}
