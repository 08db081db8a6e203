//! Reduce-map fusion: a reduction of a kernel's result that nothing else reads
//! runs inside that kernel, so the reduced values never reach memory. With the
//! reduced axes iterated innermost, this covers reducing over some axes of a
//! broadcast expression (k-means' distances) without materializing it. A
//! reduction of such a kernel's result joins it too, as a second stage
//! (k-means' `argmin` of the distances), so not even the first results are stored.

use super::plan::{Expr, Kernel, Plan};
use super::Pass;
use crate::graph::{DType, ReduceFn};

pub struct FuseReduce;

/// The reductions a kernel can finish in place: each combines per-chunk partials
/// into exactly what one pass over the whole row gives.
fn fusible_reduce(f: ReduceFn) -> bool {
    use ReduceFn::*;
    matches!(f, Sum | Mean | Min | Max | ArgMin | ArgMax | All | Any | CountNonzero)
}

/// Whether a reduction of this reducing kernel's result (of dtype `result`) can
/// follow in the same pass: the first reduction yields float64 values, exactly
/// those the unfused kernel would store, and nothing else is computed alongside.
fn second_stage(kernel: &Kernel, first: ReduceFn, result: DType) -> bool {
    use ReduceFn::*;
    kernel.then.is_none()
        && kernel.extra.is_empty()
        && kernel.result.is_none()
        && result == DType::Float64
        && matches!(first, Sum | Mean | Min | Max)
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
            if kernel.update.is_some() || uses[input] != 1 || !fusible_reduce(f) {
                continue;
            }
            let fused = match kernel.reduce {
                None if matches!(result, DType::Bool | DType::Float32 | DType::Float64) => {
                    Kernel { reduce: Some((f, axes.clone())), ..kernel.clone() }
                }
                Some((first, _)) if second_stage(kernel, first, result) => {
                    Kernel { then: Some((f, axes.clone())), ..kernel.clone() }
                }
                _ => continue,
            };
            let fused = Expr::Kernel(fused);
            plan.nodes[id].expr = fused;
            plan.nodes[input].expr = Expr::Dead;
            changed = true;
        }
        changed
    }
}
