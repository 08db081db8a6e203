//! Lowering: the pending graph below an observed node becomes a [`Plan`], plus the
//! bindings that tie the plan to this particular graph (its leaf arrays and, for
//! each plan node, the graph node it computes).
//!
//! A pending value that an earlier plan already computed inside itself without
//! keeping it (Gram-Schmidt's `v = v - dot(q[:, i], v) * q[:, i]`, observed by
//! the next `dot` and then read again by the next `v`) is being computed again:
//! when a name (or another pending value) still holds it, it is marked to be
//! materialized, and kept, so a loop-carried chain is computed at most twice
//! instead of once per later observation.

use std::collections::HashMap;
use std::rc::Rc;

use super::plan::{Expr, Id, PNode, Plan};
use crate::graph::node::State;
use crate::graph::{Array, Node, Op, View};

/// What a plan reads and writes in the graph it came from.
pub struct Bindings {
    /// The arrays behind `Expr::Leaf(k)`.
    pub leaves: Vec<Array>,
    /// The graph node each lowered plan node computes (nodes added by passes
    /// have none).
    pub origins: Vec<Option<Array>>,
    /// How many pending graph nodes inside the plan read each origin: references
    /// beyond these (and the bindings' own) mean someone else holds the node.
    pub readers: Vec<usize>,
}

impl Bindings {
    /// Counts the plan these bindings belong to as one more plan computing
    /// each of its pending graph nodes (called once per plan that runs: the
    /// optimizer may lower a graph twice before choosing).
    pub fn note_lowered(&self) {
        self.origins.iter().flatten().filter(|node| !node.is_computed()).for_each(|node| node.note_lowered());
    }

    /// True when something outside the plan (a variable, another pending graph)
    /// holds the graph node behind plan node `id`, so its value is worth keeping.
    pub fn held_outside(&self, id: usize) -> bool {
        match self.origins.get(id) {
            Some(Some(origin)) => std::rc::Rc::strong_count(origin) > 1 + self.readers[id],
            _ => false,
        }
    }
}

/// True when `node` is computed inside a plan rather than as a leaf of one.
pub fn is_region_op(node: &Node) -> bool {
    match &*node.state.borrow() {
        State::Done(_) | State::Part(_) | State::Cycled(_) | State::Tiled(_) => false,
        State::Pending(Op::View { input, .. }) => !is_computed_whole(input) && !is_small_slice_of_split(node),
        State::Pending(op) => matches!(
            op,
            Op::Fill(_)
                | Op::Unary(..)
                | Op::Binary { .. }
                | Op::Where { .. }
                | Op::Cast(_)
                | Op::Reduce { .. }
                | Op::SetSlice { .. }
        ),
    }
}

/// A small slice of a value held split by rows (`c = x[:k]`, k-means' first
/// centres): a leaf, made whole on every rank by `exec::split::rows`. Inside a
/// kernel over the split value it would stretch the rows each rank fetches to
/// span both the slice and the rank's own rows.
pub fn is_small_slice_of_split(node: &Node) -> bool {
    match &*node.state.borrow() {
        State::Pending(Op::View { input, view: View::Slice(_) }) => {
            let made_split =
                input.is_pending_creation() && crate::dist::layout::splits_when_made(&input.shape, &input.layout);
            crate::dist::nranks() > 1
                && (matches!(&*input.state.borrow(), State::Part(_)) || made_split)
                && crate::dist::layout::replicated_when_small(&node.shape)
        }
        _ => false,
    }
}

/// A view of a computed array (`x[i]`, `q[:, j]` in a loop) is a leaf: it is made
/// at once, sharing the array's buffer, and the plan reading it sees only its
/// shape, so a loop whose index moves reuses one optimized plan instead of
/// optimizing a plan per position.
fn is_computed_whole(node: &Node) -> bool {
    matches!(&*node.state.borrow(), State::Done(_))
}

/// What lowering makes of a computed 0-d array (a scalar operand such as the
/// `err` of `w - 0.05 * err * xi`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Scalars {
    /// A constant of the plan, which passes can fold.
    Constants,
    /// An input of the plan, so the plan is the same whatever the scalar's value
    /// (a loop whose scalars change every iteration reuses one optimized plan).
    Inputs,
}

