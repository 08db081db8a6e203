//! Materialization: marks the elementwise values that should be computed into an
//! array of their own instead of inside every kernel that reads them — a value
//! read by two or more kernels, unless it is cheap enough to recompute in each
//! (so it is computed once, not once per kernel), a value that a consumer
//! broadcasts to a larger shape (so it is not recomputed for every copy), and a
//! value one kernel would compute several times, once per view it is read
//! through, unless it is cheap.

use super::fusible::{absorbable, fusible_map, kernel_ends};
use super::plan::{Expr, Id, Keep, Plan};
use super::Pass;
use crate::graph::{BinaryFn, ReduceFn, UnaryFn};

/// A shared value costing at most this much (see `cost`) is recomputed by each
/// kernel that needs it: that is cheaper than writing it to memory and reading it
/// back.
const RECOMPUTE_AT_MOST: usize = 4;

/// What reading a value through a view costs a kernel per element on top of
/// computing it: the view's own index arithmetic, and loads that no longer
/// run in order. A copy of a value computed through a view costs this more
/// than the value.
const VIEW_ADDRESSING: usize = 1;

/// Roughly what computing one element of `id` itself costs: 1 for an arithmetic
/// operation, 20 for a transcendental function or a power, 0 for views and
/// constants.
fn own_cost(plan: &Plan, id: Id) -> usize {
    match &plan.nodes[id].expr {
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
    }
}

/// How many differently viewed copies of `id` a kernel reading it computes:
/// one per view of it (a slice, a broadcast), and one for its plain readers.
/// A kernel shares the ops of a value only when it reads it through the same
/// views, so each further copy costs the whole value again.
fn view_paths(plan: &Plan, consumers: &[Vec<Id>], id: Id) -> usize {
    let views = consumers[id].iter().filter(|&&c| matches!(plan.nodes[c].expr, Expr::View(..))).count();
    views + usize::from(views < consumers[id].len())
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
        // `cost[id]` is what computing one element of `id` inside a kernel
        // costs, down to kernel ends, counting each viewed copy of an input.
        let mut cost = vec![0usize; plan.nodes.len()];
        let mut marks = Vec::new();
        for id in plan.order() {
            if absorbable(plan, id) {
                let below = plan.nodes[id].expr.inputs().into_iter().filter(|&i| !ends[i] && absorbable(plan, i));
                cost[id] = below.fold(own_cost(plan, id), |sum, i| sum.saturating_add(cost[i]));
            }
            let node = &plan.nodes[id];
            if !fusible_map(plan, id) || node.materialize.is_some() || ends[id] {
                continue;
            }
            let shared = reaches[id].len() > 1 && cost[id] > RECOMPUTE_AT_MOST;
            let size: usize = node.shape.iter().product();
            let broadcast = consumers[id].iter().any(|&c| plan.nodes[c].shape.iter().product::<usize>() > size);
            // Floyd-Warshall's `d = minimum(d, d[:, k:k+1] + d[k:k+1, :])`:
            // each step reads the last through three views, so a chain of steps
            // left unmarked would grow as 3^steps.
            let copies = view_paths(plan, &consumers, id);
            let duplicated = copies > 1 && (cost[id] + VIEW_ADDRESSING).saturating_mul(copies - 1) > RECOMPUTE_AT_MOST;
            let why = if shared {
                Some(Keep::SharedByKernels)
            } else if broadcast {
                Some(Keep::Broadcast)
            } else if duplicated {
                Some(Keep::ReadThroughViews)
            } else {
                None
            };
            if let Some(why) = why {
                marks.push((id, why));
                ends[id] = true;
            }
        }
        for &(id, why) in &marks {
            plan.nodes[id].materialize = Some(why);
        }
        !marks.is_empty()
    }
}
