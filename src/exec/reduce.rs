//! Reductions over any set of axes, and scans. The reduced axes are moved last and
//! made contiguous, so each output element reduces one contiguous run (and float
//! sums use pairwise summation over it).

use std::borrow::Cow;

use ndarray::{Axis, IxDyn};

use rayon::prelude::*;

use super::column_sums::{column_sums, Columns, Deviations};
use crate::graph::{ArrayData, DType, Elem, Nd, ReduceFn, ScanFn};
use crate::num::sum::{pairwise_sum, pairwise_sum_parallel};
use crate::with_dtype;

/// The input rearranged to `(kept elements, reduced elements)`, C-contiguous.
fn rows<'a, T: Elem>(a: &'a Nd<T>, axes: &[usize]) -> (Cow<'a, [T]>, usize) {
    let inner: usize = axes.iter().map(|&ax| a.shape()[ax]).product();
    // Reducing everything, or trailing axes, of a contiguous array reads it in
    // place.
    let trailing = axes.iter().enumerate().all(|(k, &ax)| ax == a.ndim() - axes.len() + k);
    if let (true, Some(flat)) = (trailing, a.as_slice()) {
        return (Cow::Borrowed(flat), inner);
    }
    let kept: Vec<usize> = (0..a.ndim()).filter(|i| !axes.contains(i)).collect();
    let perm: Vec<usize> = kept.iter().chain(axes.iter()).copied().collect();
    let moved = a.view().permuted_axes(IxDyn(&perm));
    let flat: Vec<T> = moved.iter().copied().collect();
    (Cow::Owned(flat), inner)
}

pub fn reduce(f: ReduceFn, data: &ArrayData, axes: &[usize], out_shape: &[usize], out: DType) -> ArrayData {
    if matches!(f, ReduceFn::Min | ReduceFn::Max) {
        if let Some(exact) = reduce_exact_extreme(f, data, axes, out_shape) {
            return exact.cast(out);
        }
    }
    if let (ArrayData::F64(a), ReduceFn::Sum | ReduceFn::Mean) = (data, f) {
        return float_sums(f, a, axes, out_shape).cast(out);
    }
    if let (ArrayData::F64(a), ReduceFn::Var { ddof } | ReduceFn::Std { ddof }) = (data, f) {
        if let Some(columns) = as_columns(a, axes) {
            let spread = column_variances(columns, ddof);
            let spread =
                if matches!(f, ReduceFn::Std { .. }) { spread.into_iter().map(f64::sqrt).collect() } else { spread };
            return ArrayData::F64(Nd::from_shape_vec(IxDyn(out_shape), spread).expect("out shape")).cast(out);
        }
    }
    let results: Vec<f64> = with_dtype!(data.dtype(), T => {
        let a = T::cast_from(data);
        let (flat, inner) = rows(&a, axes);
        let outer = out_shape.iter().product::<usize>();
        if (f == ReduceFn::Sum || f == ReduceFn::Prod) && !out.is_float() {
            // Exact integer sums and products.
            let values: Vec<i64> = (0..outer)
                .map(|r| {
                    let row = &flat[r * inner..(r + 1) * inner];
                    let ints = row.iter().map(|v| v.to_scalar().to_i64());
                    if f == ReduceFn::Sum { ints.fold(0i64, i64::wrapping_add) } else { ints.fold(1i64, i64::wrapping_mul) }
                })
                .collect();
            return ArrayData::I64(Nd::from_shape_vec(IxDyn(out_shape), values).expect("out shape")).cast(out);
        }
        (0..outer).map(|r| reduce_row(f, &flat[r * inner..(r + 1) * inner])).collect()
    });
    ArrayData::F64(Nd::from_shape_vec(IxDyn(out_shape), results).expect("out shape")).cast(out)
}

