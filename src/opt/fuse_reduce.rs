//! Reduce-map fusion: a reduction of a kernel's result that nothing else reads
//! runs inside that kernel, so the reduced values never reach memory. With the
//! reduced axes iterated innermost, this covers reducing over some axes of a
//! broadcast expression (k-means' distances) without materializing it.

use super::plan::{Expr, Plan};
use super::Pass;
use crate::graph::{DType, ReduceFn};

pub struct FuseReduce;

/// The reductions a kernel can finish in place: each combines per-chunk partials
/// into exactly what one pass over the whole row gives.
fn fusible_reduce(f: ReduceFn) -> bool {
    use ReduceFn::*;
    matches!(f, Sum | Mean | Min | Max | ArgMin | ArgMax | All | Any | CountNonzero)
}

impl Pass for FuseReduce {
    fn name(&self) -> &'static str {
        "fuse-reduce"
    }

    fn run(&self, plan: &mut Plan) -> bool {
        let uses = plan.use_counts();
        let mut changed = false;
        for id in plan.live() {
            let Expr::Reduce { f, ref axes, input } = plan.nodes[id].expr else { continue };
            let Expr::Kernel(ref kernel) = plan.nodes[input].expr else { continue };
            let result = plan.nodes[input].dtype;
            if kernel.reduce.is_some()
                || kernel.update.is_some()
                || uses[input] != 1
                || !fusible_reduce(f)
                || !matches!(result, DType::Bool | DType::Float32 | DType::Float64)
            {
                continue;
            }
            let fused = Expr::Kernel(crate::opt::plan::Kernel { reduce: Some((f, axes.clone())), ..kernel.clone() });
            plan.nodes[id].expr = fused;
            plan.nodes[input].expr = Expr::Dead;
            changed = true;
        }
        changed
    }
}
