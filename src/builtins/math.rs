//! Elementwise functions (spec section 7.3). On scalars they return scalars.

use super::convert::opt_float;
use super::{Args, CallCtx, Registry};
use crate::diag::{Code, Diag};
use crate::graph::build::{self, Operand};
use crate::graph::{BinaryFn, Node, UnaryFn};
use crate::interp::{arrays, Result, Value};
use crate::syntax::Span;

macro_rules! unary_builtins {
    ($($name:ident: $f:expr, $sig:literal, $doc:literal;)*) => {
        $(fn $name(_: &mut CallCtx, mut args: Args) -> Result<Value> {
            let span = args.span(0);
            let x = args.take(0).expect("required");
            apply_unary($f, &x, span, args.call_span)
        })*
        fn register_unary(r: &mut Registry) {
            $(r.function($sig, $doc, $name);)*
        }
    };
}

unary_builtins! {
    sqrt: UnaryFn::Sqrt, "sqrt(x)", "Square root.";
    square: UnaryFn::Square, "square(x)", "`x * x`.";
    exp: UnaryFn::Exp, "exp(x)", "e to the power `x`.";
    expm1: UnaryFn::Expm1, "expm1(x)", "`exp(x) - 1`, accurate for small `x`.";
    log: UnaryFn::Log, "log(x)", "Natural logarithm.";
    ln: UnaryFn::Log, "ln(x)", "Natural logarithm (same as `log`).";
    log1p: UnaryFn::Log1p, "log1p(x)", "`log(1 + x)`, accurate for small `x`.";
    log2: UnaryFn::Log2, "log2(x)", "Base-2 logarithm.";
    log10: UnaryFn::Log10, "log10(x)", "Base-10 logarithm.";
    sin: UnaryFn::Sin, "sin(x)", "Sine (radians).";
    cos: UnaryFn::Cos, "cos(x)", "Cosine (radians).";
    tan: UnaryFn::Tan, "tan(x)", "Tangent (radians).";
    arcsin: UnaryFn::Arcsin, "arcsin(x)", "Inverse sine.";
    arccos: UnaryFn::Arccos, "arccos(x)", "Inverse cosine.";
    arctan: UnaryFn::Arctan, "arctan(x)", "Inverse tangent.";
    sinh: UnaryFn::Sinh, "sinh(x)", "Hyperbolic sine.";
    cosh: UnaryFn::Cosh, "cosh(x)", "Hyperbolic cosine.";
    tanh: UnaryFn::Tanh, "tanh(x)", "Hyperbolic tangent.";
    floor: UnaryFn::Floor, "floor(x)", "The largest integer not above `x` (as a float).";
    ceil: UnaryFn::Ceil, "ceil(x)", "The smallest integer not below `x` (as a float).";
    trunc: UnaryFn::Trunc, "trunc(x)", "`x` with its fraction dropped (as a float).";
    rint: UnaryFn::Rint, "rint(x)", "The nearest integer, halves to even (as a float).";
    sign: UnaryFn::Sign, "sign(x)", "-1, 0 or 1 by the sign of `x`.";
    erf: UnaryFn::Erf, "erf(x)", "The error function.";
    erfc: UnaryFn::Erfc, "erfc(x)", "The complementary error function, `1 - erf(x)`, accurate where it is small.";
    norm_cdf: UnaryFn::NormCdf, "norm_cdf(x)", "The standard normal cumulative distribution function.";
    reciprocal: UnaryFn::Reciprocal, "reciprocal(x)", "`1 / x` (in floating point).";
    negative: UnaryFn::Neg, "negative(x)", "`-x`.";
    isnan: UnaryFn::IsNan, "isnan(x)", "Whether `x` is nan.";
    isinf: UnaryFn::IsInf, "isinf(x)", "Whether `x` is infinite.";
    isfinite: UnaryFn::IsFinite, "isfinite(x)", "Whether `x` is neither infinite nor nan.";
}

macro_rules! binary_builtins {
    ($($name:ident: $f:expr, $sig:literal, $doc:literal;)*) => {
        $(fn $name(_: &mut CallCtx, mut args: Args) -> Result<Value> {
            let (sa, sb) = (args.span(0), args.span(1));
            let (a, b) = (args.take(0).expect("required"), args.take(1).expect("required"));
            apply_binary($f, &a, sa, &b, sb, args.call_span)
        })*
        fn register_binary(r: &mut Registry) {
            $(r.function($sig, $doc, $name);)*
        }
    };
}

binary_builtins! {
    arctan2: BinaryFn::Arctan2, "arctan2(y, x)", "The angle of the point (x, y), in (-π, π].";
    hypot: BinaryFn::Hypot, "hypot(x, y)", "`sqrt(x*x + y*y)` without overflow.";
    power: BinaryFn::Pow, "power(x, y)", "`x ** y`.";
    mod_: BinaryFn::Mod, "mod(x, y)", "`x % y`: the remainder with the sign of `y`.";
    minimum: BinaryFn::Minimum, "minimum(x, y)", "The smaller of each pair (nan if either is nan).";
    maximum: BinaryFn::Maximum, "maximum(x, y)", "The larger of each pair (nan if either is nan).";
    fmin: BinaryFn::Fmin, "fmin(x, y)", "The smaller of each pair, ignoring nan.";
    fmax: BinaryFn::Fmax, "fmax(x, y)", "The larger of each pair, ignoring nan.";
}

