//! Stencils (spec section 7.7), built from shifted slices of the input so they stay
//! lazy (and fusable): each output is a sum of weighted slices.

use super::convert::{array, opt_int, opt_str, Result as R};
use super::{Args, CallCtx, Registry};
use crate::diag::{Code, Diag};
use crate::exec::count_true;
use crate::graph::build::{self, Operand};
use crate::graph::index::{index, update, IndexArg};
use crate::graph::{Array, BinaryFn, DType, Elem, Scalar};
use crate::interp::{arrays, Result, Value};
use crate::syntax::Span;

pub fn register(r: &mut Registry) {
    r.function(
        "convolve(a, k, mode=\"same\")",
        "The convolution of `a` with the kernel `k` (1-D or 2-D; the kernel is flipped, as in NumPy and SciPy). \
         `mode` \"full\" gives every overlap, \"same\" the size of `a` (centered), \"valid\" only full overlaps.",
        convolve,
    );
    r.function(
        "maxpool(a, size=2, stride=2)",
        "The maximum of each `size`-wide window, moving by `stride`, along every axis of a 1-D or 2-D array.",
        maxpool,
    );
    r.function(
        "stencil(a, weights)",
        "A weighted sum of shifted copies of `a`: `weights` is an odd-sized array centered on each element; \
         boundary elements (where the stencil does not fit) keep their value.",
        stencil,
    );
}

/// `a[ranges]` with one `(start, stop)` per axis.
fn window(a: &Array, ranges: &[(usize, usize)], span: Span) -> R<Array> {
    let args: Vec<(IndexArg, Span)> =
        ranges.iter().map(|&(s, e)| (IndexArg::Slice(Some(s as i64), Some(e as i64), None), span)).collect();
    index(a, &args, span, &count_true)
}

/// The kernel's values (it is small), computed now; ints stay ints so int inputs
/// give int results, as in NumPy.
fn weights(k: &Array, span: Span) -> R<Vec<Scalar>> {
    let data = arrays::force(k, span)?;
    if k.dtype.is_float() {
        Ok(f64::cast_from(&data).iter().map(|&v| Scalar::Float(v)).collect())
    } else {
        Ok(i64::cast_from(&data).iter().map(|&v| Scalar::Int(v)).collect())
    }
}

/// Σ w[pos] * a[pos .. pos + out] over every kernel position: the core of all three
/// functions. `offsets(pos)` gives the per-axis start of the slice for a position.
fn weighted_sum(
    a: &Array,
    kshape: &[usize],
    w: &[Scalar],
    out: &[usize],
    offsets: impl Fn(&[usize]) -> Vec<usize>,
    span: Span,
) -> R<Array> {
    let mut total: Option<Array> = None;
    let positions: Vec<Vec<usize>> = match kshape {
        [m] => (0..*m).map(|j| vec![j]).collect(),
        [m, n] => (0..*m).flat_map(|i| (0..*n).map(move |j| vec![i, j])).collect(),
        _ => unreachable!("checked by callers"),
    };
    for (pos, &weight) in positions.iter().zip(w) {
        if weight.to_f64() == 0.0 {
            continue;
        }
        let start = offsets(pos);
        let ranges: Vec<(usize, usize)> = start.iter().zip(out).map(|(&s, &len)| (s, s + len)).collect();
        let term =
            build::binary(BinaryFn::Mul, Operand::Array(window(a, &ranges, span)?), Operand::Scalar(weight), span)?;
        total = Some(match total {
            None => term,
            Some(t) => {
                let sum = build::binary(BinaryFn::Add, Operand::Array(t), Operand::Array(term), span)?;
                // Long kernels make long chains; computing as we go keeps graphs shallow.
                if sum.depth() > 32 {
                    crate::exec::evaluate(&sum)?;
                }
                sum
            }
        });
    }
    match total {
        Some(t) => Ok(t),
        None => {
            let zero = crate::graph::Node::new(crate::graph::Op::Fill(Scalar::Int(0)), out.to_vec(), a.dtype, span);
            Ok(zero)
        }
    }
}

