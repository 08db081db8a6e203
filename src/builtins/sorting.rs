//! Sorting and the functions whose result size depends on the data (`unique`,
//! `nonzero`, `bincount`, `histogram`): they compute their input when called.

use ndarray::{Axis, Dimension, IxDyn};

use super::convert::{self, array, opt_int};
use super::{Args, CallCtx, Registry};
use crate::diag::{Code, Diag};
use crate::exec::split;
use crate::exec::split::sort::total_order;
use crate::graph::{ArrayData, DType, Elem, Nd, Node};
use crate::interp::{arrays, Result, Value};
use crate::with_dtype;

pub fn register(r: &mut Registry) {
    r.function("sort(a, axis=-1)", "`a` sorted along `axis` (nan last).", sort);
    r.function("argsort(a, axis=-1)", "The indices that sort `a` along `axis` (a stable sort).", argsort);
    r.function("unique(a)", "The distinct elements of `a`, sorted, as a 1-D array.", unique);
    r.function("nonzero(a)", "The indices of the non-zero elements, one index array per axis, as a tuple.", nonzero);
    r.function(
        "bincount(x, minlength=0)",
        "How often each value 0, 1, 2, ... occurs in the non-negative int array `x`.",
        bincount,
    );
    r.function(
        "histogram(a, bins=10, range=none)",
        "Counts of `a` in `bins` equal bins over `range` (default: the data's min and max); returns `(counts, edges)`.",
        histogram,
    );
}

fn sorted_lanes(args: &mut Args, want_indices: bool) -> Result<Value> {
    let a = array(args, 0)?;
    arrays::compute(&Value::Array(a.clone()), args.span(0))?;
    let span = args.call_span;
    if a.ndim() == 0 {
        return Err(Diag::new(Code::Value, span, "cannot sort a 0-d array", "0-d").into());
    }
    let axis_span = args.span(1);
    let axis = convert::one_axis(opt_int(args, 1, "axis")?.unwrap_or(-1), a.ndim(), axis_span)?;
    // A 1-D array split over MPI ranks is sorted by sample sort, and stays split.
    let sorted_split = if want_indices { split::sort::argsort(&a, span) } else { split::sort::sort(&a, span) };
    if let Some(sorted) = sorted_split {
        return Ok(Value::Array(sorted));
    }
    let data = arrays::force(&a, args.span(0))?;
    let out = with_dtype!(data.dtype(), T => {
        let x = T::cast_from(&data);
        let mut values = x.to_owned();
        let mut order = Nd::<i64>::zeros(IxDyn(x.shape())).into_owned();
        for (mut lane, mut idx) in values.lanes_mut(Axis(axis)).into_iter().zip(order.lanes_mut(Axis(axis))) {
            let mut pairs: Vec<(usize, T)> = lane.iter().copied().enumerate().collect();
            pairs.sort_by(|p, q| total_order(p.1.to_f64(), q.1.to_f64()).then(p.0.cmp(&q.0)));
            for (k, (i, v)) in pairs.into_iter().enumerate() {
                lane[k] = v;
                idx[k] = i as i64;
            }
        }
        if want_indices { ArrayData::I64(order.into_shared()) } else { T::wrap(values.into_shared()) }
    });
    Ok(Value::Array(Node::from_data(out, span)))
}

fn sort(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    sorted_lanes(&mut args, false)
}

fn argsort(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    sorted_lanes(&mut args, true)
}

fn unique(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let a = array(&mut args, 0)?;
    arrays::compute(&Value::Array(a.clone()), args.span(0))?;
    // An array split over MPI ranks is deduplicated by a sample sort, and stays split.
    if let Some(distinct) = split::sort::unique(&a, args.call_span) {
        return Ok(Value::Array(distinct));
    }
    let data = arrays::force(&a, args.span(0))?;
    let out = with_dtype!(data.dtype(), T => {
        let mut values: Vec<T> = T::cast_from(&data).iter().copied().collect();
        values.sort_by(|x, y| total_order(x.to_f64(), y.to_f64()));
        values.dedup_by(|x, y| total_order(x.to_f64(), y.to_f64()) == std::cmp::Ordering::Equal);
        let n = values.len();
        T::wrap(Nd::from_shape_vec(IxDyn(&[n]), values).expect("1-D"))
    });
    Ok(Value::Array(Node::from_data(out, args.call_span)))
}

