//! Running a plan split over the ranks of an MPI job (spec section 10). A plan made
//! of fused kernels over iteration spaces whose first axis can be split in blocks
//! runs "owner computes": each rank computes the rows it owns, reading its own
//! part of each split input plus the neighbouring rows it needs (fetched from their
//! owners: the halo of a stencil, nothing for plain elementwise work). A reduction
//! over the first axis combines one partial result per rank with one collective.
//! Nodes the fused kernels do not take (integer arithmetic and reductions) run
//! split too (`split_dense`). Other plans run whole on every rank, joining split
//! inputs first.

use super::kernel::{self, Inputs, Placed};
use super::split::{self, Rows};
use super::split_dense::{self, Placement};
use super::{split_cyclic, split_tiled};
use crate::diag::Diag;
use crate::dist::{self, layout::block_range, Layout};
use crate::graph::node::{Part, State};
use crate::graph::{Array, ArrayData, DType, Nd, ReduceFn, SliceElem, View};
use crate::opt::fusible;
use crate::opt::plan::{Expr, Id, KKind, KOp, Kernel, Plan};
use crate::opt::Bindings;

/// What a kernel produces on each rank.
#[derive(Clone, Copy)]
enum Mode {
    /// Its own rows of an elementwise result (or of a reduction over later axes).
    Rows,
    /// A partial reduction over the first axis, combined across the ranks.
    Combine(ReduceFn),
    /// Its own rows of the updated array.
    Update,
    /// The whole result on every rank, from inputs every rank holds whole (a
    /// comparison of a combined sum, say).
    Whole,
}

/// How a plan node runs split.
#[derive(Clone)]
enum Step {
    /// A kernel (fused, or one that only loads a value).
    Kernel(Box<Kernel>, Mode),
    /// A node of the per-node kernels (`split_dense`).
    Dense(Placement),
}

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