/// Sums and means of float64 rows, read in place when they are contiguous and
/// summed on all cores: long rows one at a time, short rows many at a time.
fn float_sums(f: ReduceFn, a: &Nd<f64>, axes: &[usize], out_shape: &[usize]) -> ArrayData {
    if let Some(columns) = as_columns(a, axes) {
        let mut sums = column_sums(&columns);
        if f == ReduceFn::Mean {
            sums.iter_mut().for_each(|s| *s /= columns.rows as f64);
        }
        return ArrayData::F64(Nd::from_shape_vec(IxDyn(out_shape), sums).expect("out shape"));
    }
    let (flat, inner) = rows(a, axes);
    let outer = out_shape.iter().product::<usize>();
    let row_sum = |r: usize| {
        let row = &flat[r * inner..(r + 1) * inner];
        let sum = pairwise_sum_parallel(row);
        if f == ReduceFn::Mean {
            sum / inner as f64
        } else {
            sum
        }
    };
    let results: Vec<f64> = (0..outer).into_par_iter().map(row_sum).collect();
    ArrayData::F64(Nd::from_shape_vec(IxDyn(out_shape), results).expect("out shape"))
}

/// Each column's variance as `reduce_row` computes it: the pairwise sum of the
/// squared deviations from the column's mean, over `n - ddof`.
fn column_variances(columns: Columns, ddof: f64) -> Vec<f64> {
    let n = columns.rows as f64;
    let mut means = column_sums(&columns);
    means.iter_mut().for_each(|s| *s /= n);
    let squares = column_sums(&Deviations { data: columns, means: &means });
    squares.into_iter().map(|s| s / (n - ddof).max(0.0)).collect()
}

/// A contiguous array reduced over a run of axes that later, kept axes follow
/// (`axis=0` of a matrix): stacked matrices whose columns are summed.
fn as_columns<'a>(a: &'a Nd<f64>, axes: &[usize]) -> Option<Columns<'a>> {
    let (&first, &last) = (axes.first()?, axes.last()?);
    let run = axes.windows(2).all(|w| w[1] == w[0] + 1);
    if !run || last + 1 >= a.ndim() {
        return None;
    }
    let shape = a.shape();
    Some(Columns {
        data: a.as_slice()?,
        outer: shape[..first].iter().product(),
        rows: shape[first..=last].iter().product(),
        cols: shape[last + 1..].iter().product(),
    })
}

pub(crate) fn reduce_row<T: Elem>(f: ReduceFn, row: &[T]) -> f64 {
    let values = || row.iter().map(|v| v.to_f64());
    let n = row.len() as f64;
    match f {
        ReduceFn::Sum => pairwise_sum(&values().collect::<Vec<_>>()),
        ReduceFn::Prod => values().product(),
        ReduceFn::Mean => pairwise_sum(&values().collect::<Vec<_>>()) / n,
        ReduceFn::Var { ddof } | ReduceFn::Std { ddof } => {
            let v: Vec<f64> = values().collect();
            let mean = pairwise_sum(&v) / n;
            let squares: Vec<f64> = v.iter().map(|x| (x - mean) * (x - mean)).collect();
            let var = pairwise_sum(&squares) / (n - ddof).max(0.0);
            if matches!(f, ReduceFn::Std { .. }) {
                var.sqrt()
            } else {
                var
            }
        }
        // nan wins, as in NumPy.
        ReduceFn::Min => {
            values().fold(f64::INFINITY, |m, x| if x.is_nan() || m.is_nan() { f64::NAN } else { m.min(x) })
        }
        ReduceFn::Max => {
            values().fold(f64::NEG_INFINITY, |m, x| if x.is_nan() || m.is_nan() { f64::NAN } else { m.max(x) })
        }
        ReduceFn::ArgMin | ReduceFn::ArgMax => {
            let mut best = 0usize;
            for (i, &v) in row.iter().enumerate() {
                let (x, b) = (v.to_f64(), row[best].to_f64());
                if b.is_nan() {
                    break;
                }
                let better = if f == ReduceFn::ArgMin { x < b } else { x > b };
                if x.is_nan() || better {
                    best = i;
                }
            }
            best as f64
        }
        ReduceFn::All => f64::from(u8::from(values().all(|x| x != 0.0))),
        ReduceFn::Any => f64::from(u8::from(values().any(|x| x != 0.0))),
        ReduceFn::CountNonzero => values().filter(|&x| x != 0.0).count() as f64,
    }
}

