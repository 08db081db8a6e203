//! Nodes of the lazy expression graph. A node knows its shape, dtype, layout and
//! the span that created it when it is built; its value is computed only when
//! observed, and once computed the node keeps the result and drops its inputs.

use std::cell::RefCell;
use std::rc::Rc;

use super::data::{ArrayData, Scalar};
use super::dtype::DType;
use super::layout::Layout;
use super::shape::Shape;
use crate::syntax::Span;

pub type Array = Rc<Node>;

#[derive(Debug)]
pub struct Node {
    pub shape: Shape,
    pub dtype: DType,
    pub layout: Rc<Layout>,
    /// Where the operation that creates this node was written.
    pub span: Span,
    /// Length of the longest chain of pending operations below this node (lowered
    /// when inputs are computed, see `shorten`).
    depth: std::cell::Cell<u32>,
    /// How many plans have computed this node inside themselves without
    /// keeping it (see `opt::lower`).
    lowered: std::cell::Cell<u32>,
    pub(crate) state: RefCell<State>,
}

#[derive(Debug)]
pub(crate) enum State {
    Pending(Op),
    Done(ArrayData),
    /// Under MPI: this rank's part of a value whose first axis is split in blocks
    /// over the ranks.
    Part(Part),
    /// Under MPI: this rank's rows of a value whose first axis is dealt out to the
    /// ranks cyclically (`dist="c"`, or `"bc"` in blocks of rows).
    Cycled(Cycled),
    /// Under MPI: this rank's tile of a value placed on a process grid
    /// (`exec::split::tiled::tile_of` its layout): a block of every distributed
    /// axis, the other axes whole.
    Tiled(ArrayData),
}

/// The rows a rank holds of a first axis dealt out in blocks of `block` rows,
/// round robin (rank `q` holds blocks `q`, `q + P`, ...), in increasing order.
#[derive(Clone, Debug)]
pub struct Cycled {
    pub data: ArrayData,
    pub block: usize,
}

