//! Program and environment builtins (spec section 7.9) on scalars, strings and
//! tuples.

use std::rc::Rc;

use super::{Args, CallCtx, Registry};
use crate::diag::{Code, Diag};
use crate::graph::DType;
use crate::interp::fmtspec::round_float;
use crate::interp::format::{repr, to_str};
use crate::interp::ops::{order, truthy};
use crate::interp::{arrays, Result, Unwind, Value};
use crate::syntax::Span;

pub fn register(r: &mut Registry) {
    r.function(
        "print(*args, sep=\" \", end=\"\\n\")",
        "Writes `str()` of each argument, separated by `sep` and followed by `end`, to standard output.",
        print,
    );
    r.function("str(x=\"\")", "The text of `x`, as `print` shows it.", str_);
    r.function("repr(x)", "Like `str`, but strings are quoted, as inside a printed tuple.", repr_);
    r.function(
        "int(x=0)",
        "Converts to int: a float is truncated toward zero, a bool is 0 or 1, a string is parsed.",
        int,
    );
    r.function("float(x=0.0)", "Converts to float; a string such as \"2.5\", \"1e-3\" or \"inf\" is parsed.", float);
    r.function("bool(x=false)", "The truth value of `x` (section 2.1).", bool_);
    r.function(
        "type(x)",
        "The kind of `x` as a string: \"int\", \"float\", \"bool\", \"str\", \"none\", \"tuple\", \"range\", \"array\", \"dtype\", \"function\" or \"module\".",
        type_,
    );
    r.function(
        "min(*args, axis=none, keepdims=false)",
        "The smallest element of one array (over `axis`), or the smallest of several scalars or of a tuple's items.",
        min,
    );
    r.function(
        "max(*args, axis=none, keepdims=false)",
        "The largest element of one array (over `axis`), or the largest of several scalars or of a tuple's items.",
        max,
    );
    r.function("abs(x)", "The absolute value of a number, or of each element of an array.", abs);
    r.function(
        "round(x, n=none)",
        "Rounds half to even on the exact binary value, as Python: `round(2.5) == 2`, `round(2.675, 2) == 2.67`. Without `n` a scalar becomes an int; an array is rounded elementwise to `n` decimals (NumPy's `round`).",
        round,
    );
    r.function("len(x)", "The number of characters of a string, items of a tuple or elements of a range; the length of an array's first axis.", len);
    r.function(
        "range(start_or_stop, stop=none, step=1)",
        "The integers `start, start+step, ...` below `stop` (above it for a negative step). With one argument, `range(stop)` starts at 0. Lazy: nothing is built until it is iterated.",
        range,
    );
    r.function("clock()", "Seconds elapsed (a float) on a monotonic clock; subtract two readings to time code.", clock);
    r.function("exit(code=0)", "Ends the program with exit status `code`.", exit);
    r.constant("argv", "The script's command-line arguments, as a tuple of strings.", |i| Value::Tuple(i.argv.clone()));
    r.constant("pi", "π = 3.141592653589793.", |_| Value::Float(std::f64::consts::PI));
    r.constant("e", "Euler's number e = 2.718281828459045.", |_| Value::Float(std::f64::consts::E));
    r.constant("inf", "Positive infinity.", |_| Value::Float(f64::INFINITY));
    r.constant("nan", "Not a number.", |_| Value::Float(f64::NAN));
    r.constant("newaxis", "Inserts a length-1 axis when used as an index (same as `none`).", |_| Value::None);
    r.constant("float64", "The dtype of 64-bit floats (alias `f64`).", |_| Value::DType(DType::Float64));
    r.constant("float32", "The dtype of 32-bit floats (alias `f32`).", |_| Value::DType(DType::Float32));
    r.constant("int64", "The dtype of 64-bit ints (alias `i64`).", |_| Value::DType(DType::Int64));
    r.constant("int32", "The dtype of 32-bit ints (alias `i32`).", |_| Value::DType(DType::Int32));
    r.constant("f64", "Alias of `float64`.", |_| Value::DType(DType::Float64));
    r.constant("f32", "Alias of `float32`.", |_| Value::DType(DType::Float32));
    r.constant("i64", "Alias of `int64`.", |_| Value::DType(DType::Int64));
    r.constant("i32", "Alias of `int32`.", |_| Value::DType(DType::Int32));
    r.function("eval(a)", "Computes `a` now and returns it.", eval);
    r.function("explain(a)", "The plan that computes `a`, as text.", explain);
}