pub fn register(r: &mut Registry) {
    register_unary(r);
    register_binary(r);
    r.function("clip(a, lo, hi)", "`a` limited to the range [lo, hi].", clip);
    r.function("where(cond, x, y)", "`x` where `cond` is true, else `y` (broadcast together).", where_fn);
    r.function("isclose(a, b, rtol=1e-5, atol=1e-8)", "Whether `|a - b| <= atol + rtol * |b|`, elementwise.", isclose);
}

/// The operand of an elementwise builtin, or a type error at its span.
fn operand(v: &Value, span: Span) -> std::result::Result<Operand, Diag> {
    match v {
        Value::Tuple(_) => Ok(Operand::Array(arrays::to_array(v, span)?)),
        other => arrays::operand(other).ok_or_else(|| {
            Diag::new(
                Code::Type,
                span,
                format!("expected a number or an array, not {}", other.described()),
                "not numeric",
            )
        }),
    }
}

/// Computes a node built from scalars right away and returns a scalar.
fn scalar_result(node: crate::graph::Array, span: Span) -> Result<Value> {
    Ok(arrays::item(&node, span)?)
}

pub fn apply_unary(f: UnaryFn, x: &Value, span: Span, call_span: Span) -> Result<Value> {
    match operand(x, span)? {
        Operand::Array(a) => Ok(arrays::finish(build::unary(f, &a, call_span)?)?),
        Operand::Scalar(_) => {
            let a = arrays::to_array(x, span)?;
            scalar_result(build::unary(f, &a, call_span)?, call_span)
        }
    }
}

fn apply_binary(f: BinaryFn, a: &Value, sa: Span, b: &Value, sb: Span, call_span: Span) -> Result<Value> {
    let (oa, ob) = (operand(a, sa)?, operand(b, sb)?);
    let both_scalars = matches!((&oa, &ob), (Operand::Scalar(_), Operand::Scalar(_)));
    let node = build::binary(f, oa, ob, call_span)?;
    if both_scalars {
        return scalar_result(node, call_span);
    }
    Ok(arrays::finish(node)?)
}

fn clip(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let (s0, s1, s2) = (args.span(0), args.span(1), args.span(2));
    let a = args.take(0).expect("required");
    let lo = args.take(1).expect("required");
    let hi = args.take(2).expect("required");
    let low = apply_binary(BinaryFn::Maximum, &a, s0, &lo, s1, args.call_span)?;
    apply_binary(BinaryFn::Minimum, &low, s0, &hi, s2, args.call_span)
}

fn where_fn(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let spans = [args.span(0), args.span(1), args.span(2)];
    let c = operand(&args.take(0).expect("required"), spans[0])?;
    let x = operand(&args.take(1).expect("required"), spans[1])?;
    let y = operand(&args.take(2).expect("required"), spans[2])?;
    Ok(arrays::finish(build::where_(c, x, y, args.call_span)?)?)
}

/// `isclose` as a graph: `|a - b| <= atol + rtol*|b|`, or exactly equal (infinities).
pub fn isclose_node(
    a: Operand,
    b: Operand,
    rtol: f64,
    atol: f64,
    span: Span,
) -> std::result::Result<crate::graph::Array, Diag> {
    use crate::graph::Scalar::Float;
    let diff = build::binary(BinaryFn::Sub, a.clone(), b.clone(), span)?;
    let abs_diff = build::unary(UnaryFn::Abs, &diff, span)?;
    let b_node = match &b {
        Operand::Array(x) => x.clone(),
        Operand::Scalar(s) => Node::from_data(crate::graph::ArrayData::scalar(*s, crate::graph::DType::Float64), span),
    };
    let abs_b = build::unary(UnaryFn::Abs, &b_node, span)?;
    let scaled = build::binary(BinaryFn::Mul, Operand::Array(abs_b), Operand::Scalar(Float(rtol)), span)?;
    let tol = build::binary(BinaryFn::Add, Operand::Array(scaled), Operand::Scalar(Float(atol)), span)?;
    let close = build::binary(BinaryFn::Le, Operand::Array(abs_diff), Operand::Array(tol), span)?;
    let equal = build::binary(BinaryFn::Eq, a, b, span)?;
    build::binary(BinaryFn::LogicalOr, Operand::Array(close), Operand::Array(equal), span)
}

fn isclose(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let (sa, sb) = (args.span(0), args.span(1));
    let a = operand(&args.take(0).expect("required"), sa)?;
    let b = operand(&args.take(1).expect("required"), sb)?;
    let rtol = opt_float(&mut args, 2, "rtol")?.unwrap_or(1e-5);
    let atol = opt_float(&mut args, 3, "atol")?.unwrap_or(1e-8);
    Ok(arrays::finish(isclose_node(a, b, rtol, atol, args.call_span)?)?)
}

/// `round(a, decimals)` on an array (the scalar `round` dispatches here).
pub fn round_array(a: &Value, decimals: Option<i64>, span: Span, call_span: Span) -> Result<Value> {
    let node = array_of(a, span)?;
    let d = decimals.unwrap_or(0).clamp(-400, 400) as i32;
    Ok(arrays::finish(build::unary(UnaryFn::Round(d), &node, call_span)?)?)
}

/// `abs` on an array.
pub fn abs_array(a: &Value, span: Span, call_span: Span) -> Result<Value> {
    apply_unary(UnaryFn::Abs, a, span, call_span)
}

fn array_of(v: &Value, span: Span) -> std::result::Result<crate::graph::Array, Diag> {
    arrays::to_array(v, span)
}
