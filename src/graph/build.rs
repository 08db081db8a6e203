//! Building nodes: every constructor checks shapes and dtypes and reports a
//! problem at the span of the operation, before anything is computed.

use super::data::{ArrayData, Scalar};
use super::dtype::{DType, WeakKind};
use super::node::{Array, BinaryFn, Node, Op, ReduceFn, UnaryFn, View};
use super::shape::{self, broadcast, Shape};
use crate::diag::{Code, Diag};
use crate::syntax::Span;

/// One side of an elementwise operation: an array, or a Python scalar, which is
/// *weak* in type promotion.
#[derive(Clone, Debug)]
pub enum Operand {
    Array(Array),
    Scalar(Scalar),
}

fn weak_kind(s: Scalar) -> WeakKind {
    match s {
        Scalar::Bool(_) => WeakKind::Bool,
        Scalar::Int(_) => WeakKind::Int,
        Scalar::Float(_) => WeakKind::Float,
    }
}

fn scalar_dtype(s: Scalar) -> DType {
    match s {
        Scalar::Bool(_) => DType::Bool,
        Scalar::Int(_) => DType::Int64,
        Scalar::Float(_) => DType::Float64,
    }
}

impl Operand {
    fn shape(&self) -> &[usize] {
        match self {
            Operand::Array(a) => &a.shape,
            Operand::Scalar(_) => &[],
        }
    }

    fn into_node(self, dtype: DType, span: Span) -> Array {
        match self {
            Operand::Array(a) => a,
            Operand::Scalar(s) => Node::from_data(ArrayData::scalar(s, dtype), span),
        }
    }
}

/// The dtype two operands combine to.
pub fn promote(a: &Operand, b: &Operand) -> DType {
    match (a, b) {
        (Operand::Array(x), Operand::Array(y)) => DType::promote(x.dtype, y.dtype),
        (Operand::Array(x), Operand::Scalar(s)) | (Operand::Scalar(s), Operand::Array(x)) => {
            x.dtype.promote_weak(weak_kind(*s))
        }
        (Operand::Scalar(s), Operand::Scalar(t)) => DType::promote(scalar_dtype(*s), scalar_dtype(*t)),
    }
}

pub fn shape_error(span: Span, what: &str, a: &[usize], b: &[usize]) -> Diag {
    Diag::new(
        Code::Shape,
        span,
        format!("{what}: {} and {}", shape::show(a), shape::show(b)),
        format!("shapes {} and {}", shape::show(a), shape::show(b)),
    )
}

pub fn binary(f: BinaryFn, lhs: Operand, rhs: Operand, span: Span) -> Result<Array, Diag> {
    use BinaryFn::*;
    let promoted = promote(&lhs, &rhs);
    let compute = match f {
        Add | Sub | Mul | FloorDiv | Mod | Pow if promoted == DType::Bool => DType::Int64,
        Div | Arctan2 | Hypot => promoted.to_float(),
        BitAnd | BitOr | BitXor if promoted.is_float() => {
            return Err(Diag::new(
                Code::Type,
                span,
                format!("bitwise `{}` needs int or bool arrays, not {}", symbol(f), promoted.name()),
                "on floats",
            )
            .with_help("for a logical combination of conditions use `and`, `or`, or compare first"));
        }
        LogicalAnd | LogicalOr => DType::Bool,
        _ => promoted,
    };
    if f == Pow && compute.is_int() {
        if let Operand::Scalar(Scalar::Int(e)) = rhs {
            if e < 0 {
                return Err(Diag::new(
                    Code::Value,
                    span,
                    "integers to negative integer powers are not allowed",
                    "negative exponent on an int array",
                )
                .with_help("make the base a float array, e.g. `astype(a, float64) ** -1`"));
            }
        }
    }
    let result = match f {
        Eq | Ne | Lt | Le | Gt | Ge | LogicalAnd | LogicalOr => DType::Bool,
        _ => compute,
    };
    let shape = broadcast(lhs.shape(), rhs.shape())
        .ok_or_else(|| shape_error(span, "operands could not be broadcast together", lhs.shape(), rhs.shape()))?;
    if let (Pow, Operand::Array(base), &Operand::Scalar(exponent)) = (f, &lhs, &rhs) {
        if let Some(node) = fast_power(base, exponent, compute, span) {
            return Ok(node);
        }
    }
    let lhs = lhs.into_node(compute, span);
    let rhs = rhs.into_node(compute, span);
    Ok(Node::new(Op::Binary { f, compute, lhs, rhs }, shape, result, span))
}