fn type_error(span: Span, message: String, value: &Value) -> Box<Unwind> {
    Diag::new(Code::Type, span, message, format!("this is {}", value.described())).into()
}

fn expect_str(args: &mut Args, i: usize, default: &str, what: &str) -> Result<String> {
    match args.take(i) {
        None => Ok(default.to_string()),
        Some(Value::Str(s)) => Ok(s.to_string()),
        Some(other) => {
            Err(type_error(args.span(i), format!("`{what}` must be a str, not {}", other.type_name()), &other))
        }
    }
}

fn print(ctx: &mut CallCtx, mut args: Args) -> Result<Value> {
    let sep = expect_str(&mut args, 1, " ", "sep")?;
    let end = expect_str(&mut args, 2, "\n", "end")?;
    for (value, span) in &args.rest {
        arrays::observe(value, *span)?;
    }
    let mut text = String::new();
    for (i, (value, _)) in args.rest.iter().enumerate() {
        if i > 0 {
            text.push_str(&sep);
        }
        text.push_str(&to_str(value));
    }
    text.push_str(&end);
    ctx.interp.write_text(&text, ctx.span)?;
    Ok(Value::None)
}

fn str_(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    if let Some(v) = &args.values[0] {
        arrays::observe(v, args.span(0))?;
    }
    Ok(match args.take(0) {
        None => Value::str(""),
        Some(v @ Value::Str(_)) => v,
        Some(v) => Value::Str(Rc::from(to_str(&v))),
    })
}

fn repr_(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let v = args.take(0).expect("required");
    arrays::observe(&v, args.span(0))?;
    Ok(Value::Str(Rc::from(repr(&v))))
}

fn float_to_int(f: f64, span: Span) -> Result<i64> {
    // 2**63: the first float above every i64.
    const LIMIT: f64 = i64::MAX as f64;
    if !(-LIMIT..LIMIT).contains(&f) {
        return Err(Diag::new(
            Code::Value,
            span,
            format!("cannot convert {} to int", crate::interp::format::float_repr(f)),
            "out of range",
        )
        .into());
    }
    Ok(f.trunc() as i64)
}

/// A one-element array as its scalar (so `int(a[0])` works); other values as they are.
fn unwrap_single(v: Option<Value>, span: Span) -> Result<Option<Value>> {
    match v {
        Some(Value::Array(a)) if a.size() == 1 => Ok(Some(arrays::item(&a, span)?)),
        Some(Value::Array(a)) => Err(Diag::new(
            Code::Type,
            span,
            format!("only one-element arrays convert to scalars; this one has {} elements", a.size()),
            "an array",
        )
        .into()),
        other => Ok(other),
    }
}

fn int(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let span = args.span(0);
    Ok(Value::Int(match unwrap_single(args.take(0), span)? {
        None => 0,
        Some(Value::Int(i)) => i,
        Some(Value::Bool(b)) => i64::from(b),
        Some(Value::Float(f)) => float_to_int(f, span)?,
        Some(Value::Str(s)) => s.trim().replace('_', "").parse::<i64>().map_err(|_| {
            Diag::new(
                Code::Value,
                span,
                format!("cannot parse {} as an int", repr(&Value::Str(s.clone()))),
                "not an integer",
            )
        })?,
        Some(other) => return Err(type_error(span, format!("cannot convert {} to int", other.described()), &other)),
    }))
}

