//! Placement of a plan over the ranks (spec section 10): for a job of several
//! ranks, how each node of an optimized plan runs and where its value is, decided
//! from the plan and its inputs' layouts alone, before anything runs. `exec`
//! runs the placement it is given (`exec::distributed`); `explain` prints it,
//! with the communication each node needs and the bytes each rank sends.
//!
//! A plan is placed "owner computes": each rank computes the rows it owns of
//! values split by rows, reading its own rows of split inputs plus the
//! neighbouring rows it needs (a halo, fetched from their owners). A reduction
//! over the first axis combines one partial result per rank with one
//! collective. A plan with a node that has no split form is not placed: it runs
//! whole on every rank, its split inputs joined first.

mod exchanges;

pub use exchanges::{bytes_moved, exchanges, Exchange};

use super::fusible;
use super::plan::{Expr, Id, KKind, KOp, Kernel, Plan};
use super::Bindings;
use crate::dist::layout::{self, block_range, Layout};
use crate::graph::strided::Strided;
use crate::graph::{DType, ReduceFn, SliceElem, View};

/// Rows `[start, stop)` of the first axis.
pub type Rows = (usize, usize);

/// What a kernel produces on each rank.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Mode {
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

/// Where the value of a node run by the per-node kernels is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Placement {
    /// Each rank holds its own rows.
    Rows,
    /// Every rank holds all of it: partial reductions combined across the ranks.
    Combined,
    /// Every rank holds all of it, computed alone (a constant).
    Whole,
    /// Every rank holds all of it: the one row of a split value it picks
    /// (`order[i]`), sent by the rank owning that row.
    Picked,
}

/// How a plan node runs split.
#[derive(Clone, Debug)]
pub enum Step {
    /// A kernel (fused, or one that only loads a value).
    Kernel(Box<Kernel>, Mode),
    /// A node of the per-node kernels (integer arithmetic and reductions).
    Dense(Placement),
}

/// A plan placed over the ranks.
pub struct Placed {
    /// How each computed node runs (`None` for leaves and dead nodes).
    pub steps: Vec<Option<Step>>,
    /// Whether each node's value is split by rows on the ranks (for a leaf not
    /// yet computed, whether it is created split).
    pub split: Vec<bool>,
}

/// The placement of `plan` over the ranks, or `None` when some node has no
/// split form and the plan runs whole on every rank.
pub fn place(plan: &Plan, bindings: &Bindings) -> Option<Placed> {
    let order = plan.order();
    let mut steps: Vec<Option<Step>> = vec![None; plan.nodes.len()];
    let mut split = vec![false; plan.nodes.len()];
    for &id in &order {
        if let Expr::Leaf(k) = plan.nodes[id].expr {
            let leaf = &bindings.leaves[k];
            let rows = match leaf.is_pending_creation() {
                true => layout::splits_when_made(&leaf.shape, &leaf.layout),
                false => layout::splits(&leaf.shape, &leaf.layout),
            };
            let placed_split = rows
                || layout::cycle_of(&leaf.shape, &leaf.layout).is_some()
                || layout::tiles(&leaf.shape, &leaf.layout);
            split[id] = leaf.is_held_split() || (!leaf.is_computed() && placed_split);
            continue;
        }
        if picks_a_row(plan, id, &split) {
            steps[id] = Some(Step::Dense(Placement::Picked));
            continue;
        }
        let layout = layout_of(plan, bindings, id);
        let Some(kernel) = as_kernel(plan, id) else {
            let placement = dense_placement(plan, id, &split, &layout)?;
            split[id] = placement == Placement::Rows;
            steps[id] = Some(Step::Dense(placement));
            continue;
        };
        let inputs_whole = kernel.inputs.iter().all(|&input| !split[input]);
        let mode = mode_of(&kernel, &plan.nodes[id].shape, &layout, inputs_whole)?;
        split[id] = matches!(mode, Mode::Rows | Mode::Update);
        steps[id] = Some(Step::Kernel(Box::new(kernel), mode));
    }
    Some(Placed { steps, split })
}