fn convolve(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let span = args.call_span;
    let (a, k) = (array(&mut args, 0)?, array(&mut args, 1)?);
    let mode_span = args.span(2);
    let mode = opt_str(&mut args, 2, "same")?;
    if a.ndim() != k.ndim() || !(1..=2).contains(&a.ndim()) {
        return Err(Diag::new(
            Code::Shape,
            span,
            format!(
                "`convolve` needs two 1-D or two 2-D arrays, not shapes {} and {}",
                crate::graph::shape::show(&a.shape),
                crate::graph::shape::show(&k.shape)
            ),
            "shapes do not fit",
        )
        .into());
    }
    if a.size() == 0 || k.size() == 0 {
        return Err(Diag::new(Code::Value, span, "`convolve` needs non-empty arrays", "empty input").into());
    }
    let dtype = match DType::promote(a.dtype, k.dtype) {
        DType::Bool => DType::Int64,
        d => d,
    };
    let a = build::cast(&a, dtype, span);
    let w = weights(&k, args.span(1))?;
    // Pad `a` with kernel-size - 1 zeros on each side: full[i] = Σ k[j] a_pad[i + m-1 - j].
    let pad: Vec<usize> = k.shape.iter().map(|&m| m - 1).collect();
    let mut padded = a.clone();
    for (axis, &p) in pad.iter().enumerate() {
        let mut shape = padded.shape.clone();
        shape[axis] = p;
        let zeros = crate::graph::Node::new(crate::graph::Op::Fill(Scalar::Int(0)), shape, padded.dtype, span);
        padded = super::shape::concat(vec![zeros.clone(), padded, zeros], axis, span)?;
    }
    let full: Vec<usize> = a.shape.iter().zip(&k.shape).map(|(&n, &m)| n + m - 1).collect();
    let result =
        weighted_sum(&padded, &k.shape, &w, &full, |pos| pos.iter().zip(&pad).map(|(&j, &p)| p - j).collect(), span)?;
    let result = build::cast(&result, a.dtype, span);
    let (starts, lens): (Vec<usize>, Vec<usize>) = match mode.as_str() {
        "full" => return Ok(arrays::finish(result)?),
        "same" => {
            // NumPy keeps max(n, m) in 1-D; SciPy's 2-D keeps the size of `a`.
            let lens: Vec<usize> = if a.ndim() == 1 { vec![a.shape[0].max(k.shape[0])] } else { a.shape.clone() };
            let starts = full.iter().zip(&lens).map(|(&f, &l)| (f - l) / 2).collect();
            (starts, lens)
        }
        "valid" => {
            let lens: Vec<usize> = a.shape.iter().zip(&k.shape).map(|(&n, &m)| n.max(m) - n.min(m) + 1).collect();
            let starts = a.shape.iter().zip(&k.shape).map(|(&n, &m)| n.min(m) - 1).collect();
            (starts, lens)
        }
        other => {
            return Err(Diag::new(Code::Value, mode_span, format!("unknown mode {other:?}"), "unknown mode")
                .with_help("the modes are \"full\", \"same\" and \"valid\"")
                .into())
        }
    };
    let ranges: Vec<(usize, usize)> = starts.iter().zip(&lens).map(|(&s, &l)| (s, s + l)).collect();
    Ok(arrays::finish(window(&result, &ranges, span)?)?)
}

fn maxpool(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let span = args.call_span;
    let a = array(&mut args, 0)?;
    let (size_span, stride_span) = (args.span(1), args.span(2));
    let size = opt_int(&mut args, 1, "size")?.unwrap_or(2);
    let stride = opt_int(&mut args, 2, "stride")?.unwrap_or(2);
    if size < 1 {
        return Err(Diag::new(Code::Value, size_span, "`size` must be at least 1", "too small").into());
    }
    if stride < 1 {
        return Err(Diag::new(Code::Value, stride_span, "`stride` must be at least 1", "too small").into());
    }
    if !(1..=2).contains(&a.ndim()) || a.shape.iter().any(|&n| n < size as usize) {
        return Err(Diag::new(
            Code::Shape,
            span,
            format!(
                "`maxpool` with size {size} needs a 1-D or 2-D array at least that large, not shape {}",
                crate::graph::shape::show(&a.shape)
            ),
            "does not fit",
        )
        .into());
    }
    let (size, stride) = (size as usize, stride as usize);
    let out: Vec<usize> = a.shape.iter().map(|&n| (n - size) / stride + 1).collect();
    // The maximum over every offset in the window of the strided slice at that offset.
    let offsets: Vec<Vec<usize>> = match a.ndim() {
        1 => (0..size).map(|i| vec![i]).collect(),
        _ => (0..size).flat_map(|i| (0..size).map(move |j| vec![i, j])).collect(),
    };
    let mut best: Option<Array> = None;
    for off in offsets {
        let args_ix: Vec<(IndexArg, Span)> = off
            .iter()
            .zip(&out)
            .map(|(&o, &len)| {
                (IndexArg::Slice(Some(o as i64), Some((o + (len - 1) * stride + 1) as i64), Some(stride as i64)), span)
            })
            .collect();
        let part = index(&a, &args_ix, span, &count_true)?;
        best = Some(match best {
            None => part,
            Some(b) => build::binary(BinaryFn::Maximum, Operand::Array(b), Operand::Array(part), span)?,
        });
    }
    Ok(arrays::finish(best.expect("size >= 1"))?)
}

fn stencil(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let span = args.call_span;
    let a = array(&mut args, 0)?;
    let k = array(&mut args, 1)?;
    let k_span = args.span(1);
    if k.ndim() != a.ndim() || !(1..=2).contains(&a.ndim()) || k.shape.iter().any(|&m| m % 2 == 0) {
        return Err(Diag::new(
            Code::Shape,
            k_span,
            format!(
                "`stencil` needs odd-sized weights with the dimensions of the array: {} and {}",
                crate::graph::shape::show(&a.shape),
                crate::graph::shape::show(&k.shape)
            ),
            "weights do not fit",
        )
        .into());
    }
    let radius: Vec<usize> = k.shape.iter().map(|&m| m / 2).collect();
    if a.shape.iter().zip(&radius).any(|(&n, &r)| n <= 2 * r) {
        return Ok(Value::Array(a));
    }
    let w = weights(&k, k_span)?;
    let interior: Vec<usize> = a.shape.iter().zip(&radius).map(|(&n, &r)| n - 2 * r).collect();
    let value_dtype = match DType::promote(a.dtype, k.dtype) {
        DType::Bool => DType::Int64,
        d => d,
    };
    let source = build::cast(&a, value_dtype, span);
    let sum = weighted_sum(&source, &k.shape, &w, &interior, |pos| pos.to_vec(), span)?;
    let region: Vec<(IndexArg, Span)> = radius
        .iter()
        .zip(&a.shape)
        .map(|(&r, &n)| (IndexArg::Slice(Some(r as i64), Some((n - r) as i64), None), span))
        .collect();
    let base = build::cast(&a, value_dtype, span);
    Ok(arrays::finish(update(&base, &region, &sum, span, &count_true)?)?)
}
