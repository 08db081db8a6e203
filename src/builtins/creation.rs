//! Array creation (spec section 7.1).

use super::convert::{self, array, opt_bool, opt_dtype, opt_float, opt_int, shape_from, Result as R};
use super::distribution::place;
use super::{Args, CallCtx, Registry};
use crate::diag::{Code, Diag};
use crate::graph::build::{self, Operand};
use crate::graph::{BinaryFn, DType, Node, Op, Scalar};
use crate::interp::{arrays, Result, Value};

pub fn register(r: &mut Registry) {
    r.function(
        "zeros(*shape, dtype=float64, dist=none, block=none, grid=none)",
        "An array of zeros. The shape is given as ints or as one tuple.",
        zeros,
    );
    r.function("ones(*shape, dtype=float64, dist=none, block=none, grid=none)", "An array of ones.", ones);
    r.function(
        "empty(*shape, dtype=float64, dist=none, block=none, grid=none)",
        "Same as `zeros` (darr never exposes uninitialized memory).",
        zeros,
    );
    r.function(
        "full(shape, value, dtype=none, dist=none, block=none, grid=none)",
        "An array filled with `value`; the dtype follows the value unless given.",
        full,
    );
    r.function("zeros_like(a, dtype=none)", "Zeros with the shape (and dtype) of `a`.", zeros_like);
    r.function("ones_like(a, dtype=none)", "Ones with the shape (and dtype) of `a`.", ones_like);
    r.function("full_like(a, value, dtype=none)", "`value` everywhere, with the shape (and dtype) of `a`.", full_like);
    r.function(
        "arange(start_or_stop, stop=none, step=1, dtype=none, dist=none, block=none, grid=none)",
        "Evenly spaced values in `[start, stop)`: int64 when every argument is an int, else float64.",
        arange,
    );
    r.function(
        "linspace(start, stop, num=50, endpoint=true, dtype=none, dist=none, block=none, grid=none)",
        "`num` evenly spaced values from `start` to `stop`.",
        linspace,
    );
    r.function(
        "eye(n, m=none, k=0, dtype=float64, dist=none, block=none, grid=none)",
        "An `n` × `m` array with ones on the `k`-th diagonal.",
        eye,
    );
    r.function(
        "identity(n, dtype=float64, dist=none, block=none, grid=none)",
        "The `n` × `n` identity matrix.",
        identity,
    );
    r.function("tri(n, m=none, k=0, dtype=float64)", "Ones at and below the `k`-th diagonal.", tri);
    r.function(
        "array(x, dtype=none)",
        "An array from a scalar, a tuple (nested for more dimensions) or an array, optionally converted to `dtype`.",
        array_fn,
    );
    r.function("astype(a, dtype)", "`a` converted to `dtype`; float to int truncates toward zero.", astype);
}

fn filled(args: &mut Args, value: Scalar) -> Result<Value> {
    let shape = shape_from(&args.rest, args.call_span)?;
    let dtype = opt_dtype(args, 1)?.unwrap_or(DType::Float64);
    let node = Node::new(Op::Fill(value), shape, dtype, args.call_span);
    Ok(Value::Array(place(args, 2, node)?))
}

fn zeros(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    filled(&mut args, Scalar::Int(0))
}

fn ones(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    filled(&mut args, Scalar::Int(1))
}

fn scalar_arg(v: &Value, span: crate::syntax::Span) -> R<(Scalar, DType)> {
    match arrays::scalar_of(v) {
        Some(s @ Scalar::Bool(_)) => Ok((s, DType::Bool)),
        Some(s @ Scalar::Int(_)) => Ok((s, DType::Int64)),
        Some(s @ Scalar::Float(_)) => Ok((s, DType::Float64)),
        None => match v {
            Value::Array(a) if a.size() == 1 => {
                let item = arrays::item(a, span)?;
                Ok((arrays::scalar_of(&item).expect("an element"), a.dtype))
            }
            other => Err(Diag::new(
                Code::Type,
                span,
                format!("the fill value must be a number, not {}", other.described()),
                "not a number",
            )),
        },
    }
}

fn full(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let shape = convert::shape_arg(&mut args, 0)?;
    let (value, natural) = scalar_arg(&args.take(1).expect("required"), args.span(1))?;
    let dtype = opt_dtype(&mut args, 2)?.unwrap_or(natural);
    let node = Node::new(Op::Fill(value), shape, dtype, args.call_span);
    Ok(Value::Array(place(&mut args, 3, node)?))
}

fn like(args: &mut Args, value: Option<Scalar>) -> Result<Value> {
    let a = array(args, 0)?;
    let (value, dtype_at) = match value {
        Some(v) => (v, 1),
        None => (scalar_arg(&args.take(1).expect("required"), args.span(1))?.0, 2),
    };
    let dtype = opt_dtype(args, dtype_at)?.unwrap_or(a.dtype);
    Ok(Value::Array(Node::new(Op::Fill(value), a.shape.clone(), dtype, args.call_span)))
}

fn zeros_like(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    like(&mut args, Some(Scalar::Int(0)))
}

fn ones_like(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    like(&mut args, Some(Scalar::Int(1)))
}

fn full_like(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    like(&mut args, None)
}