/// NumPy's `fast_scalar_power`: a float array to the scalar power 2, 0.5 or -1 is
/// `square`, `sqrt` or `reciprocal` (exact where `pow` may be off by an ulp, and
/// many times faster).
fn fast_power(base: &Array, exponent: Scalar, compute: DType, span: Span) -> Option<Array> {
    if !compute.is_float() {
        return None;
    }
    let f = match exponent.to_f64() {
        2.0 => UnaryFn::Square,
        0.5 => UnaryFn::Sqrt,
        -1.0 => UnaryFn::Reciprocal,
        _ => return None,
    };
    let base = cast(base, compute, span);
    Some(Node::new(Op::Unary(f, base.clone()), base.shape.clone(), compute, span))
}

fn symbol(f: BinaryFn) -> &'static str {
    match f {
        BinaryFn::BitAnd => "&",
        BinaryFn::BitOr => "|",
        BinaryFn::BitXor => "^",
        _ => "?",
    }
}

pub fn unary(f: UnaryFn, a: &Array, span: Span) -> Result<Array, Diag> {
    use UnaryFn::*;
    if f == NormCdf && a.dtype != DType::Float32 {
        return norm_cdf(a, span);
    }
    // |-x| is |x| exactly; saying so lets `norm_cdf(-d)` share work with `norm_cdf(d)`.
    if f == Abs {
        if let Some(inner) = negated(a) {
            return unary(Abs, &inner, span);
        }
    }
    let dtype = match f {
        Neg if a.dtype == DType::Bool => {
            return Err(Diag::new(Code::Type, span, "cannot negate a bool array", "negating bools")
                .with_help("use `~a` or `not a` for the logical negation"));
        }
        BitNot if a.dtype.is_float() => {
            return Err(Diag::new(Code::Type, span, "`~` needs int or bool arrays", "on floats"));
        }
        Neg | BitNot | Abs | Round(_) => a.dtype,
        Square | Sign if a.dtype == DType::Bool => DType::Int64,
        Square | Sign => a.dtype,
        IsNan | IsInf | IsFinite => DType::Bool,
        _ => a.dtype.to_float(),
    };
    Ok(Node::new(Op::Unary(f, a.clone()), a.shape.clone(), dtype, span))
}

/// `x` when `a` is a pending `-x`.
fn negated(a: &Array) -> Option<Array> {
    match &*a.state.borrow() {
        super::node::State::Pending(Op::Unary(UnaryFn::Neg, x)) => Some(x.clone()),
        _ => None,
    }
}

/// `norm_cdf` in float64, spelled out as `exec::floatfns::norm_cdf` computes it:
/// `h = erfc(|x| / sqrt 2) * 0.5`, then `h` where `x < 0`, else `1 - h`.
fn norm_cdf(a: &Array, span: Span) -> Result<Array, Diag> {
    let x = cast(a, DType::Float64, span);
    let float = |v: f64| Operand::Scalar(Scalar::Float(v));
    let magnitude = unary(UnaryFn::Abs, &x, span)?;
    let scaled = binary(BinaryFn::Mul, Operand::Array(magnitude), float(std::f64::consts::FRAC_1_SQRT_2), span)?;
    let tail = unary(UnaryFn::Erfc, &scaled, span)?;
    let half = binary(BinaryFn::Mul, Operand::Array(tail), float(0.5), span)?;
    let upper = binary(BinaryFn::Sub, float(1.0), Operand::Array(half.clone()), span)?;
    let below = binary(BinaryFn::Lt, Operand::Array(x), float(0.0), span)?;
    where_(Operand::Array(below), Operand::Array(half), Operand::Array(upper), span)
}

