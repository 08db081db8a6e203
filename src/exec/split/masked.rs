//! Reductions down the rows of a masked split value, `sum(x[m], axis=0)` (a
//! k-means centre update): each rank reduces the rows it selects from its own
//! rows, and the partial results are combined with one all-gather of a row.
//! Selecting first (`mask::try_mask`) would move the selected rows into blocks
//! with an all-to-all, only for the reduction to add them up again.

use std::collections::HashSet;
use std::rc::Rc;

use super::combine;
use crate::diag::Diag;
use crate::graph::node::State;
use crate::graph::{Array, ArrayData, DType, Nd, Op, ReduceFn};

/// Most pending nodes looked at below one observed value: the search must stay
/// cheap when it finds nothing.
const SEARCH_LIMIT: usize = 256;

/// Computes, on every rank, each reduction `f(x[m], axis=0)` of a split float
/// `x` in the pending graph below `root` whose selection nothing else reads.
pub fn reduce_below(root: &Array) -> Result<(), Diag> {
    let mut stack = vec![root.clone()];
    let mut seen: HashSet<*const crate::graph::Node> = HashSet::new();
    while let Some(node) = stack.pop() {
        if !seen.insert(Rc::as_ptr(&node)) || seen.len() > SEARCH_LIMIT {
            continue;
        }
        if !node.is_computed() && !try_reduce(&node)? {
            if let State::Pending(op) = &*node.state.borrow() {
                stack.extend(op.inputs());
            }
        }
    }
    Ok(())
}

/// Reduces `node` when it is such a reduction; false when it is not.
fn try_reduce(node: &Array) -> Result<bool, Diag> {
    let (f, selection) = match &*node.state.borrow() {
        State::Pending(Op::Reduce { f, input, axes, .. })
            if axes == &[0] && matches!(f, ReduceFn::Sum | ReduceFn::Mean | ReduceFn::Min | ReduceFn::Max) =>
        {
            (*f, input.clone())
        }
        _ => return Ok(false),
    };
    let (x, mask) = match &*selection.state.borrow() {
        State::Pending(Op::Mask { input, mask }) if mask.ndim() == 1 && input.dtype == DType::Float64 => {
            (input.clone(), mask.clone())
        }
        _ => return Ok(false),
    };
    // This reduction and the local `selection` hold it: nothing else reads it.
    if Rc::strong_count(&selection) > 2 || node.dtype != DType::Float64 {
        return Ok(false);
    }
    let Some(chosen) = super::mask::own_selection(&x, &mask)? else { return Ok(false) };
    let summed = if f == ReduceFn::Mean { ReduceFn::Sum } else { f };
    let row: Vec<usize> = x.shape[1..].to_vec();
    let partial = (chosen.shape()[0] > 0).then(|| {
        let ArrayData::F64(r) = crate::exec::reduce::reduce(summed, &chosen, &[0], &row, DType::Float64) else {
            unreachable!("asked for float64")
        };
        r.iter().copied().collect::<Vec<f64>>()
    });
    let mut combined = combine(summed, partial, row.iter().product());
    if f == ReduceFn::Mean {
        let count = selection.shape[0] as f64;
        combined.iter_mut().for_each(|v| *v /= count);
    }
    let data = ArrayData::F64(Nd::from_shape_vec(ndarray::IxDyn(&row), combined).expect("a row"));
    // `keepdims` keeps the reduced axis, of length one.
    let data = match node.shape.len() > row.len() {
        true => crate::num::view::apply(&data, &crate::graph::View::Reshape(node.shape.clone())),
        false => data,
    };
    *node.state.borrow_mut() = State::Done(data);
    crate::exec::stats::record_split_mask();
    Ok(true)
}
