//! Materialization: marks the elementwise values that should be computed into an
//! array of their own instead of inside every kernel that reads them — a value
//! read by two or more kernels, unless it is cheap enough to recompute in each
//! (so it is computed once, not once per kernel), and a value that a consumer
//! broadcasts to a larger shape (so it is not recomputed for every copy).

use super::fusible::{absorbable, fusible_map, kernel_ends};
use super::plan::{Expr, Id, Plan};
use super::Pass;
use crate::graph::{BinaryFn, ReduceFn, UnaryFn};

/// A shared value costing at most this much (see `cost`) is recomputed by each
/// kernel that needs it: that is cheaper than writing it to memory and reading it
/// back.
const RECOMPUTE_AT_MOST: usize = 4;

/// Roughly what computing one element of `id` costs, counting the region below
/// it down to kernel ends: 1 for an arithmetic operation, 20 for a transcendental
/// function or a power.
fn cost(plan: &Plan, ends: &[bool], id: Id, top: bool) -> usize {
    if (!top && ends[id]) || !absorbable(plan, id) {
        return 0;
    }
    let own = match &plan.nodes[id].expr {
        Expr::Unary(f, _) => match f {
            UnaryFn::Neg
            | UnaryFn::Abs
            | UnaryFn::Sign
            | UnaryFn::Square
            | UnaryFn::Sqrt
            | UnaryFn::Floor
            | UnaryFn::Ceil
            | UnaryFn::Trunc
            | UnaryFn::Rint
            | UnaryFn::Reciprocal
            | UnaryFn::IsNan
            | UnaryFn::IsInf
            | UnaryFn::IsFinite => 1,
            _ => 20,
        },
        Expr::Binary {
            f: BinaryFn::Pow | BinaryFn::Arctan2 | BinaryFn::Hypot | BinaryFn::Mod | BinaryFn::FloorDiv,
            ..
        } => 20,
        Expr::Binary { .. } | Expr::Where { .. } | Expr::Cast(_) => 1,
        _ => 0,
    };
    own + plan.nodes[id].expr.inputs().iter().map(|&i| cost(plan, ends, i, false)).sum::<usize>()
}

pub struct Materialize;

impl Pass for Materialize {
    fn name(&self) -> &'static str {
        "materialize"
    }

    fn run(&self, plan: &mut Plan) -> bool {
        let mut ends = kernel_ends(plan);
        let consumers = plan.consumers();
        let live = plan.live();
        // The kernels each node flows into, found from the root downwards
        // (consumers come before their inputs in this order). Sums over the same
        // space count as one kernel: sibling fusion computes them in one pass.
        let uses = plan.use_counts();
        let group = |end: Id| -> String {
            match consumers[end].as_slice() {
                [r] if uses[end] == 1 => match &plan.nodes[*r].expr {
                    Expr::Reduce { f: ReduceFn::Sum | ReduceFn::Mean, axes, .. } => {
                        format!("sum over {axes:?} of {:?}", plan.nodes[end].shape)
                    }
                    _ => format!("#{end}"),
                },
                _ => format!("#{end}"),
            }
        };
        let mut reaches: Vec<Vec<String>> = vec![Vec::new(); plan.nodes.len()];
        for &id in live.iter().rev() {
            if !absorbable(plan, id) {
                continue;
            }
            reaches[id] = if ends[id] {
                vec![group(id)]
            } else {
                let mut set: Vec<String> = consumers[id].iter().flat_map(|&c| reaches[c].clone()).collect();
                set.sort_unstable();
                set.dedup();
                set
            };
        }
        // Then inputs first, so a value's cost counts what is already marked
        // below it: the expensive part is materialized, the cheap rest is not.
        let mut marks = Vec::new();
        for &id in &live {
            let node = &plan.nodes[id];
            if !fusible_map(plan, id) || node.materialize || ends[id] {
                continue;
            }
            let shared = reaches[id].len() > 1 && cost(plan, &ends, id, true) > RECOMPUTE_AT_MOST;
            let size: usize = node.shape.iter().product();
            let broadcast = consumers[id].iter().any(|&c| plan.nodes[c].shape.iter().product::<usize>() > size);
            if shared || broadcast {
                marks.push(id);
                ends[id] = true;
            }
        }
        for &id in &marks {
            plan.nodes[id].materialize = true;
        }
        !marks.is_empty()
    }
}
