//! Fused slice updates: the new array is written row by row (rows of its last
//! axis), each row copied from the old array and its part inside the region
//! computed straight into it by the kernel, so the old array is read once and the
//! new one written once, with no temporary for the region.

use super::{filled, sources, Program};
use crate::graph::{ArrayData, Nd, SliceElem};
use crate::opt::plan::Kernel;
use ndarray::IxDyn;

pub fn run_update(kernel: &Kernel, inputs: &[ArrayData]) -> ArrayData {
    let elems = kernel.update.as_ref().expect("an updating kernel");
    let ArrayData::F64(base) = inputs.last().expect("the updated array") else {
        unreachable!("update kernels write float64")
    };
    let shape = base.shape().to_vec();
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
    let outer = &shape[..shape.len() - 1];
    let last = shape.len() - 1;
    let out = if row == 0 {
        Vec::new()
    } else {
        filled(old.len(), row, |start, dst| {
            let r = start / row;
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
            if inside {
                let part = &mut dst[lows[last]..lows[last] + counts[last]];
                program.run(&sources, region_row * counts[last], part);
            }
        })
    };
    ArrayData::F64(Nd::from_shape_vec(IxDyn(&shape), out).expect("update shape"))
}