fn arange(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let all_ints = args.values[..3].iter().flatten().all(|v| matches!(v, Value::Int(_) | Value::Bool(_) | Value::None));
    let first = opt_float(&mut args, 0, "start")?.unwrap_or(0.0);
    let stop = opt_float(&mut args, 1, "stop")?;
    let step = opt_float(&mut args, 2, "step")?.unwrap_or(1.0);
    let (start, stop) = match stop {
        None => (0.0, first),
        Some(stop) => (first, stop),
    };
    if step == 0.0 || !step.is_finite() {
        return Err(
            Diag::new(Code::Value, args.span(2), "`arange` step must be finite and non-zero", "bad step").into()
        );
    }
    let n = ((stop - start) / step).ceil().max(0.0);
    if !n.is_finite() || n > (1u64 << 40) as f64 {
        return Err(Diag::new(Code::Memory, args.call_span, "the range is too large to allocate", "this range").into());
    }
    let natural = if all_ints { DType::Int64 } else { DType::Float64 };
    let dtype = opt_dtype(&mut args, 3)?.unwrap_or(natural);
    let node = Node::new(Op::Arange { start, step }, vec![n as usize], dtype, args.call_span);
    Ok(Value::Array(place(&mut args, 4, node)?))
}

fn linspace(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let start = opt_float(&mut args, 0, "start")?.expect("required");
    let stop = opt_float(&mut args, 1, "stop")?.expect("required");
    let num = opt_int(&mut args, 2, "num")?.unwrap_or(50);
    let num = usize::try_from(num)
        .map_err(|_| Diag::new(Code::Value, args.span(2), format!("`num` must be 0 or more, not {num}"), "negative"))?;
    let endpoint = opt_bool(&mut args, 3, true)?;
    let dtype = opt_dtype(&mut args, 4)?.unwrap_or(DType::Float64);
    let node = Node::new(Op::Linspace { start, stop, endpoint }, vec![num], dtype, args.call_span);
    Ok(Value::Array(place(&mut args, 5, node)?))
}

fn size_arg(args: &mut Args, i: usize, what: &str) -> R<Option<usize>> {
    let span = args.span(i);
    match opt_int(args, i, what)? {
        None => Ok(None),
        Some(n) => usize::try_from(n)
            .map(Some)
            .map_err(|_| Diag::new(Code::Value, span, format!("`{what}` must be 0 or more, not {n}"), "negative")),
    }
}

fn eye(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let n = size_arg(&mut args, 0, "n")?.expect("required");
    let m = size_arg(&mut args, 1, "m")?.unwrap_or(n);
    let k = opt_int(&mut args, 2, "k")?.unwrap_or(0);
    let dtype = opt_dtype(&mut args, 3)?.unwrap_or(DType::Float64);
    let node = Node::new(Op::Eye { k }, vec![n, m], dtype, args.call_span);
    Ok(Value::Array(place(&mut args, 4, node)?))
}

fn identity(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let n = size_arg(&mut args, 0, "n")?.expect("required");
    let dtype = opt_dtype(&mut args, 1)?.unwrap_or(DType::Float64);
    let node = Node::new(Op::Eye { k: 0 }, vec![n, n], dtype, args.call_span);
    Ok(Value::Array(place(&mut args, 2, node)?))
}

/// Ones where `col - row <= k` (`below = true`), or `>= k`.
pub fn triangle_mask(
    rows: usize,
    cols: usize,
    k: i64,
    below: bool,
    span: crate::syntax::Span,
) -> R<crate::graph::Array> {
    let r = Node::new(Op::Arange { start: 0.0, step: 1.0 }, vec![rows], DType::Int64, span);
    let c = Node::new(Op::Arange { start: 0.0, step: 1.0 }, vec![cols], DType::Int64, span);
    let r = build::reshape(&r, &[rows as i64, 1], span)?;
    let diff = build::binary(BinaryFn::Sub, Operand::Array(c), Operand::Array(r), span)?;
    let f = if below { BinaryFn::Le } else { BinaryFn::Ge };
    build::binary(f, Operand::Array(diff), Operand::Scalar(Scalar::Int(k)), span)
}

fn tri(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let n = size_arg(&mut args, 0, "n")?.expect("required");
    let m = size_arg(&mut args, 1, "m")?.unwrap_or(n);
    let k = opt_int(&mut args, 2, "k")?.unwrap_or(0);
    let dtype = opt_dtype(&mut args, 3)?.unwrap_or(DType::Float64);
    let mask = triangle_mask(n, m, k, true, args.call_span)?;
    Ok(Value::Array(build::cast(&mask, dtype, args.call_span)))
}

fn array_fn(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let span = args.span(0);
    let v = args.take(0).expect("required");
    let data = match &v {
        Value::Array(a) => return finish_cast(a.clone(), opt_dtype(&mut args, 1)?, args.call_span),
        other => arrays::to_data(other, span)?,
    };
    let dtype = opt_dtype(&mut args, 1)?;
    let data = match dtype {
        Some(d) => data.cast(d),
        None => data,
    };
    Ok(Value::Array(Node::from_data(data, args.call_span)))
}

fn finish_cast(a: crate::graph::Array, dtype: Option<DType>, span: crate::syntax::Span) -> Result<Value> {
    Ok(Value::Array(match dtype {
        Some(d) => build::cast(&a, d, span),
        None => a,
    }))
}

fn astype(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let a = array(&mut args, 0)?;
    let dtype = opt_dtype(&mut args, 1)?.expect("required");
    finish_cast(a, Some(dtype), args.call_span)
}
