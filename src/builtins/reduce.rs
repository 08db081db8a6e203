//! Reductions and scans (spec section 7.4).

use super::convert::{self, array, axes, opt_bool, opt_float, opt_int};
use super::{Args, CallCtx, Registry};
use crate::diag::{Code, Diag};
use crate::graph::build::{self, Operand};
use crate::graph::{BinaryFn, DType, Node, Op, ReduceFn, ScanFn, UnaryFn};
use crate::interp::{arrays, Result, Value};
use crate::syntax::Span;

pub fn register(r: &mut Registry) {
    r.function(
        "sum(a, axis=none, keepdims=false)",
        "The sum of the elements over `axis` (an int, a tuple, or none for all). Float sums are pairwise.",
        sum,
    );
    r.function("prod(a, axis=none, keepdims=false)", "The product of the elements over `axis`.", prod);
    r.function("mean(a, axis=none, keepdims=false)", "The arithmetic mean over `axis`.", mean);
    r.function("var(a, axis=none, ddof=0, keepdims=false)", "The variance over `axis`, dividing by `n - ddof`.", var);
    r.function(
        "std(a, axis=none, ddof=0, keepdims=false)",
        "The standard deviation over `axis`, dividing by `n - ddof`.",
        std,
    );
    r.function("argmin(a, axis=none)", "The index of the smallest element (a flat index when `axis` is none).", argmin);
    r.function("argmax(a, axis=none)", "The index of the largest element (a flat index when `axis` is none).", argmax);
    r.function("all(a, axis=none, keepdims=false)", "Whether every element is true.", all);
    r.function("any(a, axis=none, keepdims=false)", "Whether some element is true.", any);
    r.function("count_nonzero(a, axis=none)", "The number of non-zero elements.", count_nonzero);
    r.function("norm(a, ord=2)", "The vector 2-norm (the Frobenius norm of a matrix).", norm);
    r.function("cumsum(a, axis=none)", "Running sums along `axis` (of the flattened array when none).", cumsum);
    r.function("cumprod(a, axis=none)", "Running products along `axis` (of the flattened array when none).", cumprod);
    r.function("diff(a, n=1, axis=-1)", "Differences of neighbours along `axis`, `n` times.", diff);
    r.function("allclose(a, b, rtol=1e-5, atol=1e-8)", "Whether `isclose(a, b)` holds everywhere (a bool).", allclose);
    r.function("array_equal(a, b)", "Whether `a` and `b` have the same shape and elements (a bool).", array_equal);
}

/// `f` over the `axis` parameter at index 1; `keepdims` at `keep_at` if any.
fn reduction(f: ReduceFn, args: &mut Args, keep_at: Option<usize>) -> Result<Value> {
    let a = array(args, 0)?;
    let axes = axes(args, 1, a.ndim())?;
    let keepdims = match keep_at {
        Some(i) => opt_bool(args, i, false)?,
        None => false,
    };
    Ok(arrays::finish(build::reduce(f, &a, axes, keepdims, args.call_span)?)?)
}

fn sum(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    reduction(ReduceFn::Sum, &mut args, Some(2))
}

fn prod(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    reduction(ReduceFn::Prod, &mut args, Some(2))
}

fn mean(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    reduction(ReduceFn::Mean, &mut args, Some(2))
}

fn var(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let ddof = opt_float(&mut args, 2, "ddof")?.unwrap_or(0.0);
    reduction(ReduceFn::Var { ddof }, &mut args, Some(3))
}

fn std(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let ddof = opt_float(&mut args, 2, "ddof")?.unwrap_or(0.0);
    reduction(ReduceFn::Std { ddof }, &mut args, Some(3))
}

fn all(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    reduction(ReduceFn::All, &mut args, Some(2))
}

fn any(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    reduction(ReduceFn::Any, &mut args, Some(2))
}

fn count_nonzero(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    reduction(ReduceFn::CountNonzero, &mut args, None)
}

/// `argmin`/`argmax`: one axis, or a flat index over everything.
fn arg_extreme(f: ReduceFn, args: &mut Args) -> Result<Value> {
    let a = array(args, 0)?;
    let span = args.call_span;
    let axis_span = args.span(1);
    match opt_int(args, 1, "axis")? {
        None => {
            let flat = build::reshape(&a, &[-1], span)?;
            Ok(arrays::finish(build::reduce(f, &flat, Some(vec![0]), false, span)?)?)
        }
        Some(axis) => {
            let axis = convert::one_axis(axis, a.ndim(), axis_span)?;
            Ok(arrays::finish(build::reduce(f, &a, Some(vec![axis]), false, span)?)?)
        }
    }
}

