//! Update fusion: `u[1:-1, 1:-1] = <kernel>` becomes one kernel that writes the
//! new array row by row — each row copied from `u` and its region part computed
//! straight into it while the rows it reads are still in cache — instead of a
//! temporary for the region plus a second pass copying it in.

use super::plan::{Expr, Kernel, Plan};
use super::Pass;
use crate::graph::{DType, SliceElem};

pub struct FuseUpdate;

/// The region's shape when `elems` are unit-step ranges, one per axis.
fn box_shape(elems: &[SliceElem], ndim: usize) -> Option<Vec<usize>> {
    if elems.len() != ndim || ndim == 0 {
        return None;
    }
    elems
        .iter()
        .map(|e| match *e {
            SliceElem::Range { count, step: 1, .. } => Some(count),
            _ => None,
        })
        .collect()
}

impl Pass for FuseUpdate {
    fn name(&self) -> &'static str {
        "fuse-update"
    }

    fn run(&self, plan: &mut Plan) -> bool {
        let uses = plan.use_counts();
        let mut changed = false;
        for id in plan.live() {
            let Expr::Update { ref elems, input, value } = plan.nodes[id].expr else { continue };
            let Expr::Kernel(ref kernel) = plan.nodes[value].expr else { continue };
            let node = &plan.nodes[id];
            let fits = box_shape(elems, node.shape.len()).is_some_and(|b| b == plan.nodes[value].shape);
            if !fits
                || uses[value] != 1
                || kernel.reduce.is_some()
                || kernel.update.is_some()
                || node.dtype != DType::Float64
                || plan.nodes[value].dtype != DType::Float64
            {
                continue;
            }
            let mut inputs = kernel.inputs.clone();
            inputs.push(input);
            let fused = Kernel { inputs, update: Some(elems.clone()), ..kernel.clone() };
            plan.nodes[id].expr = Expr::Kernel(fused);
            plan.nodes[value].expr = Expr::Dead;
            changed = true;
        }
        changed
    }
}