/// Rows `first..first + data.shape()[0]` of a value's first axis: at least this
/// rank's own block (`dist::layout::block_range` of the axis), sometimes with
/// neighbouring rows fetched around it. Only the own block is guaranteed to hold
/// the value's rows; other rows are whatever was last fetched into them.
#[derive(Clone, Debug)]
pub struct Part {
    pub data: ArrayData,
    pub first: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryFn {
    Neg,
    Abs,
    Sign,
    Square,
    BitNot,
    Sqrt,
    Exp,
    Expm1,
    Log,
    Log1p,
    Log2,
    Log10,
    Sin,
    Cos,
    Tan,
    Arcsin,
    Arccos,
    Arctan,
    Sinh,
    Cosh,
    Tanh,
    Floor,
    Ceil,
    Trunc,
    Rint,
    Erf,
    Erfc,
    NormCdf,
    Reciprocal,
    IsNan,
    IsInf,
    IsFinite,
    /// `round(a, decimals)`: half to even.
    Round(i32),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryFn {
    Add,
    Sub,
    Mul,
    Div,
    FloorDiv,
    Mod,
    Pow,
    BitAnd,
    BitOr,
    BitXor,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    LogicalAnd,
    LogicalOr,
    Arctan2,
    Hypot,
    Minimum,
    Maximum,
    Fmin,
    Fmax,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ReduceFn {
    Sum,
    Prod,
    Mean,
    Var { ddof: f64 },
    Std { ddof: f64 },
    Min,
    Max,
    ArgMin,
    ArgMax,
    All,
    Any,
    CountNonzero,
}

impl std::hash::Hash for ReduceFn {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        std::mem::discriminant(self).hash(state);
        if let ReduceFn::Var { ddof } | ReduceFn::Std { ddof } = self {
            ddof.to_bits().hash(state);
        }
    }
}

impl ReduceFn {
    /// The builtin that computes this reduction.
    pub fn builtin_name(self) -> &'static str {
        match self {
            ReduceFn::Sum => "sum",
            ReduceFn::Prod => "prod",
            ReduceFn::Mean => "mean",
            ReduceFn::Var { .. } => "var",
            ReduceFn::Std { .. } => "std",
            ReduceFn::Min => "min",
            ReduceFn::Max => "max",
            ReduceFn::ArgMin => "argmin",
            ReduceFn::ArgMax => "argmax",
            ReduceFn::All => "all",
            ReduceFn::Any => "any",
            ReduceFn::CountNonzero => "count_nonzero",
        }
    }
}

/// One index of a basic (view) indexing operation, resolved against the shape.
#[derive(Clone, Debug, PartialEq, Hash)]
pub enum SliceElem {
    /// Picks one position and drops the axis.
    Index(usize),
    /// `first, first+step, ...` (`count` of them); `step` may be negative.
    Range { first: usize, count: usize, step: isize },
    /// Inserts an axis of length 1.
    NewAxis,
}

#[derive(Clone, Debug, PartialEq, Hash)]
pub enum View {
    Slice(Vec<SliceElem>),
    Transpose(Vec<usize>),
    Reshape(Shape),
    BroadcastTo(Shape),
}

#[derive(Debug)]
pub enum Op {
    /// Already computed data (literals, loaded files).
    Const(ArrayData),
    Fill(Scalar),
    /// `start + i * step` along a 1-D array.
    Arange {
        start: f64,
        step: f64,
    },
    /// `num` points from `start` to `stop`.
    Linspace {
        start: f64,
        stop: f64,
        endpoint: bool,
    },
    /// Ones on the `k`-th diagonal.
    Eye {
        k: i64,
    },
    /// Counter-based random numbers: element `i` depends only on `(seed, stream, i)`.
    Random {
        seed: u64,
        stream: u64,
        kind: RandomKind,
    },
    Unary(UnaryFn, Array),
    /// `compute` is the dtype both operands are cast to before the operation.
    Binary {
        f: BinaryFn,
        compute: DType,
        lhs: Array,
        rhs: Array,
    },
    Where {
        cond: Array,
        x: Array,
        y: Array,
    },
    Cast(Array),
    Reduce {
        f: ReduceFn,
        input: Array,
        axes: Vec<usize>,
        keepdims: bool,
    },
    View {
        input: Array,
        view: View,
    },
    /// Elements of `input` along `axis` at the positions in `index` (checked when
    /// evaluated: out-of-range positions are errors at this node's span).
    Take {
        input: Array,
        axis: usize,
        index: Array,
    },
    /// The elements where `mask` is true, flattened (the shape was found by
    /// evaluating the mask when the node was built).
    Mask {
        input: Array,
        mask: Array,
    },
    /// `input` with the region `elems` replaced by `value` (broadcast and cast).
    SetSlice {
        input: Array,
        elems: Vec<SliceElem>,
        value: Array,
    },
    /// `input` with the elements where `mask` is true replaced by `value`.
    SetMask {
        input: Array,
        mask: Array,
        value: Array,
    },
    /// `input` with the positions `index` along `axis` replaced by `value`.
    SetTake {
        input: Array,
        axis: usize,
        index: Array,
        value: Array,
    },
    Concat {
        inputs: Vec<Array>,
        axis: usize,
    },
    /// NumPy `matmul`: both operands already cast to the node's dtype; 1-D operands
    /// are a row (left) or a column (right) whose axis the result drops.
    MatMul {
        lhs: Array,
        rhs: Array,
    },
    Scan {
        f: ScanFn,
        input: Array,
        axis: usize,
    },
    /// The input's values, placed over the ranks as this node's layout says
    /// (`redistribute`).
    Redistribute(Array),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RandomKind {
    Uniform { low: u64, high: u64 },
    Normal,
    Integers { low: i64, high: i64 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScanFn {
    CumSum,
    CumProd,
}

impl Node {
    pub fn new(op: Op, shape: Shape, dtype: DType, span: Span) -> Array {
        let layout = Layout::default_shared(shape.len(), crate::dist::nranks());
        Node::placed(op, shape, dtype, layout, span)
    }

    /// A node placed over the ranks as `layout` says (`dist=`, `redistribute`).
    pub fn with_layout(op: Op, shape: Shape, dtype: DType, layout: Layout, span: Span) -> Array {
        Node::placed(op, shape, dtype, Rc::new(layout), span)
    }

    fn placed(op: Op, shape: Shape, dtype: DType, layout: Rc<Layout>, span: Span) -> Array {
        // A computed input starts a new chain: what it was built from is gone.
        let depth = op_chain_depth(&op);
        Rc::new(Node {
            shape,
            dtype,
            layout,
            span,
            depth: depth.into(),
            lowered: 0.into(),
            state: RefCell::new(State::Pending(op)),
        })
    }

    /// A node whose value is known.
    pub fn from_data(data: ArrayData, span: Span) -> Array {
        let shape = data.shape().to_vec();
        let dtype = data.dtype();
        Node::holding(State::Done(data), shape, dtype, span)
    }

    /// A node whose value is split over the ranks, this rank holding `part`.
    pub fn from_part(part: Part, shape: Shape, dtype: DType, span: Span) -> Array {
        Node::holding(State::Part(part), shape, dtype, span)
    }

    /// A computed node in the default layout.
    fn holding(state: State, shape: Shape, dtype: DType, span: Span) -> Array {
        let layout = Layout::default_shared(shape.len(), crate::dist::nranks());
        Rc::new(Node { layout, shape, dtype, span, depth: 0.into(), lowered: 0.into(), state: RefCell::new(state) })
    }

    /// Length of the longest chain of pending operations below this node.
    pub fn depth(&self) -> u32 {
        self.depth.get()
    }

    /// How many plans computed this pending node inside themselves.
    pub fn times_lowered(&self) -> u32 {
        self.lowered.get()
    }

    /// Notes that a plan about to run computes this pending node.
    pub fn note_lowered(&self) {
        self.lowered.set(self.lowered.get().saturating_add(1));
    }

    /// Recounts `depth` after some inputs were computed.
    pub fn shorten(&self) {
        let depth = match &*self.state.borrow() {
            State::Pending(op) => op_chain_depth(op),
            _ => 0,
        };
        self.depth.set(depth);
    }

    pub fn ndim(&self) -> usize {
        self.shape.len()
    }

    pub fn size(&self) -> usize {
        self.shape.iter().product()
    }

    /// Whether this node's value is computed on this rank (whole or in part).
    pub fn is_computed(&self) -> bool {
        !matches!(&*self.state.borrow(), State::Pending(_))
    }

    /// The whole computed value, if this node has been evaluated whole.
    pub fn computed(&self) -> Option<ArrayData> {
        match &*self.state.borrow() {
            State::Done(d) => Some(d.clone()),
            State::Pending(_) | State::Part(_) | State::Cycled(_) | State::Tiled(_) => None,
        }
    }

    /// This rank's rows, if the value was computed dealt out cyclically.
    pub fn cycled(&self) -> Option<Cycled> {
        match &*self.state.borrow() {
            State::Cycled(c) => Some(c.clone()),
            _ => None,
        }
    }

    /// This rank's tile, if the value was computed on a process grid.
    pub fn tiled(&self) -> Option<ArrayData> {
        match &*self.state.borrow() {
            State::Tiled(t) => Some(t.clone()),
            _ => None,
        }
    }

    /// Whether this rank holds only its piece of the computed value (rows, rows
    /// dealt out cyclically, or a tile).
    pub fn is_held_split(&self) -> bool {
        matches!(&*self.state.borrow(), State::Part(_) | State::Cycled(_) | State::Tiled(_))
    }

    /// Whether this is a pending random, evenly spaced or constant array: values
    /// that depend only on their position, which each rank can make its part of.
    pub fn is_pending_creation(&self) -> bool {
        matches!(
            &*self.state.borrow(),
            State::Pending(Op::Random { .. } | Op::Arange { .. } | Op::Linspace { .. } | Op::Fill(_))
        )
    }

    /// Whether the computed value is held dealt out cyclically or in tiles.
    pub fn is_dealt_out(&self) -> bool {
        matches!(&*self.state.borrow(), State::Cycled(_) | State::Tiled(_))
    }

    /// This rank's part of the value, if it was computed split over the ranks.
    pub fn part(&self) -> Option<Part> {
        match &*self.state.borrow() {
            State::Part(p) => Some(p.clone()),
            _ => None,
        }
    }

    /// A one-line description of the pending operation, for `explain`.
    pub fn describe(&self) -> String {
        match &*self.state.borrow() {
            State::Done(_) => "data".to_string(),
            State::Part(_) => "data split over the ranks".to_string(),
            State::Cycled(_) => "data dealt out to the ranks cyclically".to_string(),
            State::Tiled(_) => "data in tiles over a process grid".to_string(),
            State::Pending(op) => op.name(),
        }
    }

    /// The pending operation's inputs (none once computed).
    pub fn inputs(&self) -> Vec<Array> {
        match &*self.state.borrow() {
            State::Done(_) | State::Part(_) | State::Cycled(_) | State::Tiled(_) => Vec::new(),
            State::Pending(op) => op.inputs(),
        }
    }
}

/// The pending chain below a node computed by `op`: a computed input starts a
/// new chain, as what it was built from is gone.
fn op_chain_depth(op: &Op) -> u32 {
    let mut depth = 0;
    op.for_each_input(|i| depth = depth.max(if i.is_computed() { 1 } else { i.depth() + 1 }));
    depth
}

impl Op {
    /// Calls `f` with each input, in the order of `inputs`, without collecting.
    pub fn for_each_input(&self, mut f: impl FnMut(&Array)) {
        match self {
            Op::Const(_)
            | Op::Fill(_)
            | Op::Arange { .. }
            | Op::Linspace { .. }
            | Op::Eye { .. }
            | Op::Random { .. } => {}
            Op::Unary(_, a) | Op::Cast(a) | Op::Redistribute(a) => f(a),
            Op::Reduce { input, .. } | Op::View { input, .. } | Op::Scan { input, .. } => f(input),
            Op::Binary { lhs, rhs, .. } | Op::MatMul { lhs, rhs } => {
                f(lhs);
                f(rhs);
            }
            Op::Where { cond: a, x: b, y: c }
            | Op::SetMask { input: a, mask: b, value: c }
            | Op::SetTake { input: a, index: b, value: c, .. } => {
                f(a);
                f(b);
                f(c);
            }
            Op::Take { input: a, index: b, .. }
            | Op::Mask { input: a, mask: b }
            | Op::SetSlice { input: a, value: b, .. } => {
                f(a);
                f(b);
            }
            Op::Concat { inputs, .. } => inputs.iter().for_each(f),
        }
    }

    pub fn inputs(&self) -> Vec<Array> {
        let mut inputs = Vec::new();
        self.for_each_input(|a| inputs.push(a.clone()));
        inputs
    }

    pub fn name(&self) -> String {
        match self {
            Op::Const(_) => "data".into(),
            Op::Fill(v) => format!("fill({v:?})"),
            Op::Arange { .. } => "arange".into(),
            Op::Linspace { .. } => "linspace".into(),
            Op::Eye { k } => format!("eye(k={k})"),
            Op::Random { kind, .. } => match kind {
                RandomKind::Uniform { low, high } => {
                    format!("random uniform in [{}, {})", f64::from_bits(*low), f64::from_bits(*high))
                }
                RandomKind::Normal => "random normal".into(),
                RandomKind::Integers { low, high } => format!("random integers in [{low}, {high})"),
            },
            Op::Unary(f, _) => format!("{f:?}").to_lowercase(),
            Op::Binary { f, .. } => format!("{f:?}").to_lowercase(),
            Op::Where { .. } => "where".into(),
            Op::Cast(_) => "cast".into(),
            Op::Reduce { f, axes, .. } => format!("reduce {f:?} over axes {axes:?}").to_lowercase(),
            Op::View { view, .. } => match view {
                View::Slice(_) => "view slice".into(),
                View::Transpose(p) => format!("view transpose {p:?}"),
                View::Reshape(s) => format!("view reshape {s:?}"),
                View::BroadcastTo(s) => format!("view broadcast {s:?}"),
            },
            Op::Take { axis, .. } => format!("take along axis {axis}"),
            Op::Mask { .. } => "mask select".into(),
            Op::SetSlice { .. } => "update slice".into(),
            Op::SetMask { .. } => "update where mask".into(),
            Op::SetTake { .. } => "update at indices".into(),
            Op::Concat { axis, .. } => format!("concatenate along axis {axis}"),
            Op::MatMul { .. } => "matmul".into(),
            Op::Redistribute(_) => "redistribute".into(),
            Op::Scan { f, axis, .. } => format!("{f:?} along axis {axis}").to_lowercase(),
        }
    }
}