fn argmin(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    arg_extreme(ReduceFn::ArgMin, &mut args)
}

fn argmax(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    arg_extreme(ReduceFn::ArgMax, &mut args)
}

/// `min`/`max` of one array (the scalar `min`/`max` dispatch here).
pub fn array_extreme(
    is_min: bool,
    a: &Value,
    span: Span,
    axis: Option<Vec<usize>>,
    keepdims: bool,
    call_span: Span,
) -> Result<Value> {
    let a = arrays::to_array(a, span)?;
    let f = if is_min { ReduceFn::Min } else { ReduceFn::Max };
    Ok(arrays::finish(build::reduce(f, &a, axis, keepdims, call_span)?)?)
}

fn norm(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let a = array(&mut args, 0)?;
    let ord_span = args.span(1);
    if let Some(ord) = opt_float(&mut args, 1, "ord")? {
        if ord != 2.0 {
            return Err(Diag::new(
                Code::Value,
                ord_span,
                format!("only `ord=2` is supported, not {ord}"),
                "unsupported order",
            )
            .into());
        }
    }
    let span = args.call_span;
    let a = build::cast(&a, a.dtype.to_float(), span);
    let squares = build::binary(BinaryFn::Mul, Operand::Array(a.clone()), Operand::Array(a), span)?;
    let total = build::reduce(ReduceFn::Sum, &squares, None, false, span)?;
    Ok(arrays::finish(build::unary(UnaryFn::Sqrt, &total, span)?)?)
}

fn scan(f: ScanFn, args: &mut Args) -> Result<Value> {
    let a = array(args, 0)?;
    let span = args.call_span;
    let axis_span = args.span(1);
    let (input, axis) = match opt_int(args, 1, "axis")? {
        None => (build::reshape(&a, &[-1], span)?, 0),
        Some(axis) => {
            let axis = convert::one_axis(axis, a.ndim(), axis_span)?;
            (a, axis)
        }
    };
    let dtype = if input.dtype.is_float() { input.dtype } else { DType::Int64 };
    let shape = input.shape.clone();
    Ok(arrays::finish(Node::new(Op::Scan { f, input, axis }, shape, dtype, span))?)
}

fn cumsum(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    scan(ScanFn::CumSum, &mut args)
}

fn cumprod(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    scan(ScanFn::CumProd, &mut args)
}

fn diff(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let mut a = array(&mut args, 0)?;
    let n = opt_int(&mut args, 1, "n")?.unwrap_or(1);
    let axis_span = args.span(2);
    let axis = convert::one_axis(opt_int(&mut args, 2, "axis")?.unwrap_or(-1), a.ndim(), axis_span)?;
    let span = args.call_span;
    use crate::exec::count_true;
    use crate::graph::index::{index, IndexArg};
    for _ in 0..n.max(0) {
        let mut head: Vec<(IndexArg, Span)> =
            (0..a.ndim()).map(|_| (IndexArg::Slice(None, None, None), span)).collect();
        let mut tail = head.clone();
        head[axis].0 = IndexArg::Slice(Some(1), None, None);
        tail[axis].0 = IndexArg::Slice(None, Some(-1), None);
        let (hi, lo) = (index(&a, &head, span, &count_true)?, index(&a, &tail, span, &count_true)?);
        a = build::binary(BinaryFn::Sub, Operand::Array(hi), Operand::Array(lo), span)?;
    }
    Ok(arrays::finish(a)?)
}

fn allclose(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let (a, b) = (array(&mut args, 0)?, array(&mut args, 1)?);
    let rtol = opt_float(&mut args, 2, "rtol")?.unwrap_or(1e-5);
    let atol = opt_float(&mut args, 3, "atol")?.unwrap_or(1e-8);
    let span = args.call_span;
    let close = super::math::isclose_node(Operand::Array(a), Operand::Array(b), rtol, atol, span)?;
    let every = build::reduce(ReduceFn::All, &close, None, false, span)?;
    Ok(arrays::item(&every, span)?)
}

fn array_equal(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let (a, b) = (array(&mut args, 0)?, array(&mut args, 1)?);
    if a.shape != b.shape {
        return Ok(Value::Bool(false));
    }
    let span = args.call_span;
    let eq = build::binary(BinaryFn::Eq, Operand::Array(a), Operand::Array(b), span)?;
    let every = build::reduce(ReduceFn::All, &eq, None, false, span)?;
    Ok(arrays::item(&every, span)?)
}