/// Whether plan node `id` picks one row of a split value (`order[i]`,
/// `m[i, 2:]`): the rank owning the row sends it, no one joins the value.
fn picks_a_row(plan: &Plan, id: Id, split: &[bool]) -> bool {
    match &plan.nodes[id].expr {
        Expr::View(View::Slice(elems), input) => split[*input] && matches!(elems.first(), Some(SliceElem::Index(_))),
        _ => false,
    }
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
        _ => Layout::default_for(plan.nodes[id].shape.len(), crate::dist::nranks()),
    }
}

/// How a kernel runs split over the ranks, if it can.
fn mode_of(kernel: &Kernel, shape: &[usize], layout: &Layout, inputs_whole: bool) -> Option<Mode> {
    if !kernel.extra.is_empty() {
        return None;
    }
    // A load through a reshape (`reshape(uniform(n * d), (n, d))`) reads the
    // input elements its rows cover: `rows_read` finds them through the strides
    // (all rows when strides cannot express the reshape).
    if kernel.shape.is_empty() {
        return (inputs_whole && kernel.update.is_none()).then_some(Mode::Whole);
    }
    let rows = layout::splits(shape, layout);
    if let (Some((_, axes)), Some((_, then))) = (&kernel.reduce, &kernel.then) {
        // Rows stay rows when neither reduction is over the first axis.
        let by_rows = !axes.contains(&0) && !then.contains(&0) && rows;
        return if by_rows { Some(Mode::Rows) } else { inputs_whole.then_some(Mode::Whole) };
    }
    match (&kernel.reduce, &kernel.update) {
        // Small results of whole values stay whole (`--replicate-below`).
        (None, None) if inputs_whole && layout::replicated_when_small(shape) => Some(Mode::Whole),
        (None, None) if rows => Some(Mode::Rows),
        (Some((_, axes)), _) if !axes.contains(&0) && rows => Some(Mode::Rows),
        (Some((f, axes)), _) if axes.contains(&0) && combinable(*f) => Some(Mode::Combine(*f)),
        (None, Some(_)) if shape.len() >= 2 && rows => Some(Mode::Update),
        (_, None) if inputs_whole => Some(Mode::Whole),
        _ => None,
    }
}

/// How a node of the per-node kernels runs split, if it can: `split[i]` says
/// whether the value of node `i` is split, `layout` is the node's own layout.
fn dense_placement(plan: &Plan, id: Id, split: &[bool], layout: &Layout) -> Option<Placement> {
    let node = &plan.nodes[id];
    let operands = node.expr.inputs();
    let rows = layout::splits(&node.shape, layout);
    let operands_whole = operands.iter().all(|&i| !split[i]);
    match &node.expr {
        Expr::Const(_) => Some(Placement::Whole),
        // From values every rank holds whole (a row picked from a split value).
        Expr::Reduce { .. } | Expr::View(..) if operands_whole => Some(Placement::Whole),
        Expr::Unary(..) | Expr::Binary { .. } | Expr::Where { .. } | Expr::Cast(_) => {
            let split_rows = operands.iter().any(|&i| split[i] && same_rows(&plan.nodes[i].shape, &node.shape));
            if operands_whole {
                Some(Placement::Whole)
            } else {
                (rows && split_rows).then_some(Placement::Rows)
            }
        }
        Expr::Reduce { f, axes, input } if split[*input] && !plan.nodes[*input].dtype.is_float() => {
            if !axes.contains(&0) {
                rows.then_some(Placement::Rows)
            } else {
                // A mean of ints is a float, which these partials do not carry.
                (*f != ReduceFn::Mean && combinable(*f)).then_some(Placement::Combined)
            }
        }
        Expr::Update { elems, input, value } if split[*input] && rows => {
            // Each rank writes the part of the region inside its own rows; a split
            // value is read by its own rows when the region spans every row.
            let all_rows =
                matches!(elems.first(), Some(SliceElem::Range { first: 0, count, step: 1 }) if *count == node.shape[0]);
            let value_whole_or_aligned =
                !split[*value] || (all_rows && same_rows(&plan.nodes[*value].shape, &node.shape));
            let first_axis_picked = matches!(elems.first(), Some(SliceElem::Index(_) | SliceElem::Range { .. }));
            (value_whole_or_aligned && first_axis_picked).then_some(Placement::Rows)
        }
        _ => None,
    }
}