/// Min and max keep the input dtype exactly (an int64 beyond 2**53 must not pass
/// through a float): they are recomputed here for integer inputs.
fn reduce_exact_extreme(f: ReduceFn, data: &ArrayData, axes: &[usize], out_shape: &[usize]) -> Option<ArrayData> {
    let ArrayData::I64(a) = data else { return None };
    let (flat, inner) = rows(a, axes);
    let outer = out_shape.iter().product::<usize>();
    let values: Vec<i64> = (0..outer)
        .map(|r| {
            let row = flat[r * inner..(r + 1) * inner].iter().copied();
            if f == ReduceFn::Min {
                row.min().unwrap_or(0)
            } else {
                row.max().unwrap_or(0)
            }
        })
        .collect();
    Some(ArrayData::I64(Nd::from_shape_vec(IxDyn(out_shape), values).expect("out shape")))
}

pub fn scan(f: ScanFn, data: &ArrayData, axis: usize, out: DType) -> ArrayData {
    with_dtype!(out, T => {
        let mut a = T::cast_from(data).into_owned();
        for mut lane in a.lanes_mut(Axis(axis)) {
            let mut acc: Option<T> = None;
            for v in lane.iter_mut() {
                let next = match acc {
                    None => *v,
                    Some(prev) => combine(f, prev, *v),
                };
                *v = next;
                acc = Some(next);
            }
        }
        T::wrap(a.into_shared())
    })
}

/// `scan` along the first axis, each lane starting from the value of `seed` (a
/// row of the same width) at its place when given: the scan continued from
/// earlier rows whose last row was `seed`.
pub fn scan_from(f: ScanFn, data: &ArrayData, seed: Option<&ArrayData>) -> ArrayData {
    let Some(seed) = seed else { return scan(f, data, 0, data.dtype()) };
    with_dtype!(data.dtype(), T => {
        let mut a = T::cast_from(data).into_owned();
        let seed = T::cast_from(seed);
        for (mut lane, &start) in a.lanes_mut(Axis(0)).into_iter().zip(seed.iter()) {
            let mut acc = start;
            for v in lane.iter_mut() {
                acc = combine(f, acc, *v);
                *v = acc;
            }
        }
        T::wrap(a.into_shared())
    })
}

fn combine<T: Elem>(f: ScanFn, a: T, b: T) -> T {
    if T::DTYPE.is_float() {
        let (x, y) = (a.to_f64(), b.to_f64());
        T::from_f64(if f == ScanFn::CumSum { x + y } else { x * y })
    } else {
        let (x, y) = (a.to_scalar().to_i64(), b.to_scalar().to_i64());
        T::from_i64(if f == ScanFn::CumSum { x.wrapping_add(y) } else { x.wrapping_mul(y) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variances_down_columns_equal_each_columns_own_bit_for_bit() {
        let (rows, cols) = (300, 70);
        let values: Vec<f64> = (0..rows * cols).map(|i| ((i * 7919) % 1013) as f64 / 97.0 - 5.0).collect();
        let a = Nd::from_shape_vec(IxDyn(&[rows, cols]), values.clone()).unwrap();
        for f in [ReduceFn::Var { ddof: 0.0 }, ReduceFn::Std { ddof: 1.0 }, ReduceFn::Mean] {
            let ArrayData::F64(got) = reduce(f, &ArrayData::F64(a.clone()), &[0], &[cols], DType::Float64) else {
                panic!("float64 asked for")
            };
            for c in 0..cols {
                let column: Vec<f64> = (0..rows).map(|r| values[r * cols + c]).collect();
                assert_eq!(got[[c]].to_bits(), reduce_row(f, &column).to_bits(), "{f:?} column {c}");
            }
        }
    }
}