fn nonzero(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let a = array(&mut args, 0)?;
    let data = arrays::force(&a, args.span(0))?.cast(DType::Bool);
    let ArrayData::Bool(mask) = data else { unreachable!("cast to bool") };
    let ndim = mask.ndim().max(1);
    let mut per_axis: Vec<Vec<i64>> = vec![Vec::new(); ndim];
    for (position, &m) in mask.indexed_iter() {
        if m {
            for (axis, &i) in position.as_array_view().iter().enumerate() {
                per_axis[axis].push(i as i64);
            }
        }
    }
    let span = args.call_span;
    let items = per_axis
        .into_iter()
        .map(|v| {
            let n = v.len();
            Value::Array(Node::from_data(ArrayData::I64(Nd::from_shape_vec(IxDyn(&[n]), v).expect("1-D")), span))
        })
        .collect();
    Ok(arrays::rc_tuple(items))
}

fn bincount(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let a = array(&mut args, 0)?;
    let x_span = args.span(0);
    if a.dtype.is_float() || a.ndim() != 1 {
        return Err(Diag::new(
            Code::Type,
            x_span,
            "`bincount` needs a 1-D array of non-negative ints",
            "not a 1-D int array",
        )
        .into());
    }
    let minlength = opt_int(&mut args, 1, "minlength")?.unwrap_or(0).max(0) as usize;
    let negative = |found: String| {
        Diag::new(Code::Value, x_span, format!("`bincount` needs non-negative values, found {found}"), "negative value")
    };
    arrays::compute(&Value::Array(a.clone()), x_span)?;
    // Split over MPI ranks: each rank counts its own values.
    let counts = match split::counts::bincount(&a, minlength, negative, args.call_span) {
        Some(counts) => counts?,
        None => {
            let data = arrays::force(&a, x_span)?;
            let values: Vec<i64> = i64::cast_from(&data).iter().copied().collect();
            if let Some(&neg) = values.iter().find(|&&v| v < 0) {
                return Err(negative(neg.to_string()).into());
            }
            let len = values.iter().map(|&v| v as usize + 1).max().unwrap_or(0).max(minlength);
            crate::exec::ensure_fits(len, 8, args.call_span)?;
            let mut counts = vec![0i64; len];
            for v in values {
                counts[v as usize] += 1;
            }
            counts
        }
    };
    let len = counts.len();
    let out = ArrayData::I64(Nd::from_shape_vec(IxDyn(&[len]), counts).expect("1-D"));
    Ok(Value::Array(Node::from_data(out, args.call_span)))
}

fn histogram(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let a = array(&mut args, 0)?;
    let data = arrays::force(&a, args.span(0))?;
    let values: Vec<f64> = f64::cast_from(&data).iter().copied().collect();
    let bins_span = args.span(1);
    let bins = opt_int(&mut args, 1, "bins")?.unwrap_or(10);
    if bins <= 0 {
        return Err(Diag::new(Code::Value, bins_span, "`bins` must be positive", "not positive").into());
    }
    let range_span = args.span(2);
    let (lo, hi) = match args.take(2) {
        None | Some(Value::None) => {
            let finite = values.iter().copied().filter(|v| v.is_finite());
            let lo = finite.clone().fold(f64::INFINITY, f64::min);
            let hi = finite.fold(f64::NEG_INFINITY, f64::max);
            if lo.is_finite() {
                (lo, hi)
            } else {
                (0.0, 1.0)
            }
        }
        Some(Value::Tuple(t)) if t.len() == 2 => (
            convert::float_value(&t[0], range_span, "the range start")?,
            convert::float_value(&t[1], range_span, "the range end")?,
        ),
        Some(other) => {
            return Err(Diag::new(
                Code::Type,
                range_span,
                format!("`range` must be a (low, high) tuple, not {}", other.described()),
                "bad range",
            )
            .into())
        }
    };
    let (lo, hi) = if lo == hi { (lo - 0.5, hi + 0.5) } else { (lo, hi) };
    let n = bins as usize;
    crate::exec::ensure_fits(n, 16, bins_span)?;
    let edges: Vec<f64> = (0..=n).map(|i| lo + (hi - lo) * i as f64 / n as f64).collect();
    let mut counts = vec![0i64; n];
    for v in values {
        if v < lo || v > hi || v.is_nan() {
            continue;
        }
        let mut b = (((v - lo) / (hi - lo)) * n as f64) as usize;
        if b >= n {
            b = n - 1;
        }
        // Correct for rounding at the bin edges.
        while b > 0 && v < edges[b] {
            b -= 1;
        }
        while b + 1 < n && v >= edges[b + 1] {
            b += 1;
        }
        counts[b] += 1;
    }
    let span = args.call_span;
    let counts = ArrayData::I64(Nd::from_shape_vec(IxDyn(&[n]), counts).expect("1-D"));
    let edges = ArrayData::F64(Nd::from_shape_vec(IxDyn(&[n + 1]), edges).expect("1-D"));
    Ok(arrays::rc_tuple(vec![Value::Array(Node::from_data(counts, span)), Value::Array(Node::from_data(edges, span))]))
}