/// Whether an operand of shape `operand` has the rows of a value of shape `value`
/// (rather than broadcasting along its first axis).
pub fn same_rows(operand: &[usize], value: &[usize]) -> bool {
    !value.is_empty() && operand.len() == value.len() && operand[0] == value[0]
}

/// Whether partial results of `f` over parts of the data combine into the whole
/// result (a mean as a sum, divided once combined).
pub fn combinable(f: ReduceFn) -> bool {
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

/// The rows of the iteration space that rank `q` of `size` computes (for an
/// update, the region rows inside `q`'s own rows of the updated array of
/// `shape`, counted from the region's first row).
pub fn window(kernel: &Kernel, mode: Mode, shape: &[usize], size: usize, q: usize) -> Rows {
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

/// For each kernel input split by rows (`split[k]`, of shape `shapes[k]`), the
/// rows of its first axis that computing rows `window` of the kernel's iteration
/// space reads (`None` when it reads none, and for whole inputs).
pub fn rows_read(kernel: &Kernel, shapes: &[&[usize]], split: &[bool], window: Rows) -> Vec<Option<Rows>> {
    let mut read: Vec<Option<Rows>> = vec![None; kernel.inputs.len()];
    let rows_window = View::Slice(vec![SliceElem::Range { first: window.0, count: window.1 - window.0, step: 1 }]);
    for op in &kernel.ops {
        let KKind::Load { input, views } = &op.kind else { continue };
        let (shape, input) = (shapes[*input], *input);
        if !split[input] || shape.is_empty() {
            continue;
        }
        let row_len: usize = shape[1..].iter().product();
        let mut at = Strided::contiguous(shape);
        // A view strides cannot express is read whole (split kernels take none).
        let rows = if views.iter().chain([&rows_window]).all(|view| at.apply(view)) {
            match (at.offset_range(), row_len > 0) {
                (Some((lo, hi)), true) => {
                    let row = |offset: isize| offset.max(0) as usize / row_len;
                    Some((row(lo).min(shape[0]), (row(hi) + 1).min(shape[0])))
                }
                _ => None,
            }
        } else {
            Some((0, shape[0]))
        };
        if let Some(rows) = rows {
            read[input] = Some(match read[input] {
                Some((a, b)) => (a.min(rows.0), b.max(rows.1)),
                None => rows,
            });
        }
    }
    read
}

/// For each rank `q` of `size`, the rows of each kernel input slot (split ones,
/// `split[k]`, of shape `shapes[k]`) that `q`'s rows of the result (of `shape`)
/// read: `rows_read` over every rank's window, as every rank takes part in
/// sending.
pub fn reads_per_rank(
    kernel: &Kernel,
    mode: Mode,
    shape: &[usize],
    shapes: &[&[usize]],
    split: &[bool],
    size: usize,
) -> Vec<Vec<Option<Rows>>> {
    (0..size)
        .map(|q| {
            let w = window(kernel, mode, shape, size, q);
            if w.0 < w.1 {
                rows_read(kernel, shapes, split, w)
            } else {
                vec![None; kernel.inputs.len()]
            }
        })
        .collect()
}

/// What each rank needs of plan node `input`, over every kernel slot reading it.
pub fn need_of(kernel: &Kernel, reads: &[Vec<Option<Rows>>], input: Id) -> Vec<Option<Rows>> {
    reads
        .iter()
        .map(|per_slot| {
            let slots = (0..kernel.inputs.len()).filter(|&j| kernel.inputs[j] == input);
            slots.filter_map(|j| per_slot[j]).reduce(|x, y| (x.0.min(y.0), x.1.max(y.1)))
        })
        .collect()
}
