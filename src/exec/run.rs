//! Running a plan: its nodes in order, each fused kernel in one parallel pass,
//! the rest with the per-node kernels. A value is dropped as soon as its last
//! reader has run, and what a plan computes whole is kept in the graph node it
//! came from, so nothing is computed twice.

use std::time::Instant;

use super::{elementwise, ensure_fits, evaluate, index, kernel, reduce, stats, view};
use crate::diag::{Code, Diag};
use crate::graph::node::State;
use crate::graph::{Array, ArrayData};
use crate::opt::plan::{Expr, Id, Plan};
use crate::opt::{self, Bindings};

/// Computes `root` and stores its value in it (whole, or split over the ranks).
pub fn run_plan(root: &Array) -> Result<(), Diag> {
    if crate::dist::nranks() > 1 {
        // Before lowering: these become computed leaves of the plan.
        super::split::masked::reduce_below(root)?;
        if root.is_computed() {
            return Ok(());
        }
    }
    let started = Instant::now();
    let (plan, bindings) = opt::optimize(root);
    stats::record_optimize(started.elapsed());
    if super::explaining() {
        eprintln!("{}", opt::render(&plan, Some(&bindings)));
    }
    if crate::dist::nranks() > 1 && super::distributed::try_run(&plan, &bindings, root)? {
        stats::record_split_plan();
        return Ok(());
    }
    let mut remaining = plan.use_counts();
    let mut values: Vec<Option<ArrayData>> = vec![None; plan.nodes.len()];
    // The extra results of kernels computing several reductions, by (kernel, index).
    let mut outputs: Vec<((Id, usize), ArrayData)> = Vec::new();
    for id in plan.order() {
        let data = match &plan.nodes[id].expr {
            Expr::Output { kernel, index } => {
                let at = outputs.iter().position(|(key, _)| *key == (*kernel, *index)).expect("kernel ran first");
                outputs.swap_remove(at).1
            }
            _ => compute(&plan, id, &bindings, &mut values, &remaining, &mut outputs)?,
        };
        for input in plan.nodes[id].expr.inputs() {
            remaining[input] -= 1;
            if remaining[input] == 0 {
                values[input] = None;
            }
        }
        // Keep what was computed in its graph node when someone outside this plan
        // can still ask for it (and always for the root); otherwise the buffer
        // stays unshared, so a later update can write it in place.
        if !matches!(plan.nodes[id].expr, Expr::Leaf(_)) && (id == plan.root || bindings.held_outside(id)) {
            if let Some(Some(origin)) = bindings.origins.get(id) {
                if !origin.is_computed() && origin.shape == data.shape() {
                    *origin.state.borrow_mut() = State::Done(data.clone());
                }
            }
        }
        values[id] = Some(data);
    }
    let data = values[plan.root].take().expect("the root was computed");
    if !root.is_computed() {
        *root.state.borrow_mut() = State::Done(data);
    }
    Ok(())
}

fn compute(
    plan: &Plan,
    id: Id,
    bindings: &Bindings,
    values: &mut [Option<ArrayData>],
    remaining: &[usize],
    outputs: &mut Vec<((Id, usize), ArrayData)>,
) -> Result<ArrayData, Diag> {
    let node = &plan.nodes[id];
    if let Expr::Update { elems, input, value } = &node.expr {
        // The last reader of the old array takes its buffer, to write in place.
        let new = values[*value].clone().expect("inputs run first");
        let old = if remaining[*input] == 1 && input != value { values[*input].take() } else { values[*input].clone() };
        return Ok(index::set_slice(old.expect("inputs run first"), elems, &new));
    }
    let values: &[Option<ArrayData>] = values;
    let value = |i: Id| values[i].as_ref().expect("inputs run first");
    if !matches!(node.expr, Expr::Leaf(_) | Expr::View(..)) {
        let count = node.shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d)).unwrap_or(usize::MAX);
        ensure_fits(count, node.dtype.size_bytes(), node.span)?;
    }
    let fail = |message: String| Diag::new(Code::Value, node.span, message, "while computing this");
    let shape = &node.shape;
    Ok(match &node.expr {
        Expr::Leaf(k) => return evaluate(&bindings.leaves[*k]),
        Expr::Const(s) => ArrayData::full(shape, *s, node.dtype),
        Expr::Unary(f, a) => elementwise::unary(*f, value(*a), node.dtype),
        Expr::Binary { f, compute, lhs, rhs } => {
            elementwise::binary(*f, *compute, value(*lhs), value(*rhs), shape).map_err(fail)?
        }
        Expr::Where { cond, x, y } => elementwise::select(value(*cond), value(*x), value(*y), shape),
        Expr::Cast(a) => value(*a).cast(node.dtype),
        Expr::View(v, a) => view::apply(value(*a), v),
        Expr::Reduce { f, axes, input } => reduce::reduce(*f, value(*input), axes, shape, node.dtype),
        Expr::Kernel(k) => {
            let inputs = kernel::Inputs::whole(k.inputs.iter().map(|&i| value(i).clone()).collect());
            stats::record_kernel();
            match (&k.reduce, &k.update) {
                (Some(_), _) => {
                    let mut results = kernel::run_reduce(k, &inputs, shape, node.dtype).into_iter();
                    let first = results.next().expect("the first result");
                    outputs.extend(results.enumerate().map(|(k, data)| ((id, k + 1), data)));
                    first
                }
                (_, Some(_)) => kernel::run_update(k, &inputs, None),
                _ => kernel::run_map(k, &inputs, node.dtype),
            }
        }
        Expr::Update { .. } => unreachable!("handled above"),
        Expr::Output { .. } => unreachable!("handled by the caller"),
        Expr::Dead => unreachable!("dead nodes are not live"),
    })
}