pub fn lower(root: &Array, scalars: Scalars) -> (Plan, Bindings) {
    let mut lowering =
        Lowering { nodes: Vec::new(), leaves: Vec::new(), origins: Vec::new(), ids: HashMap::new(), scalars };
    let root_id = lowering.visit(root);
    let leaves = lowering.leaves.iter().map(|l| (l.shape.clone(), l.dtype)).collect();
    let mut plan = Plan { nodes: lowering.nodes, root: root_id, leaves };
    let mut readers = vec![0; plan.nodes.len()];
    for node in &plan.nodes {
        for input in node.expr.inputs() {
            readers[input] += 1;
        }
    }
    let bindings = Bindings { leaves: lowering.leaves, origins: lowering.origins, readers };
    for (id, node) in plan.nodes.iter_mut().enumerate() {
        let computable =
            matches!(node.expr, Expr::Unary(..) | Expr::Binary { .. } | Expr::Where { .. } | Expr::Reduce { .. });
        let computed_before = bindings.origins[id].as_ref().is_some_and(|origin| origin.times_lowered() > 0);
        // Only what something outside the plan holds (a name) can be kept; an
        // intermediate of it is not worth an array of its own.
        node.materialize =
            (computable && computed_before && bindings.held_outside(id)).then_some(super::plan::Keep::ComputedBefore);
    }
    (plan, bindings)
}

struct Lowering {
    nodes: Vec<PNode>,
    leaves: Vec<Array>,
    origins: Vec<Option<Array>>,
    ids: HashMap<*const Node, Id>,
    scalars: Scalars,
}

impl Lowering {
    fn visit(&mut self, node: &Array) -> Id {
        let key = Rc::as_ptr(node);
        if let Some(&id) = self.ids.get(&key) {
            return id;
        }
        // Deep chains of views and operations recurse; grow the stack as needed.
        let expr = stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.expr_of(node));
        let id = self.nodes.len();
        self.nodes.push(PNode {
            expr,
            shape: node.shape.clone(),
            dtype: node.dtype,
            span: node.span,
            materialize: None,
        });
        self.origins.push(Some(node.clone()));
        self.ids.insert(key, id);
        id
    }

    fn expr_of(&mut self, node: &Array) -> Expr {
        let state = node.state.borrow();
        let op = match &*state {
            // A computed 0-d array (a Python scalar operand) is a constant.
            State::Done(data) if data.shape().is_empty() && self.scalars == Scalars::Constants => {
                return data.first().map_or_else(|| self.leaf(node), Expr::Const);
            }
            State::Done(_) | State::Part(_) | State::Cycled(_) | State::Tiled(_) => return self.leaf(node),
            State::Pending(op) => op,
        };
        match op {
            Op::Fill(value) => {
                Expr::Const(crate::graph::ArrayData::scalar(*value, node.dtype).first().unwrap_or(*value))
            }
            Op::Unary(f, a) => Expr::Unary(*f, self.visit(a)),
            Op::Binary { f, compute, lhs, rhs } => {
                Expr::Binary { f: *f, compute: *compute, lhs: self.visit(lhs), rhs: self.visit(rhs) }
            }
            Op::Where { cond, x, y } => Expr::Where { cond: self.visit(cond), x: self.visit(x), y: self.visit(y) },
            Op::Cast(a) => Expr::Cast(self.visit(a)),
            Op::View { input, .. } if is_computed_whole(input) || is_small_slice_of_split(node) => self.leaf(node),
            Op::View { input, view } => Expr::View(view.clone(), self.visit(input)),
            Op::Reduce { f, input, axes, .. } => Expr::Reduce { f: *f, axes: axes.clone(), input: self.visit(input) },
            Op::SetSlice { input, elems, value } => {
                Expr::Update { elems: elems.clone(), input: self.visit(input), value: self.visit(value) }
            }
            _ => self.leaf(node),
        }
    }

    fn leaf(&mut self, node: &Array) -> Expr {
        self.leaves.push(node.clone());
        Expr::Leaf(self.leaves.len() - 1)
    }
}
