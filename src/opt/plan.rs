//! The optimizer's working form of a graph region: a flat list of nodes in
//! topological order (every node's inputs have smaller ids), free of `Rc` so that
//! an optimized plan can be cached and reused with other input arrays.
//!
//! A region is what one observation needs of elementwise operations, views,
//! constants and reductions. Anything else (matmul, gathers, file data, random
//! numbers) is a *leaf*: computed first, by its own plan, and read as an input.

use crate::graph::{BinaryFn, DType, ReduceFn, Scalar, SliceElem, UnaryFn, View};
use crate::syntax::Span;

pub type Id = usize;

#[derive(Clone, Debug, PartialEq, Hash)]
pub enum Expr {
    /// The `k`-th input of the plan.
    Leaf(usize),
    /// Every element equal to this value (already of the node's dtype).
    Const(Scalar),
    Unary(UnaryFn, Id),
    /// Both operands are first cast to `compute`.
    Binary {
        f: BinaryFn,
        compute: DType,
        lhs: Id,
        rhs: Id,
    },
    Where {
        cond: Id,
        x: Id,
        y: Id,
    },
    Cast(Id),
    View(View, Id),
    Reduce {
        f: ReduceFn,
        axes: Vec<usize>,
        input: Id,
    },
    /// Result `index` of a kernel computing several reductions in one pass.
    Output {
        kernel: Id,
        index: usize,
    },
    /// `input` with the region `elems` replaced by `value` (`u[1:-1] = ...`).
    Update {
        elems: Vec<SliceElem>,
        input: Id,
        value: Id,
    },
    /// A fused kernel: many elementwise operations in one pass over memory,
    /// possibly ending in a reduction, or writing a region of an updated array.
    Kernel(Kernel),
    /// Merged into another node by common-subexpression elimination or absorbed
    /// into a kernel; nothing refers to it any more.
    Dead,
}

#[derive(Clone, Debug, PartialEq, Hash)]
pub struct PNode {
    pub expr: Expr,
    pub shape: Vec<usize>,
    pub dtype: DType,
    pub span: Span,
    /// Must be computed into an array of its own, and why (`explain` says it).
    pub materialize: Option<Keep>,
}

/// Why a plan node is computed into an array of its own instead of being fused
/// into what reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Keep {
    /// An earlier plan computed it inside itself and a name still holds it:
    /// keeping it now stops a third computation.
    ComputedBefore,
    /// Several kernels read it, and recomputing it in each costs more.
    SharedByKernels,
    /// A kernel reads it broadcast to a larger shape (recomputed per copy).
    Broadcast,
    /// One kernel reads it through several views, each a recomputation.
    ReadThroughViews,
}

impl Keep {
    pub fn reason(self) -> &'static str {
        match self {
            Keep::ComputedBefore => "an earlier plan computed it too, and a name holds it",
            Keep::SharedByKernels => "several kernels read it; recomputing it in each costs more",
            Keep::Broadcast => "a kernel reads it broadcast to a larger shape",
            Keep::ReadThroughViews => "a kernel reads it through several views",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Hash)]
pub struct Plan {
    pub nodes: Vec<PNode>,
    pub root: Id,
    /// Shape and dtype of each leaf input.
    pub leaves: Vec<(Vec<usize>, DType)>,
}

/// Elements per chunk a kernel runs in (`exec::kernel`; `explain` shows it): a few registers of this many f64 (64 KiB each) stay in
/// the L2 cache. Measured on B2 and B5 (2-core EPYC): 8192 ran 10-20% faster
/// than 2048 or 4096 (fewer passes of per-chunk set-up, longer streams for the
/// prefetcher) and faster than 16384 (registers start to leave L2).
pub const CHUNK: usize = 8192;

/// A fused kernel's program: `ops` in order, each reading earlier ones; the last
/// op is the result. All values travel as f64 lanes; an op's dtype says how its
/// result is rounded (float32) or read (bool as 0 or 1).
#[derive(Clone, Debug, Default, PartialEq, Hash)]
pub struct Kernel {
    /// Plan nodes the kernel reads.
    pub inputs: Vec<Id>,
    pub ops: Vec<KOp>,
    /// The shape the kernel iterates over (its result's shape, or the shape of
    /// what it reduces).
    pub shape: Vec<usize>,
    /// A reduction of the result over these axes, done in the same pass.
    pub reduce: Option<(ReduceFn, Vec<usize>)>,
    /// A second reduction, of the first one's result over these of its axes,
    /// done as each group of first results is ready: `argmin(sum(d ** 2,
    /// axis=2), axis=1)` never stores the sums.
    pub then: Option<(ReduceFn, Vec<usize>)>,
    /// The result is written into the region `elems` (ranges with step 1, one
    /// per axis) of a copy of the last input, as one pass over that array.
    pub update: Option<Vec<SliceElem>>,
    /// The op holding the result, when it is not the last one.
    pub result: Option<usize>,
    /// More reductions (over the same axes) computed in the same pass: function,
    /// the op reduced, and the dtype of the reduced value.
    pub extra: Vec<(ReduceFn, usize, DType)>,
}