/// Runs `plan` split over the ranks when every node it computes is a kernel that
/// can be, storing the result in `root` (and in the graph nodes of intermediate
/// values held elsewhere). False when the plan must run whole.
pub fn try_run(plan: &Plan, bindings: &Bindings, root: &Array) -> Result<bool, Diag> {
    let order = plan.order();
    let mut steps: Vec<Option<Step>> = vec![None; plan.nodes.len()];
    // Whether each value may be split on this rank (for a leaf not yet computed,
    // whether it may be created split).
    let mut split_value = vec![false; plan.nodes.len()];
    for &id in &order {
        if let Expr::Leaf(k) = plan.nodes[id].expr {
            let leaf = &bindings.leaves[k];
            let placed_split = split::splits(&leaf.shape, &leaf.layout)
                || split_cyclic::cycle_of(&leaf.shape, &leaf.layout).is_some()
                || split_tiled::tiles(&leaf.shape, &leaf.layout);
            let held_split = leaf.part().is_some() || leaf.cycled().is_some() || leaf.tiled().is_some();
            split_value[id] = held_split || (!leaf.is_computed() && placed_split);
            continue;
        }
        let layout = layout_of(plan, bindings, id);
        let Some(kernel) = as_kernel(plan, id) else {
            let Some(placement) = split_dense::placement(plan, id, &split_value, &layout) else {
                return Ok(false);
            };
            split_value[id] = matches!(placement, Placement::Rows);
            steps[id] = Some(Step::Dense(placement));
            continue;
        };
        let inputs_whole = kernel.inputs.iter().all(|&input| !split_value[input]);
        let Some(mode) = mode_of(&kernel, &plan.nodes[id].shape, &layout, inputs_whole) else {
            return Ok(false);
        };
        split_value[id] = matches!(mode, Mode::Rows | Mode::Update);
        steps[id] = Some(Step::Kernel(Box::new(kernel), mode));
    }
    let mut remaining = plan.use_counts();
    let mut values: Vec<Option<Held>> = vec![None; plan.nodes.len()];
    for &id in &order {
        let node = &plan.nodes[id];
        let held = match (&node.expr, &steps[id]) {
            (Expr::Leaf(k), _) => {
                let leaf = &bindings.leaves[*k];
                if !leaf.is_computed() && !split::create_part(leaf) {
                    super::force(leaf)?;
                }
                // A cyclic or tiled value is read in blocks, moved for this plan only.
                if let Some(part) = split_cyclic::to_blocks(leaf).or_else(|| split_tiled::to_blocks(leaf)) {
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
                let data = split_dense::run(plan, id, *placement, operand)?;
                Some(match placement {
                    Placement::Rows => Held::Split(Part { data, first: split::own_rows(node.shape[0]).0 }),
                    Placement::Combined | Placement::Whole => Held::Whole(data),
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

/// The plan node as a kernel: a fused kernel; or a kernel that only loads a
/// value (reduces a computed float array, takes a view of one, casts one) where
/// the values pass through f64 lanes exactly.
fn as_kernel(plan: &Plan, id: usize) -> Option<Kernel> {
    let node = &plan.nodes[id];
    let load =
        |input: Id, views: Vec<View>| KOp { kind: KKind::Load { input: 0, views }, dtype: plan.nodes[input].dtype };
    let loading = |input: Id, ops: Vec<KOp>, reduce: Option<(ReduceFn, Vec<usize>)>| Kernel {
        inputs: vec![input],
        ops,
        shape: if reduce.is_some() { plan.nodes[input].shape.clone() } else { node.shape.clone() },
        reduce,
        then: None,
        update: None,
        result: None,
        extra: Vec::new(),
    };
    match &node.expr {
        Expr::Kernel(k) => Some(k.clone()),
        Expr::Reduce { f, axes, input } if plan.nodes[*input].dtype.is_float() => {
            Some(loading(*input, vec![load(*input, Vec::new())], Some((*f, axes.clone()))))
        }
        Expr::View(view, input) if node.dtype.is_float() || node.dtype == DType::Bool => {
            Some(loading(*input, vec![load(*input, vec![view.clone()])], None))
        }
        Expr::Cast(input) if fusible::fusible_map(plan, id) => {
            let convert = KOp { kind: KKind::Convert(0), dtype: node.dtype };
            Some(loading(*input, vec![load(*input, Vec::new()), convert], None))
        }
        _ => None,
    }
}

/// The layout a plan node's value gets: its graph node's, else the default.
fn layout_of(plan: &Plan, bindings: &Bindings, id: usize) -> Layout {
    match bindings.origins.get(id) {
        Some(Some(origin)) => (*origin.layout).clone(),
        _ => Layout::default_for(plan.nodes[id].shape.len(), dist::nranks()),
    }
}

/// How a kernel runs split over the ranks, if it can.
fn mode_of(kernel: &Kernel, shape: &[usize], layout: &Layout, inputs_whole: bool) -> Option<Mode> {
    if !kernel.extra.is_empty() {
        return None;
    }
    let no_reshapes = kernel.ops.iter().all(|op| match &op.kind {
        KKind::Load { views, .. } => !views.iter().any(|v| matches!(v, View::Reshape(_))),
        _ => true,
    });
    if !no_reshapes || kernel.shape.is_empty() {
        return (inputs_whole && kernel.update.is_none()).then_some(Mode::Whole);
    }
    if let (Some((_, axes)), Some((_, then))) = (&kernel.reduce, &kernel.then) {
        // Rows stay rows when neither reduction is over the first axis.
        let rows = !axes.contains(&0) && !then.contains(&0) && split::splits(shape, layout);
        return if rows { Some(Mode::Rows) } else { inputs_whole.then_some(Mode::Whole) };
    }
    match (&kernel.reduce, &kernel.update) {
        (None, None) if split::splits(shape, layout) => Some(Mode::Rows),
        (Some((_, axes)), _) if !axes.contains(&0) && split::splits(shape, layout) => Some(Mode::Rows),
        (Some((f, axes)), _) if axes.contains(&0) && combinable(*f) => Some(Mode::Combine(*f)),
        (None, Some(_)) if shape.len() >= 2 && split::splits(shape, layout) => Some(Mode::Update),
        (_, None) if inputs_whole => Some(Mode::Whole),
        _ => None,
    }
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
    let windows: Vec<Rows> = (0..size).map(|q| window(kernel, mode, &node.shape, q)).collect();
    // The rows of each split input that each rank reads (worked out for every rank,
    // as every rank takes part in sending); the probe's buffers are dropped before
    // the fetches, so that those can write into unshared buffers.
    let reads: Vec<Vec<Option<Rows>>> = {
        let probe = inputs(&sources, values, &rows_of)?;
        windows
            .iter()
            .map(|&w| if w.0 < w.1 { kernel::rows_read(kernel, &probe, w) } else { vec![None; sources.len()] })
            .collect()
    };
    let mut fetched: Vec<usize> = Vec::new();
    for (k, source) in sources.iter().enumerate() {
        if fetched.contains(&kernel.inputs[k]) {
            continue;
        }
        fetched.push(kernel.inputs[k]);
        // Every load of this input, from whichever slot reads it.
        let need: Vec<Option<Rows>> = (0..size)
            .map(|q| {
                let slots = (0..sources.len()).filter(|&j| kernel.inputs[j] == kernel.inputs[k]);
                slots.filter_map(|j| reads[q][j]).reduce(|x, y| (x.0.min(y.0), x.1.max(y.1)))
            })
            .collect();
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

    let (a, b) = windows[me];
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
            let mut combined = combine(summed, partial, count);
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

/// Whether partial results of `f` over parts of the data combine into the whole
/// result (a mean as a sum, divided once combined).
pub(super) fn combinable(f: ReduceFn) -> bool {
    matches!(
        f,
        ReduceFn::Sum
            | ReduceFn::Mean
            | ReduceFn::Prod
            | ReduceFn::Min
            | ReduceFn::Max
            | ReduceFn::All
            | ReduceFn::Any
            | ReduceFn::CountNonzero
    )
}

/// The rows of the iteration space that rank `q` computes (for an update, the
/// region rows inside `q`'s own rows of the updated array, counted from the
/// region's first row).
fn window(kernel: &Kernel, mode: Mode, shape: &[usize], q: usize) -> Rows {
    let size = dist::nranks();
    match mode {
        Mode::Update => {
            let own = block_range(shape[0], size, q);
            let Some(SliceElem::Range { first, count, .. }) = kernel.update.as_ref().and_then(|e| e.first().cloned())
            else {
                return (0, 0);
            };
            let (lo, hi) = (own.0.max(first), own.1.min(first + count));
            if lo < hi {
                (lo - first, hi - first)
            } else {
                (0, 0)
            }
        }
        Mode::Whole => (0, 0),
        Mode::Rows | Mode::Combine(_) => block_range(kernel.shape[0], size, q),
    }
}

/// Every rank's partial result (none from a rank with no rows), combined in rank
/// order, on every rank.
fn combine(f: ReduceFn, mine: Option<Vec<f64>>, len: usize) -> Vec<f64> {
    let bytes: Vec<u8> = mine.iter().flatten().flat_map(|v| v.to_le_bytes()).collect();
    let partials: Vec<Vec<f64>> = dist::world()
        .all_gather(&bytes)
        .iter()
        .filter(|b| !b.is_empty())
        .map(|b| b.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes"))).collect())
        .collect();
    let mut result: Vec<f64> = match partials.first() {
        Some(first) => first.clone(),
        None => vec![crate::exec::reduce::reduce_row::<f64>(f, &[]); len],
    };
    for partial in partials.iter().skip(1) {
        for (r, &p) in result.iter_mut().zip(partial) {
            *r = match f {
                ReduceFn::Sum | ReduceFn::CountNonzero => *r + p,
                ReduceFn::Prod => *r * p,
                ReduceFn::Min if r.is_nan() || p.is_nan() => f64::NAN,
                ReduceFn::Max if r.is_nan() || p.is_nan() => f64::NAN,
                ReduceFn::Min => r.min(p),
                ReduceFn::Max => r.max(p),
                ReduceFn::All => f64::from(u8::from(*r != 0.0 && p != 0.0)),
                ReduceFn::Any => f64::from(u8::from(*r != 0.0 || p != 0.0)),
                _ => unreachable!("not combinable"),
            };
        }
    }
    result
}
