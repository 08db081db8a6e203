//! Running a plan split over the ranks of a job (spec section 10), as
//! `opt::distribute::place` placed it: "owner computes", each rank computing the
//! rows it owns, reading its own part of each split input plus the neighbouring
//! rows it needs (fetched from their owners: the halo of a stencil, nothing for
//! plain elementwise work). A reduction over the first axis combines one partial
//! result per rank with one collective. Nodes the fused kernels do not take
//! (integer arithmetic and reductions) run split with the per-node kernels
//! (`split::dense`). A plan that could not be placed runs whole on every rank
//! (`exec::run`), joining split inputs first. This module chooses nothing.

use super::kernel::{self, Inputs, Placed};
use super::split;
use crate::diag::Diag;
use crate::dist;
use crate::graph::node::{Part, State};
use crate::graph::{Array, ArrayData, DType, Nd, ReduceFn};
use crate::opt::distribute::{self, Mode, Placement, Step};
use crate::opt::plan::{Expr, Id, Kernel, Plan};
use crate::opt::Bindings;

/// A plan value on this rank.
#[derive(Clone)]
enum Held {
    Whole(ArrayData),
    Split(Part),
}

impl Held {
    /// The graph node state holding this value.
    fn into_state(self) -> State {
        match self {
            Held::Whole(data) => State::Done(data),
            Held::Split(part) => State::Part(part),
        }
    }
}

/// Runs `plan` split over the ranks as placed, storing the result in `root` (and
/// in the graph nodes of intermediate values held elsewhere). False when the plan
/// has no placement and must run whole.
pub fn try_run(plan: &Plan, bindings: &Bindings, root: &Array) -> Result<bool, Diag> {
    // Pending leaves other than creations (a matrix product, a gather) first:
    // whether they come out split or whole (a small product is whole) decides
    // the placement, which would otherwise guess from their layouts.
    for leaf in &bindings.leaves {
        if !leaf.is_computed() && !leaf.is_pending_creation() {
            super::force(leaf)?;
        }
    }
    let Some(placed) = distribute::place(plan, bindings) else {
        return Ok(false);
    };
    let steps = placed.steps;
    let mut remaining = plan.use_counts();
    let mut values: Vec<Option<Held>> = vec![None; plan.nodes.len()];
    for id in plan.order() {
        let node = &plan.nodes[id];
        let held = match (&node.expr, &steps[id]) {
            (Expr::Leaf(k), _) => {
                let leaf = &bindings.leaves[*k];
                if !leaf.is_computed() && !split::create_part(leaf) {
                    super::force(leaf)?;
                }
                // A cyclic or tiled value is read in blocks, moved for this plan only.
                if let Some(part) = split::cyclic::to_blocks(leaf).or_else(|| split::tiled::to_blocks(leaf)) {
                    values[id] = Some(Held::Split(part));
                }
                // Other leaves stay in their graph nodes (fetches write there).
                None
            }
            (_, Some(Step::Kernel(kernel, mode))) => {
                super::stats::record_kernel();
                Some(run_kernel(plan, bindings, kernel, *mode, node, &mut values)?)
            }
            (_, Some(Step::Dense(placement))) => {
                let operand = |i: Id| match (&plan.nodes[i].expr, &values[i]) {
                    (_, Some(Held::Split(part))) => Ok((part.data.clone(), Some(part.first))),
                    (_, Some(Held::Whole(data))) => Ok((data.clone(), None)),
                    (Expr::Leaf(k), None) => match bindings.leaves[*k].part() {
                        Some(part) => Ok((part.data, Some(part.first))),
                        None => Ok((super::evaluate(&bindings.leaves[*k])?, None)),
                    },
                    _ => unreachable!("inputs run first"),
                };
                let data = split::dense::run(plan, id, *placement, operand)?;
                Some(match placement {
                    Placement::Rows => Held::Split(Part { data, first: split::own_rows(node.shape[0]).0 }),
                    Placement::Combined | Placement::Whole | Placement::Picked => Held::Whole(data),
                })
            }
            _ => unreachable!("checked above"),
        };
        for input in node.expr.inputs() {
            remaining[input] -= 1;
            if remaining[input] == 0 {
                values[input] = None;
            }
        }
        if let Some(held) = held {
            let keep = id == plan.root || bindings.held_outside(id);
            if let (true, Some(Some(origin))) = (keep, bindings.origins.get(id)) {
                if !origin.is_computed() {
                    *origin.state.borrow_mut() = held.clone().into_state();
                }
            }
            values[id] = Some(held);
        }
    }
    if !root.is_computed() {
        *root.state.borrow_mut() = values[plan.root].take().expect("the root was computed").into_state();
    }
    Ok(true)
}

/// Where a kernel input's value is, and how many rows it has.
enum Source<'a> {
    Node(&'a Array),
    Value(usize),
}

