//! Small work runs node by node, without a plan. Planning a graph (lowering,
//! looking the plan up, compiling its kernels) costs microseconds whatever the
//! size of the arrays; a scalar-heavy loop body over a few elements
//! (`err = float(dot(xi, w)) - float(y[i])`, a row update `z[j] * 0.5 + b[j]`)
//! would spend nearly all its time there. Fusion saves memory traffic, which
//! arrays this small do not have: their values stay in the cache.

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::graph::node::State;
use crate::graph::Node;

/// The most elements a node and each of its inputs may have to run node by
/// node (`--small-work`): below it, the per-node kernels are as fast as a fused
/// one (measured with `bench/apps` sgd and recurrence: 200-element rows).
static SMALL_WORK: AtomicUsize = AtomicUsize::new(4096);

/// `--small-work N`: run arrays of up to `N` elements node by node (0: plan
/// every operation, as the optimizer's tests do on small arrays).
pub fn set_small_work(elements: usize) {
    SMALL_WORK.store(elements, Ordering::Relaxed);
}

/// True when `node` is pending work small enough to compute with the per-node
/// kernels: it and each of its inputs are small, and every input is either
/// computed whole or pending (small pending inputs are judged the same way when
/// they are computed; a large pending input keeps the node in a plan, where a
/// reduction fuses with what it reads). Under MPI plans decide what runs split,
/// so this path is for one process only.
pub fn is_small_work(node: &Node) -> bool {
    let limit = SMALL_WORK.load(Ordering::Relaxed);
    if node.size() > limit || crate::dist::nranks() > 1 {
        return false;
    }
    let State::Pending(op) = &*node.state.borrow() else { return false };
    let mut small = true;
    op.for_each_input(|input| {
        small &= input.size() <= limit && matches!(&*input.state.borrow(), State::Done(_) | State::Pending(_));
    });
    small
}