pub fn cast(a: &Array, dtype: DType, span: Span) -> Array {
    if a.dtype == dtype {
        return a.clone();
    }
    Node::new(Op::Cast(a.clone()), a.shape.clone(), dtype, span)
}

pub fn where_(cond: Operand, x: Operand, y: Operand, span: Span) -> Result<Array, Diag> {
    let dtype = promote(&x, &y);
    let shape = broadcast(cond.shape(), x.shape()).and_then(|s| broadcast(&s, y.shape())).ok_or_else(|| {
        shape_error(span, "`where` operands could not be broadcast together", cond.shape(), x.shape())
    })?;
    let cond = cast(&cond.into_node(DType::Bool, span), DType::Bool, span);
    let x = cast(&x.into_node(dtype, span), dtype, span);
    let y = cast(&y.into_node(dtype, span), dtype, span);
    Ok(Node::new(Op::Where { cond, x, y }, shape, dtype, span))
}

/// A reduction over `axes` (all axes when `None`). Axes are already normalized.
pub fn reduce(f: ReduceFn, a: &Array, axes: Option<Vec<usize>>, keepdims: bool, span: Span) -> Result<Array, Diag> {
    let axes = axes.unwrap_or_else(|| (0..a.ndim()).collect());
    let reduced: usize = axes.iter().map(|&ax| a.shape[ax]).product();
    if reduced == 0 && matches!(f, ReduceFn::Min | ReduceFn::Max | ReduceFn::ArgMin | ReduceFn::ArgMax) {
        return Err(Diag::new(
            Code::Value,
            span,
            "this reduction of an empty array has no identity",
            format!("reducing {} elements", 0),
        ));
    }
    let dtype = match f {
        ReduceFn::Sum | ReduceFn::Prod if !a.dtype.is_float() => DType::Int64,
        ReduceFn::Sum | ReduceFn::Prod | ReduceFn::Min | ReduceFn::Max => a.dtype,
        ReduceFn::Mean | ReduceFn::Var { .. } | ReduceFn::Std { .. } => a.dtype.to_float(),
        ReduceFn::ArgMin | ReduceFn::ArgMax | ReduceFn::CountNonzero => DType::Int64,
        ReduceFn::All | ReduceFn::Any => DType::Bool,
    };
    let shape: Shape = if keepdims {
        a.shape.iter().enumerate().map(|(i, &d)| if axes.contains(&i) { 1 } else { d }).collect()
    } else {
        a.shape.iter().enumerate().filter(|(i, _)| !axes.contains(i)).map(|(_, &d)| d).collect()
    };
    Ok(Node::new(Op::Reduce { f, input: a.clone(), axes, keepdims }, shape, dtype, span))
}

pub fn view(a: &Array, view: View, shape: Shape, span: Span) -> Array {
    Node::new(Op::View { input: a.clone(), view }, shape, a.dtype, span)
}

