//! Evaluating graph nodes. Each pending node is computed from its computed inputs
//! with a dedicated kernel; the node then keeps its result and lets go of its
//! inputs, so intermediate values are freed as soon as nothing refers to them.

pub(crate) mod column_sums;
mod create;
pub mod dense;
mod distributed;
pub(crate) mod gradient;
mod index;
mod inplace;
mod kernel;
mod matmul;
mod matvec;
pub mod memory;
mod reduce;
mod run;
mod small;
pub mod split;
pub mod stats;

pub use kernel::CHUNK;

use std::sync::atomic::{AtomicBool, Ordering};

static EXPLAIN: AtomicBool = AtomicBool::new(false);

/// `--explain`: print each plan to standard error as it runs.
pub fn set_explain(on: bool) {
    EXPLAIN.store(on, Ordering::Relaxed);
}

fn explaining() -> bool {
    EXPLAIN.load(Ordering::Relaxed)
}

/// `--threads N`: the size of the pool kernels run on (before anything runs).
pub fn set_threads(n: usize) -> Result<(), String> {
    rayon::ThreadPoolBuilder::new().num_threads(n).build_global().map_err(|e| e.to_string())
}

pub use create::permutation;
pub use inplace::update_in_place;
pub use small::set_small_work;
pub use split::gather_rows;
pub use split::mask::count_true;

use crate::diag::{Code, Diag};
use crate::graph::node::State;
use crate::graph::{Array, ArrayData, Op};
use crate::num::{elementwise, view};

/// The whole value of `node`, computing what it needs. Errors found while computing
/// (an index out of range) point at the span of the node that failed. Under MPI a
/// value split over the ranks is joined, so every rank must ask at the same point.
pub fn evaluate(node: &Array) -> Result<ArrayData, Diag> {
    force(node)?;
    match node.computed() {
        Some(data) => Ok(data),
        None => Ok(split::join(node)),
    }
}

/// The whole value of `node` for output (printed in full, written to a text or
/// image file): a split value is gathered, counted as output rather than as a
/// join for computing.
pub fn evaluate_for_output(node: &Array) -> Result<ArrayData, Diag> {
    force(node)?;
    match node.computed() {
        Some(data) => Ok(data),
        None => Ok(split::join_for_output(node)),
    }
}

/// Computes `node` on this rank, leaving it split over the ranks when it was
/// computed so (`eval`, and values kept for later): nothing is joined.
pub fn force(node: &Array) -> Result<(), Diag> {
    if node.is_computed() {
        return Ok(());
    }
    stats::timed(|| force_pending(node))
}

fn force_pending(node: &Array) -> Result<(), Diag> {
    if split::created_split(node) {
        check_memory(node)?;
        split::create_part(node);
        return Ok(());
    }
    if !small::is_small_work(node) {
        if crate::opt::is_region_op(node) {
            return run::run_plan(node);
        }
        check_memory(node)?;
        if split::try_split(node)? {
            return Ok(());
        }
    }
    let data = {
        let state = node.state.borrow();
        let State::Pending(op) = &*state else { unreachable!("checked above") };
        // A long pending chain of small nodes is computed by recursion.
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || compute(op, node))?
    };
    debug_assert_eq!(data.shape(), &node.shape[..], "kernel result shape for {}", node.describe());
    debug_assert_eq!(data.dtype(), node.dtype, "kernel result dtype for {}", node.describe());
    *node.state.borrow_mut() = State::Done(data);
    Ok(())
}