/// Runs one kernel on this rank's rows, fetching the rows of split inputs it reads.
fn run_kernel(
    plan: &Plan,
    bindings: &Bindings,
    kernel: &Kernel,
    mode: Mode,
    node: &crate::opt::plan::PNode,
    values: &mut [Option<Held>],
) -> Result<Held, Diag> {
    let (size, me) = (dist::nranks(), dist::rank());
    let sources: Vec<Source> = kernel
        .inputs
        .iter()
        .map(|&id| match &plan.nodes[id].expr {
            Expr::Leaf(k) if values[id].is_none() => Source::Node(&bindings.leaves[*k]),
            _ => Source::Value(id),
        })
        .collect();
    let rows_of = |k: usize| plan.nodes[kernel.inputs[k]].shape.first().copied().unwrap_or(1);
    let shapes: Vec<&[usize]> = kernel.inputs.iter().map(|&i| plan.nodes[i].shape.as_slice()).collect();
    let split: Vec<bool> = sources
        .iter()
        .map(|source| match source {
            Source::Node(leaf) => leaf.part().is_some(),
            Source::Value(id) => matches!(values[*id], Some(Held::Split(_))),
        })
        .collect();
    let reads = distribute::reads_per_rank(kernel, mode, &node.shape, &shapes, &split, size);
    let mut fetched: Vec<usize> = Vec::new();
    for (k, source) in sources.iter().enumerate() {
        if fetched.contains(&kernel.inputs[k]) {
            continue;
        }
        fetched.push(kernel.inputs[k]);
        let need = distribute::need_of(kernel, &reads, kernel.inputs[k]);
        match source {
            Source::Node(leaf) if leaf.part().is_some() => {
                split::fetch_into(leaf, &need);
            }
            Source::Value(id) => {
                if let Some(Held::Split(part)) = values[*id].take_if(|v| matches!(v, Held::Split(_))) {
                    values[*id] = Some(Held::Split(split::fetch(part, rows_of(k), &need)));
                }
            }
            Source::Node(_) => {}
        }
    }
    let mut inputs = inputs(&sources, values, &rows_of)?;

    let (a, b) = distribute::window(kernel, mode, &node.shape, size, me);
    Ok(match mode {
        Mode::Update => {
            let own = split::own_rows(node.shape[0]);
            let first = inputs.placed.last().copied().flatten().map_or(0, |p| p.first);
            Held::Split(Part { data: kernel::run_update(kernel, &inputs, Some(own)), first })
        }
        Mode::Rows => {
            let mut local = kernel.clone();
            local.shape[0] = b - a;
            inputs.window = Some((a, b));
            let data = match &kernel.reduce {
                Some(_) => {
                    let mut shape = node.shape.clone();
                    shape[0] = b - a;
                    kernel::run_reduce(&local, &inputs, &shape, node.dtype).swap_remove(0)
                }
                None => kernel::run_map(&local, &inputs, node.dtype),
            };
            Held::Split(Part { data, first: a })
        }
        Mode::Combine(f) => {
            let mut local = kernel.clone();
            local.shape[0] = b - a;
            // Means are sums here, divided by the whole count once combined.
            let summed = if f == ReduceFn::Mean { ReduceFn::Sum } else { f };
            local.reduce = local.reduce.map(|(_, axes)| (summed, axes));
            inputs.window = Some((a, b));
            let partial = (a < b).then(|| {
                let data = kernel::run_reduce(&local, &inputs, &node.shape, DType::Float64).swap_remove(0);
                let ArrayData::F64(values) = data else { unreachable!("asked for float64") };
                values.iter().copied().collect::<Vec<f64>>()
            });
            let count: usize = node.shape.iter().product();
            let mut combined = split::combine(summed, partial, count);
            if f == ReduceFn::Mean {
                let axes = &kernel.reduce.as_ref().expect("a reduction").1;
                let n: usize = axes.iter().map(|&x| kernel.shape[x]).product();
                combined.iter_mut().for_each(|v| *v /= n as f64);
            }
            let nd = Nd::from_shape_vec(ndarray::IxDyn(&node.shape), combined).expect("reduction shape");
            Held::Whole(ArrayData::F64(nd).cast(node.dtype))
        }
        Mode::Whole => Held::Whole(match &kernel.reduce {
            Some(_) => kernel::run_reduce(kernel, &inputs, &node.shape, node.dtype).swap_remove(0),
            None => kernel::run_map(kernel, &inputs, node.dtype),
        }),
    })
}

/// The kernel's inputs: this rank's part of split values, the others whole.
fn inputs(sources: &[Source], values: &[Option<Held>], rows_of: &dyn Fn(usize) -> usize) -> Result<Inputs, Diag> {
    let mut data = Vec::with_capacity(sources.len());
    let mut placed = Vec::with_capacity(sources.len());
    for (k, source) in sources.iter().enumerate() {
        let held = match source {
            Source::Node(leaf) => match leaf.part() {
                Some(part) => Held::Split(part),
                None => Held::Whole(super::evaluate(leaf)?),
            },
            Source::Value(id) => values[*id].clone().expect("inputs run first"),
        };
        match held {
            Held::Split(part) => {
                placed.push(Some(Placed { first: part.first, rows: rows_of(k) }));
                data.push(part.data);
            }
            Held::Whole(whole) => {
                placed.push(None);
                data.push(whole);
            }
        }
    }
    Ok(Inputs { data, placed, window: None })
}