/// `reshape` with one `-1` allowed.
pub fn reshape(a: &Array, dims: &[i64], span: Span) -> Result<Array, Diag> {
    let size = a.size();
    let unknown: Vec<usize> = dims.iter().enumerate().filter(|(_, &d)| d == -1).map(|(i, _)| i).collect();
    let bad = |why: &str| {
        Diag::new(
            Code::Shape,
            span,
            format!(
                "cannot reshape an array of size {size} (shape {}) into {}",
                shape::show(&a.shape),
                show_dims(dims)
            ),
            why.to_string(),
        )
    };
    if unknown.len() > 1 || dims.iter().any(|&d| d < -1) {
        return Err(bad("only one dimension may be -1, and none negative otherwise"));
    }
    let known: usize = dims.iter().filter(|&&d| d >= 0).map(|&d| d as usize).product();
    let mut shape: Shape = dims.iter().map(|&d| d.max(0) as usize).collect();
    if let Some(&i) = unknown.first() {
        if known == 0 || !size.is_multiple_of(known) {
            return Err(bad("the sizes do not divide"));
        }
        shape[i] = size / known;
    } else if known != size {
        return Err(bad(&format!("{known} elements do not fit {size}")));
    }
    if shape == a.shape {
        return Ok(a.clone());
    }
    Ok(view(a, View::Reshape(shape.clone()), shape, span))
}

fn show_dims(dims: &[i64]) -> String {
    match dims {
        [one] => format!("({one},)"),
        _ => format!("({})", dims.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")),
    }
}

pub fn transpose(a: &Array, perm: Vec<usize>, span: Span) -> Array {
    if perm.iter().enumerate().all(|(i, &p)| i == p) {
        return a.clone();
    }
    let shape = perm.iter().map(|&p| a.shape[p]).collect();
    view(a, View::Transpose(perm), shape, span)
}

pub fn broadcast_to(a: &Array, shape: Shape, span: Span) -> Result<Array, Diag> {
    match broadcast(&a.shape, &shape) {
        Some(s) if s == shape => {
            if a.shape == shape {
                return Ok(a.clone());
            }
            Ok(view(a, View::BroadcastTo(shape.clone()), shape, span))
        }
        _ => Err(shape_error(span, "cannot broadcast", &a.shape, &shape)),
    }
}

/// `a @ b` with NumPy's `matmul` rules: 1-D operands act as a row (left) or a
/// column (right) and their axis is dropped from the result; leading axes are
/// batch axes and broadcast.
pub fn matmul(a: &Array, b: &Array, span: Span) -> Result<Array, Diag> {
    if a.ndim() == 0 || b.ndim() == 0 {
        return Err(Diag::new(
            Code::Shape,
            span,
            "matrix products need operands with at least one dimension",
            format!("shapes {} and {}", shape::show(&a.shape), shape::show(&b.shape)),
        )
        .with_help("use `*` to multiply by a scalar"));
    }
    let (k_a, n) = match a.ndim() {
        1 => (a.shape[0], None),
        d => (a.shape[d - 1], Some(a.shape[d - 2])),
    };
    let (k_b, m) = match b.ndim() {
        1 => (b.shape[0], None),
        d => (b.shape[d - 2], Some(b.shape[d - 1])),
    };
    if k_a != k_b {
        return Err(Diag::new(
            Code::Shape,
            span,
            format!(
                "matmul: shapes {} and {} do not align: {k_a} (last axis of the left) != {k_b} ({} of the right)",
                shape::show(&a.shape),
                shape::show(&b.shape),
                if b.ndim() == 1 { "its only axis" } else { "second-to-last axis" }
            ),
            format!("shapes {} and {}", shape::show(&a.shape), shape::show(&b.shape)),
        ));
    }
    let batch_a = &a.shape[..a.ndim().saturating_sub(2)];
    let batch_b = &b.shape[..b.ndim().saturating_sub(2)];
    let mut out = broadcast(batch_a, batch_b)
        .ok_or_else(|| shape_error(span, "matmul batch axes could not be broadcast together", &a.shape, &b.shape))?;
    out.extend(n);
    out.extend(m);
    let promoted = DType::promote(a.dtype, b.dtype);
    let dtype = if promoted == DType::Bool { DType::Int64 } else { promoted };
    let (lhs, rhs) = (cast(a, dtype, span), cast(b, dtype, span));
    Ok(Node::new(Op::MatMul { lhs, rhs }, out, dtype, span))
}