fn float(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let span = args.span(0);
    Ok(Value::Float(match unwrap_single(args.take(0), span)? {
        None => 0.0,
        Some(Value::Int(i)) => i as f64,
        Some(Value::Bool(b)) => f64::from(u8::from(b)),
        Some(Value::Float(f)) => f,
        Some(Value::Str(s)) => s.trim().replace('_', "").parse::<f64>().map_err(|_| {
            Diag::new(
                Code::Value,
                span,
                format!("cannot parse {} as a float", repr(&Value::Str(s.clone()))),
                "not a number",
            )
        })?,
        Some(other) => return Err(type_error(span, format!("cannot convert {} to float", other.described()), &other)),
    }))
}

fn bool_(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let span = args.span(0);
    Ok(Value::Bool(match args.take(0) {
        None => false,
        Some(v) => truthy(&v, span)?,
    }))
}

fn type_(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    Ok(Value::str(args.take(0).expect("required").type_name()))
}

fn extreme(mut args: Args, name: &str, want: std::cmp::Ordering) -> Result<Value> {
    let call_span = args.call_span;
    if let [(v @ Value::Array(a), span)] = args.rest.clone().as_slice() {
        let axes = super::convert::axes(&mut args, 1, a.ndim())?;
        let keepdims = super::convert::opt_bool(&mut args, 2, false)?;
        let is_min = want == std::cmp::Ordering::Less;
        return super::reduce::array_extreme(is_min, v, *span, axes, keepdims, call_span);
    }
    if args.values[1].is_some() || args.values[2].is_some() {
        return Err(Diag::new(
            Code::Arg,
            call_span,
            format!("`axis` and `keepdims` of `{name}` need one array"),
            "in this call",
        )
        .into());
    }
    let items: Vec<(Value, Span)> = match args.rest.as_slice() {
        [(Value::Tuple(t), span)] => t.iter().map(|v| (v.clone(), *span)).collect(),
        _ => args.rest,
    };
    let mut iter = items.into_iter();
    let Some((mut best, mut best_span)) = iter.next() else {
        return Err(Diag::new(
            Code::Arg,
            call_span,
            format!("`{name}` needs at least one value"),
            "nothing to compare",
        )
        .into());
    };
    for (v, span) in iter {
        match order(&v, &best) {
            Some(o) if o == want => {
                best = v;
                best_span = span;
            }
            Some(_) => {}
            None if matches!(v, Value::Float(f) if f.is_nan()) => {}
            None => {
                return Err(Diag::new(
                    Code::Type,
                    span,
                    format!("`{name}` cannot compare {} with {}", v.described(), best.described()),
                    format!("this is {}", v.described()),
                )
                .with_label(best_span, format!("this is {}", best.described()))
                .into())
            }
        }
    }
    Ok(best)
}

fn min(_: &mut CallCtx, args: Args) -> Result<Value> {
    extreme(args, "min", std::cmp::Ordering::Less)
}

fn max(_: &mut CallCtx, args: Args) -> Result<Value> {
    extreme(args, "max", std::cmp::Ordering::Greater)
}

fn abs(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let span = args.span(0);
    match args.take(0).expect("required") {
        Value::Int(i) => i
            .checked_abs()
            .map(Value::Int)
            .ok_or_else(|| Diag::new(Code::Value, span, "integer overflow in `abs`", "does not fit in 64 bits").into()),
        Value::Bool(b) => Ok(Value::Int(i64::from(b))),
        Value::Float(f) => Ok(Value::Float(f.abs())),
        v @ (Value::Array(_) | Value::Tuple(_)) => super::math::abs_array(&v, span, span),
        other => Err(type_error(span, format!("`abs` needs a number, not {}", other.described()), &other)),
    }
}

fn round(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let span = args.span(0);
    let n_span = args.span(1);
    let n = match args.take(1) {
        None | Some(Value::None) => None,
        Some(Value::Int(n)) => Some(n),
        Some(other) => {
            return Err(type_error(n_span, format!("`n` must be an int, not {}", other.type_name()), &other))
        }
    };
    if let Some(v @ Value::Array(_)) = &args.values[0] {
        return super::math::round_array(v, n, span, args.call_span);
    }
    match (args.take(0).expect("required"), n) {
        (Value::Int(i), None) => Ok(Value::Int(i)),
        (Value::Bool(b), None) => Ok(Value::Int(i64::from(b))),
        (Value::Int(i), Some(n)) => Ok(Value::Int(round_int(i, n))),
        (Value::Float(f), None) => Ok(Value::Int(float_to_int(f.round_ties_even(), span)?)),
        (Value::Float(f), Some(n)) => Ok(Value::Float(round_float(f, n))),
        (other, _) => Err(type_error(span, format!("`round` needs a number, not {}", other.described()), &other)),
    }
}

