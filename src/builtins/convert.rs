//! Converting builtin arguments: arrays, shapes, axes, dtypes, numbers. Each
//! failure is a diagnostic at the argument's span.

use super::Args;
use crate::diag::{Code, Diag};
use crate::graph::shape::normalize_axis;
use crate::graph::{Array, DType};
use crate::interp::{arrays, Value};
use crate::syntax::Span;

pub type Result<T> = std::result::Result<T, Diag>;

fn wrong(span: Span, what: &str, v: &Value) -> Diag {
    Diag::new(Code::Type, span, format!("{what}, not {}", v.described()), format!("this is {}", v.described()))
}

/// Parameter `i` as an array (scalars, tuples and arrays are all accepted).
pub fn array(args: &mut Args, i: usize) -> Result<Array> {
    let span = args.span(i);
    let v = args.take(i).expect("required parameter");
    arrays::to_array(&v, span)
}

pub fn opt_dtype(args: &mut Args, i: usize) -> Result<Option<DType>> {
    let span = args.span(i);
    match args.take(i) {
        None | Some(Value::None) => Ok(None),
        Some(v) => arrays::dtype_value(&v, span).map(Some),
    }
}

pub fn int_value(v: &Value, span: Span, what: &str) -> Result<i64> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Bool(b) => Ok(i64::from(*b)),
        Value::Array(a) if a.size() == 1 && !a.dtype.is_float() => match arrays::item(a, span)? {
            Value::Int(i) => Ok(i),
            Value::Bool(b) => Ok(i64::from(b)),
            _ => unreachable!("an int or bool element"),
        },
        other => Err(wrong(span, &format!("{what} must be an int"), other)),
    }
}

pub fn float_value(v: &Value, span: Span, what: &str) -> Result<f64> {
    match v {
        Value::Int(i) => Ok(*i as f64),
        Value::Bool(b) => Ok(f64::from(u8::from(*b))),
        Value::Float(f) => Ok(*f),
        Value::Array(a) if a.size() == 1 => match arrays::item(a, span)? {
            Value::Int(i) => Ok(i as f64),
            Value::Bool(b) => Ok(f64::from(u8::from(b))),
            Value::Float(f) => Ok(f),
            _ => unreachable!("a numeric element"),
        },
        other => Err(wrong(span, &format!("{what} must be a number"), other)),
    }
}

pub fn opt_int(args: &mut Args, i: usize, what: &str) -> Result<Option<i64>> {
    let span = args.span(i);
    match args.take(i) {
        None | Some(Value::None) => Ok(None),
        Some(v) => int_value(&v, span, what).map(Some),
    }
}

pub fn opt_float(args: &mut Args, i: usize, what: &str) -> Result<Option<f64>> {
    let span = args.span(i);
    match args.take(i) {
        None | Some(Value::None) => Ok(None),
        Some(v) => float_value(&v, span, what).map(Some),
    }
}

pub fn opt_bool(args: &mut Args, i: usize, default: bool) -> Result<bool> {
    let span = args.span(i);
    match args.take(i) {
        None => Ok(default),
        Some(Value::Bool(b)) => Ok(b),
        Some(other) => Err(wrong(span, "expected true or false", &other)),
    }
}

pub fn opt_str(args: &mut Args, i: usize, default: &str) -> Result<String> {
    let span = args.span(i);
    match args.take(i) {
        None => Ok(default.to_string()),
        Some(Value::Str(s)) => Ok(s.to_string()),
        Some(other) => Err(wrong(span, "expected a string", &other)),
    }
}

/// A shape given as separate ints (`zeros(3, 4)`) or one tuple (`zeros((3, 4))`).
pub fn shape_from(values: &[(Value, Span)], call_span: Span) -> Result<Vec<usize>> {
    let dims: Vec<(Value, Span)> = match values {
        [(Value::Tuple(t), span)] => t.iter().map(|v| (v.clone(), *span)).collect(),
        other => other.to_vec(),
    };
    dims.iter()
        .map(|(v, span)| {
            let d = int_value(v, *span, "a dimension")?;
            usize::try_from(d).map_err(|_| {
                Diag::new(Code::Value, *span, format!("negative dimension {d}"), "dimensions must be 0 or more")
            })
        })
        .collect::<Result<Vec<usize>>>()
        .and_then(|shape| {
            let total = shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
            match total {
                Some(n) if n <= (1usize << 40) => Ok(shape),
                _ => Err(Diag::new(Code::Memory, call_span, "the array would be too large to allocate", "this shape")),
            }
        })
}

/// The value of a shape parameter (a tuple or an int).
pub fn shape_arg(args: &mut Args, i: usize) -> Result<Vec<usize>> {
    let span = args.span(i);
    let v = args.take(i).expect("required parameter");
    shape_from(&[(v, span)], span)
}

/// `axis=`: an int, a tuple of ints, or none (all axes), normalized for `ndim`.
pub fn axes(args: &mut Args, i: usize, ndim: usize) -> Result<Option<Vec<usize>>> {
    let span = args.span(i);
    let list: Vec<i64> = match args.take(i) {
        None | Some(Value::None) => return Ok(None),
        Some(Value::Tuple(t)) => t.iter().map(|v| int_value(v, span, "an axis")).collect::<Result<_>>()?,
        Some(v) => vec![int_value(&v, span, "an axis")?],
    };
    let mut out = Vec::new();
    for a in list {
        let axis = normalize_axis(a, ndim).ok_or_else(|| {
            Diag::new(
                Code::Value,
                span,
                format!("axis {a} is out of bounds for an array of dimension {ndim}"),
                "axis out of range",
            )
        })?;
        if out.contains(&axis) {
            return Err(Diag::new(Code::Value, span, format!("axis {a} is repeated"), "repeated axis"));
        }
        out.push(axis);
    }
    out.sort_unstable();
    Ok(Some(out))
}

/// A single axis (negative counts from the end).
pub fn one_axis(v: i64, ndim: usize, span: Span) -> Result<usize> {
    normalize_axis(v, ndim.max(1)).ok_or_else(|| {
        Diag::new(
            Code::Value,
            span,
            format!("axis {v} is out of bounds for an array of dimension {ndim}"),
            "axis out of range",
        )
    })
}