fn compute(op: &Op, node: &Array) -> Result<ArrayData, Diag> {
    let fail = |message: String| Diag::new(Code::Value, node.span, message, "while computing this");
    Ok(match op {
        Op::Const(data) => data.clone(),
        Op::Fill(value) => ArrayData::full(&node.shape, *value, node.dtype),
        Op::Arange { start, step } => create::arange(*start, *step, node.size(), node.dtype),
        Op::Linspace { start, stop, endpoint } => create::linspace(*start, *stop, node.size(), *endpoint, node.dtype),
        Op::Eye { k } => create::eye(&node.shape, *k, node.dtype),
        Op::Random { seed, stream, kind } => create::random(*seed, *stream, *kind, &node.shape, node.dtype),
        Op::Unary(f, a) => elementwise::unary(*f, &evaluate(a)?, node.dtype),
        Op::Binary { f, compute, lhs, rhs } => {
            elementwise::binary(*f, *compute, &evaluate(lhs)?, &evaluate(rhs)?, &node.shape).map_err(fail)?
        }
        Op::Where { cond, x, y } => elementwise::select(&evaluate(cond)?, &evaluate(x)?, &evaluate(y)?, &node.shape),
        Op::Cast(a) => evaluate(a)?.cast(node.dtype),
        // Placements other than blocks and cyclic rows of the first axis (2-D
        // grids, a distributed later axis) are computed whole on every rank; the
        // layout is recorded for `dist()`.
        Op::Redistribute(a) => evaluate(a)?,
        Op::Reduce { f, input, axes, .. } => reduce::reduce(*f, &evaluate(input)?, axes, &node.shape, node.dtype),
        Op::View { input, view } => view::apply(&evaluate(input)?, view),
        Op::Take { input, axis, index } => index::take(&evaluate(input)?, *axis, &evaluate(index)?, node)?,
        Op::Mask { input, mask } => index::mask(&evaluate(input)?, &evaluate(mask)?),
        Op::SetSlice { input, elems, value } => {
            // The new value first: it often reads `input`, and once it is
            // computed this update may be the last holder of `input`'s buffer.
            let value = evaluate(value)?;
            index::set_slice(take_or_evaluate(input)?, elems, &value)
        }
        Op::SetMask { input, mask, value } => index::set_mask(&evaluate(input)?, &evaluate(mask)?, &evaluate(value)?),
        Op::SetTake { input, axis, index, value } => {
            let (index, value) = (evaluate(index)?, evaluate(value)?);
            index::set_take(take_or_evaluate(input)?, *axis, &index, &value, node)?
        }
        Op::Concat { inputs, axis } => {
            let parts = inputs.iter().map(evaluate).collect::<Result<Vec<_>, _>>()?;
            view::concat(&parts, *axis)
        }
        Op::Scan { f, input, axis } => reduce::scan(*f, &evaluate(input)?, *axis, node.dtype),
        Op::MatMul { lhs, rhs } => match gradient::transposed_product(lhs, rhs)? {
            Some(Some(data)) => data,
            _ => matmul::matmul(&evaluate(lhs)?, &evaluate(rhs)?, &node.shape),
        },
    })
}

/// The value of `node`, taken out of it when nothing else can reach the node
/// (only the operation being computed holds it), so its buffer can be reused.
fn take_or_evaluate(node: &Array) -> Result<ArrayData, Diag> {
    let data = evaluate(node)?;
    if std::rc::Rc::strong_count(node) == 1 {
        // Nobody can observe this node again: its reader is being computed now
        // and drops it afterwards. Leave an empty array in its place.
        *node.state.borrow_mut() = State::Done(ArrayData::full(&[0], crate::graph::Scalar::Bool(false), node.dtype));
    }
    Ok(data)
}

/// The machine's physical memory: no single array may need more.
fn memory_limit() -> usize {
    static LIMIT: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *LIMIT.get_or_init(|| {
        let total_kib = std::fs::read_to_string("/proc/meminfo").ok().and_then(|text| {
            text.lines().find(|l| l.starts_with("MemTotal:"))?.split_whitespace().nth(1)?.parse::<usize>().ok()
        });
        total_kib.map_or(16 << 30, |k| k.saturating_mul(1024))
    })
}

/// Refuses, with `darr::memory`, a result larger than the machine's memory, which
/// would otherwise abort the process when allocated.
fn check_memory(node: &Array) -> Result<(), Diag> {
    let count = node.shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d)).unwrap_or(usize::MAX);
    ensure_fits(count, node.dtype.size_bytes(), node.span)
}

/// `darr::memory` unless `count` items of `item_bytes` each fit in memory.
pub fn ensure_fits(count: usize, item_bytes: usize, span: crate::syntax::Span) -> Result<(), Diag> {
    match count.checked_mul(item_bytes) {
        Some(bytes) if bytes <= memory_limit() => Ok(()),
        _ => Err(Diag::new(
            Code::Memory,
            span,
            format!("this needs {count} elements, more memory than the machine has"),
            "too large to allocate",
        )),
    }
}
