//! The optimizer: when an array is observed, the pending graph it needs is
//! lowered to a [`Plan`] and rewritten by an ordered list of passes, run to a
//! fixed point. Optimized plans are cached by structure, so a loop body that
//! builds the same graph each iteration is optimized once.

mod cache;
mod const_fold;
mod cse;
pub mod distribute;
mod explain;
mod fuse_map;
mod fuse_reduce;
mod fuse_siblings;
mod fuse_update;
pub mod fusible;
mod lower;
mod materialize;
pub mod plan;

use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};

pub use explain::{explain, render};
pub use lower::{is_region_op, is_small_slice_of_split, lower, Bindings, Scalars};
pub use plan::Plan;

use crate::graph::Array;

/// One rewrite of a plan.
pub trait Pass {
    fn name(&self) -> &'static str;
    /// Rewrites `plan` in place; true when anything changed. A pass keeps every
    /// node's id, shape and dtype: it only replaces what a node computes with
    /// something equal, or stops using it.
    fn run(&self, plan: &mut Plan) -> bool;
}

/// The passes in the order they run. Why this order:
/// - constant folding first, so CSE compares folded constants;
/// - CSE before materialization, which counts how many kernels read a value:
///   two equal expressions must already be one node;
/// - materialization before map fusion, which ends kernels where it marks;
/// - map fusion before reduce and update fusion, which each fuse a kernel into
///   the reduction or slice update that reads it;
/// - sibling fusion last: it merges reducing kernels.
pub fn passes() -> Vec<Box<dyn Pass>> {
    vec![
        Box::new(const_fold::ConstFold),
        Box::new(cse::Cse),
        Box::new(materialize::Materialize),
        Box::new(fuse_map::FuseMap),
        Box::new(fuse_reduce::FuseReduce),
        Box::new(fuse_update::FuseUpdate),
        Box::new(fuse_siblings::FuseSiblings),
    ]
}

/// A pass list that has not settled after this many rounds is stopped (the plan
/// is correct after any number of rounds; this only bounds the work).
const MAX_ROUNDS: usize = 8;

static ENABLED: AtomicBool = AtomicBool::new(true);

/// `--no-opt`: plans run as lowered, one node at a time.
pub fn set_enabled(on: bool) {
    ENABLED.store(on, Ordering::Relaxed);
}

pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Runs `passes` over `plan` until none changes anything (at most `MAX_ROUNDS`
/// rounds).
pub fn run_passes(plan: &mut Plan, passes: &[Box<dyn Pass>]) {
    for _ in 0..MAX_ROUNDS {
        let mut changed = false;
        for pass in passes {
            let before: Vec<_> = plan.nodes.iter().map(|n| (n.shape.clone(), n.dtype)).collect();
            changed |= pass.run(plan);
            debug_assert!(
                plan.nodes.iter().zip(&before).all(|(n, (shape, dtype))| n.shape == *shape && n.dtype == *dtype),
                "pass {} changed a shape or dtype",
                pass.name()
            );
        }
        if !changed {
            return;
        }
    }
}

/// The plan that computes `root`, optimized unless `--no-opt`, with its bindings.
pub fn optimize(root: &Array) -> (Rc<Plan>, Bindings) {
    let (plan, bindings) = choose(root);
    bindings.note_lowered();
    (plan, bindings)
}

/// The plan to run for `root`, from the cache when it can be, without counting
/// it as run: for a caller that looks at the plan before deciding whether to
/// run it (and calls `Bindings::note_lowered` when it does).
pub fn choose(root: &Array) -> (Rc<Plan>, Bindings) {
    let (plan, bindings) = lower(root, Scalars::Constants);
    if !enabled() {
        return (Rc::new(plan), bindings);
    }
    let key = cache::key(&plan);
    if let Some(hit) = cache::get(&key) {
        return (hit, bindings);
    }
    // A plan met again but for the values of its scalar operands (a loop body
    // whose scalars change every iteration) is optimized once, with its
    // scalars as inputs, and that plan serves every later iteration.
    let (general, general_bindings) = lower(root, Scalars::Inputs);
    let general_key = cache::key(&general);
    if general_key != key {
        if let Some(hit) = cache::get(&general_key) {
            return (hit, general_bindings);
        }
        if cache::missed_before(&general_key) {
            return (optimized(general, general_key), general_bindings);
        }
    }
    (optimized(plan, key), bindings)
}

/// `plan` after the passes, kept in the cache under `key`.
fn optimized(mut plan: Plan, key: Vec<u8>) -> Rc<Plan> {
    run_passes(&mut plan, &passes());
    let plan = Rc::new(plan);
    cache::insert(key, plan.clone());
    plan
}
