//! Materialization: marks the elementwise values that should be computed into an
//! array of their own instead of inside every kernel that reads them — a value
//! read by two or more kernels (so it is computed once, not once per kernel), and
//! a value that a consumer broadcasts to a larger shape (so it is not recomputed
//! for every copy).

use super::fusible::{absorbable, fusible_map, kernel_ends};
use super::plan::Plan;
use super::Pass;

pub struct Materialize;

impl Pass for Materialize {
    fn name(&self) -> &'static str {
        "materialize"
    }

    fn run(&self, plan: &mut Plan) -> bool {
        let ends = kernel_ends(plan);
        let consumers = plan.consumers();
        let live = plan.live();
        // The kernel ends each node flows into, found from the root downwards.
        let mut reaches: Vec<Vec<usize>> = vec![Vec::new(); plan.nodes.len()];
        let mut marks = Vec::new();
        // Consumers come before their inputs in this order, so a node marked here
        // already ends a kernel when its own inputs are looked at: only the
        // outermost shared value is materialized, not everything below it.
        for &id in live.iter().rev() {
            if !absorbable(plan, id) {
                continue;
            }
            if ends[id] {
                reaches[id] = vec![id];
            } else {
                let mut set: Vec<usize> = consumers[id].iter().flat_map(|&c| reaches[c].clone()).collect();
                set.sort_unstable();
                set.dedup();
                reaches[id] = set;
            }
            let node = &plan.nodes[id];
            if !fusible_map(plan, id) || node.materialize || ends[id] {
                continue;
            }
            let shared = reaches[id].len() > 1;
            let size: usize = node.shape.iter().product();
            let broadcast = consumers[id].iter().any(|&c| plan.nodes[c].shape.iter().product::<usize>() > size);
            if shared || broadcast {
                marks.push(id);
                reaches[id] = vec![id];
            }
        }
        for &id in &marks {
            plan.nodes[id].materialize = true;
        }
        !marks.is_empty()
    }
}