/// `round(1250, -2) == 1200`: half to even at a power of ten.
fn round_int(i: i64, n: i64) -> i64 {
    if n >= 0 {
        return i;
    }
    if n < -18 {
        return 0;
    }
    let scale = 10i128.pow((-n) as u32);
    let v = i as i128;
    let (q, r) = (v.div_euclid(scale), v.rem_euclid(scale));
    let q = match (2 * r).cmp(&scale) {
        std::cmp::Ordering::Greater => q + 1,
        std::cmp::Ordering::Equal if q % 2 != 0 => q + 1,
        _ => q,
    };
    i64::try_from(q * scale).unwrap_or(i)
}

fn len(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let span = args.span(0);
    let n = match args.take(0).expect("required") {
        Value::Str(s) => s.chars().count(),
        Value::Tuple(t) => t.len(),
        Value::Range(r) => r.len(),
        Value::Array(a) if a.ndim() > 0 => a.shape[0],
        other => return Err(type_error(span, format!("{} has no length", other.described()), &other)),
    };
    Ok(Value::Int(i64::try_from(n).unwrap_or(i64::MAX)))
}

fn range(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let mut int_arg = |i: usize, name: &str| -> Result<Option<i64>> {
        let span = args.span(i);
        match args.take(i) {
            None | Some(Value::None) => Ok(None),
            Some(Value::Int(v)) => Ok(Some(v)),
            Some(Value::Bool(b)) => Ok(Some(i64::from(b))),
            Some(other) => {
                Err(type_error(span, format!("`range` needs ints; `{name}` is {}", other.described()), &other))
            }
        }
    };
    let first = int_arg(0, "start_or_stop")?.unwrap_or(0);
    let stop = int_arg(1, "stop")?;
    let step = int_arg(2, "step")?.unwrap_or(1);
    if step == 0 {
        return Err(Diag::new(Code::Value, args.span(2), "`range` step cannot be zero", "zero step").into());
    }
    let (start, stop) = match stop {
        None => (0, first),
        Some(stop) => (first, stop),
    };
    Ok(Value::Range(Rc::new(crate::interp::RangeValue { start, stop, step })))
}

fn clock(ctx: &mut CallCtx, _: Args) -> Result<Value> {
    let started = ctx.interp.started;
    Ok(Value::Float(crate::dist::synchronized_clock(|| started.elapsed().as_secs_f64())))
}

fn exit(ctx: &mut CallCtx, mut args: Args) -> Result<Value> {
    let span = args.span(0);
    let code = match args.take(0) {
        None => 0,
        Some(Value::Int(c)) => i32::try_from(c).unwrap_or(1),
        Some(Value::Bool(b)) => i32::from(b),
        Some(other) => {
            return Err(type_error(span, format!("`exit` needs an int code, not {}", other.described()), &other))
        }
    };
    ctx.interp.flush();
    Err(Box::new(Unwind::Exit(code)))
}

fn eval(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let v = args.take(0).expect("required");
    arrays::compute(&v, args.span(0))?;
    Ok(v)
}

fn explain(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let text = match args.take(0).expect("required") {
        Value::Array(a) => crate::opt::explain(&a),
        other => format!("{} (no plan: not an array)", other.described()),
    };
    Ok(Value::Str(Rc::from(text)))
}

#[cfg(test)]
mod tests {
    use super::round_int;

    #[test]
    fn int_rounding_is_half_to_even() {
        assert_eq!(round_int(1250, -2), 1200);
        assert_eq!(round_int(1350, -2), 1400);
        assert_eq!(round_int(-1250, -2), -1200);
        assert_eq!(round_int(1251, -2), 1300);
        assert_eq!(round_int(7, 2), 7);
    }
}