impl Kernel {
    /// The op holding the (first) result.
    pub fn result_op(&self) -> usize {
        self.result.unwrap_or(self.ops.len() - 1)
    }
}

#[derive(Clone, Debug, PartialEq, Hash)]
pub struct KOp {
    pub kind: KKind,
    pub dtype: DType,
}

#[derive(Clone, Debug, PartialEq)]
pub enum KKind {
    /// Kernel input `input`, seen through `views` (applied in order), which end
    /// in the kernel's shape.
    Load {
        input: usize,
        views: Vec<View>,
    },
    Const(f64),
    Unary(UnaryFn, usize),
    /// Operands already converted to the compute dtype, given here.
    Binary(BinaryFn, DType, usize, usize),
    Where(usize, usize, usize),
    /// The operand converted to this op's dtype.
    Convert(usize),
}

impl std::hash::Hash for KKind {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        std::mem::discriminant(self).hash(state);
        match self {
            KKind::Load { input, views } => (input, views).hash(state),
            KKind::Const(x) => x.to_bits().hash(state),
            KKind::Unary(f, a) => (f, a).hash(state),
            KKind::Binary(f, dtype, a, b) => (f, dtype, a, b).hash(state),
            KKind::Where(c, x, y) => (c, x, y).hash(state),
            KKind::Convert(a) => a.hash(state),
        }
    }
}

impl Expr {
    pub fn inputs(&self) -> Vec<Id> {
        match self {
            Expr::Leaf(_) | Expr::Const(_) | Expr::Dead => Vec::new(),
            Expr::Unary(_, a) | Expr::Cast(a) | Expr::View(_, a) => vec![*a],
            Expr::Reduce { input, .. } => vec![*input],
            Expr::Binary { lhs, rhs, .. } => vec![*lhs, *rhs],
            Expr::Update { input, value, .. } => vec![*input, *value],
            Expr::Where { cond, x, y } => vec![*cond, *x, *y],
            Expr::Kernel(k) => k.inputs.clone(),
            Expr::Output { kernel, .. } => vec![*kernel],
        }
    }

    /// Rewrites every input id through `f`.
    pub fn map_inputs(&mut self, f: impl Fn(Id) -> Id) {
        match self {
            Expr::Leaf(_) | Expr::Const(_) | Expr::Dead => {}
            Expr::Unary(_, a) | Expr::Cast(a) | Expr::View(_, a) => *a = f(*a),
            Expr::Reduce { input, .. } => *input = f(*input),
            Expr::Update { input, value, .. } => {
                *input = f(*input);
                *value = f(*value);
            }
            Expr::Binary { lhs, rhs, .. } => {
                *lhs = f(*lhs);
                *rhs = f(*rhs);
            }
            Expr::Where { cond, x, y } => {
                *cond = f(*cond);
                *x = f(*x);
                *y = f(*y);
            }
            Expr::Kernel(k) => k.inputs.iter_mut().for_each(|i| *i = f(*i)),
            Expr::Output { kernel, .. } => *kernel = f(*kernel),
        }
    }
}

impl Plan {
    /// How many times each node is read by live nodes (the root counts once).
    pub fn use_counts(&self) -> Vec<usize> {
        let mut uses = vec![0; self.nodes.len()];
        uses[self.root] += 1;
        for id in self.live() {
            for input in self.nodes[id].expr.inputs() {
                uses[input] += 1;
            }
        }
        uses
    }

    /// The ids reachable from the root, in ascending (topological) order.
    pub fn live(&self) -> Vec<Id> {
        let mut seen = vec![false; self.nodes.len()];
        let mut stack = vec![self.root];
        while let Some(id) = stack.pop() {
            if !std::mem::replace(&mut seen[id], true) {
                stack.extend(self.nodes[id].expr.inputs());
            }
        }
        (0..self.nodes.len()).filter(|&i| seen[i]).collect()
    }

    /// The live nodes, each after its inputs. Ascending ids are such an order
    /// until sibling fusion points a result at a later kernel; this order holds
    /// always.
    pub fn order(&self) -> Vec<Id> {
        let mut state = vec![0u8; self.nodes.len()]; // 0 new, 1 entered, 2 done
        let mut order = Vec::new();
        let mut stack = vec![(self.root, false)];
        while let Some((id, inputs_done)) = stack.pop() {
            if inputs_done {
                state[id] = 2;
                order.push(id);
                continue;
            }
            if state[id] != 0 {
                continue;
            }
            state[id] = 1;
            stack.push((id, true));
            for input in self.nodes[id].expr.inputs().into_iter().rev() {
                if state[input] == 0 {
                    stack.push((input, false));
                }
            }
        }
        order
    }

    /// For each live node, the live nodes reading it.
    pub fn consumers(&self) -> Vec<Vec<Id>> {
        let mut out = vec![Vec::new(); self.nodes.len()];
        for id in self.live() {
            for input in self.nodes[id].expr.inputs() {
                if !out[input].contains(&id) {
                    out[input].push(id);
                }
            }
        }
        out
    }
}
