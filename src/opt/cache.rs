//! Optimized plans, kept by the exact contents of the plan as lowered, so a loop
//! body that builds the same graph each iteration is optimized once.
//!
//! The key is the plan's derived `Hash` stream recorded byte for byte (an exact
//! encoding: enum tags, lengths, and floats by their bits), not a hash of it, so
//! two plans share an entry only when they are equal; building it allocates one
//! buffer and formats nothing.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::rc::Rc;

use super::Plan;

/// Plans kept at most; the cache starts over when full.
const CAPACITY: usize = 256;

thread_local! {
    static PLANS: RefCell<HashMap<Vec<u8>, Rc<Plan>>> = RefCell::new(HashMap::new());
    /// Keys looked up in vain once (see `missed_before`).
    static MISSED: RefCell<HashSet<Vec<u8>>> = RefCell::new(HashSet::new());
}

/// Whether `key` was looked up in vain before; notes it otherwise. The
/// optimizer caches a plan with its scalars as inputs only for plans that come
/// back: most plans with constants are met once and fold them.
pub fn missed_before(key: &[u8]) -> bool {
    MISSED.with(|missed| {
        let mut missed = missed.borrow_mut();
        if missed.contains(key) {
            return true;
        }
        if missed.len() >= CAPACITY {
            missed.clear();
        }
        missed.insert(key.to_vec());
        false
    })
}

/// The key of a lowered plan.
pub fn key(plan: &Plan) -> Vec<u8> {
    let mut recorder = Recorder(Vec::with_capacity(64 * plan.nodes.len()));
    plan.hash(&mut recorder);
    recorder.0
}

pub fn get(key: &[u8]) -> Option<Rc<Plan>> {
    PLANS.with(|plans| plans.borrow().get(key).cloned())
}

pub fn insert(key: Vec<u8>, plan: Rc<Plan>) {
    PLANS.with(|plans| {
        let mut plans = plans.borrow_mut();
        if plans.len() >= CAPACITY {
            plans.clear();
        }
        plans.insert(key, plan);
    });
}

/// A `Hasher` that keeps what it is fed.
struct Recorder(Vec<u8>);

impl Hasher for Recorder {
    fn write(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }

    fn finish(&self) -> u64 {
        unreachable!("the recorded bytes are the key; nothing asks for a hash")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{DType, Scalar};
    use crate::opt::plan::{Expr, PNode};
    use crate::syntax::Span;

    fn constant(x: f64) -> Plan {
        let node = PNode {
            expr: Expr::Const(Scalar::Float(x)),
            shape: vec![3],
            dtype: DType::Float64,
            span: Span::default(),
            materialize: Some(crate::opt::plan::Keep::SharedByKernels),
        };
        Plan { nodes: vec![node], root: 0, leaves: Vec::new() }
    }

    #[test]
    fn equal_plans_share_a_key_and_different_ones_do_not() {
        assert_eq!(key(&constant(1.5)), key(&constant(1.5)));
        assert_ne!(key(&constant(1.5)), key(&constant(2.5)));
        // Equal as floats, different as constants (1 / x differs).
        assert_ne!(key(&constant(0.0)), key(&constant(-0.0)));
        let mut wider = constant(1.5);
        wider.nodes[0].shape = vec![3, 1];
        assert_ne!(key(&constant(1.5)), key(&wider));
    }
}
