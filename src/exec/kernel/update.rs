//! Fused slice updates: the new array is written row by row (rows of its last
//! axis), each row copied from the old array and its part inside the region
//! computed straight into it by the kernel, so the old array is read once and the
//! new one written once, with no temporary for the region.

use super::{filled, sources, Inputs, Program};
use crate::graph::{ArrayData, Nd, SliceElem};
use crate::opt::plan::Kernel;
use ndarray::IxDyn;

/// The new array. With `own` (a rank's rows of an array split over ranks), the
/// updated array is its part (`inputs.placed`), only the own rows of the region
/// are computed, and the result is a part holding the same rows.
pub fn run_update(kernel: &Kernel, inputs: &Inputs, own: Option<(usize, usize)>) -> ArrayData {
    let elems = kernel.update.as_ref().expect("an updating kernel");
    let ArrayData::F64(base) = inputs.data.last().expect("the updated array") else {
        unreachable!("update kernels write float64")
    };
    let shape = base.shape().to_vec();
    let placed = inputs.placed.last().copied().flatten();
    let first = placed.map_or(0, |p| p.first);
    let own = own.unwrap_or((0, usize::MAX));
    // Rows (of the last axis) per index of the first axis.
    let rows_per_index: usize = shape.get(1..shape.len().saturating_sub(1)).map_or(1, |s| s.iter().product());
    let standard;
    let old: &[f64] = match base.as_slice() {
        Some(flat) => flat,
        None => {
            standard = base.as_standard_layout().into_owned();
            standard.as_slice().expect("standard layout")
        }
    };
    let (lows, counts): (Vec<usize>, Vec<usize>) = elems
        .iter()
        .map(|e| match *e {
            SliceElem::Range { first, count, .. } => (first, count),
            _ => unreachable!("update fusion takes unit-step ranges"),
        })
        .unzip();
    let program = Program::compile(kernel);
    let sources = sources(&program, inputs, &[]);
    let row = *shape.last().expect("at least one axis");
    let mut outer = shape[..shape.len() - 1].to_vec();
    if let (Some(p), Some(rows)) = (placed, outer.first_mut()) {
        *rows = p.rows;
    }
    let last = shape.len() - 1;
    let out = if row == 0 {
        Vec::new()
    } else {
        filled(old.len(), row, |start, dst| {
            // The row's index in the whole array.
            let r = start / row + first * rows_per_index;
            dst.iter_mut().zip(&old[start..start + row]).for_each(|(d, &v)| {
                d.write(v);
            });
            // The row's index on the outer axes, and its place in the region.
            let mut rest = r;
            let mut region_row = 0;
            let mut inside = counts[last] > 0;
            let mut scale = 1;
            for axis in (0..outer.len()).rev() {
                let i = rest % outer[axis];
                rest /= outer[axis];
                inside &= i >= lows[axis] && i < lows[axis] + counts[axis];
                region_row += i.saturating_sub(lows[axis]) * scale;
                scale *= counts[axis];
            }
            inside &= (own.0..own.1).contains(&(r / rows_per_index));
            if inside {
                let part = &mut dst[lows[last]..lows[last] + counts[last]];
                program.run(&sources, region_row * counts[last], part);
            }
        })
    };
    ArrayData::F64(Nd::from_shape_vec(IxDyn(&shape), out).expect("update shape"))
}
