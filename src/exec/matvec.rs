//! Products with one right-hand column (`A @ v`, `transpose(A) @ v`, `dot(a, b)`)
//! read the matrix once, straight from its buffer. The `gemm` kernels pack their
//! operands first, which costs more than such a product (a dot of two
//! 20000-element vectors took 88 us), and a matrix-vector product is limited by
//! memory speed, not arithmetic.
//!
//! Both paths are deterministic: how the work is split depends on the shapes,
//! never on the number of threads.

use ndarray::{s, ArrayView1, ArrayView2};
use rayon::prelude::*;

use super::matmul::Float;

/// Products at least this large (m * k) are spread over the threads.
pub const PARALLEL_PRODUCT: usize = 1 << 16;

/// Rows of `A` per task of a parallel `A @ v`.
const ROWS_PER_TASK: usize = 256;

/// The dot of two equally long slices: four running sums over groups of four,
/// then the rest.
#[inline(always)]
pub fn portable_dot<T: Float>(r: &[T], c: &[T], zero: T) -> T {
    let (r4, c4) = (r.chunks_exact(4), c.chunks_exact(4));
    let tail: T = r4.remainder().iter().zip(c4.remainder()).fold(zero, |s, (&a, &b)| s + a * b);
    let mut sums = [zero; 4];
    for (a, b) in r4.zip(c4) {
        for j in 0..4 {
            sums[j] = sums[j] + a[j] * b[j];
        }
    }
    ((sums[0] + sums[1]) + (sums[2] + sums[3])) + tail
}

/// `portable_dot` for f64 with AVX2: its four running sums are the four lanes
/// of one vector, so the result is the same bit for bit (multiplies and adds
/// stay separate: no fused multiply-add).
///
/// # Safety
/// The CPU must have AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
pub unsafe fn dot_f64_avx2(r: &[f64], c: &[f64]) -> f64 {
    use std::arch::x86_64::{_mm256_add_pd, _mm256_loadu_pd, _mm256_mul_pd, _mm256_setzero_pd, _mm256_storeu_pd};
    let n = r.len().min(c.len());
    let whole = n - n % 4;
    let tail = (whole..n).fold(0.0, |s, i| s + r[i] * c[i]);
    let mut acc = _mm256_setzero_pd();
    let mut i = 0;
    while i < whole {
        // SAFETY: i + 4 <= whole <= n, the length of both slices.
        let (a, b) = unsafe { (_mm256_loadu_pd(r.as_ptr().add(i)), _mm256_loadu_pd(c.as_ptr().add(i))) };
        acc = _mm256_add_pd(acc, _mm256_mul_pd(a, b));
        i += 4;
    }
    let mut sums = [0.0; 4];
    // SAFETY: `sums` holds four f64.
    unsafe { _mm256_storeu_pd(sums.as_mut_ptr(), acc) };
    ((sums[0] + sums[1]) + (sums[2] + sums[3])) + tail
}

/// `portable_dot` of `n` elements read at strides `sa` and `sb` (a column of a matrix,
/// `dot(q[:, i], v)`): the same sums in the same order, so a strided vector
/// gives the same result as a copy of it.
///
/// # Safety
/// `a + i * sa` and `b + i * sb` must be valid reads for every `i < n`.
unsafe fn strided_dot<T: Float>(a: *const T, sa: isize, b: *const T, sb: isize, n: usize, zero: T) -> T {
    let at = |i: usize| unsafe { *a.offset(i as isize * sa) * *b.offset(i as isize * sb) };
    let whole = n - n % 4;
    let tail = (whole..n).fold(zero, |s, i| s + at(i));
    let mut sums = [zero; 4];
    for i in (0..whole).step_by(4) {
        for (j, sum) in sums.iter_mut().enumerate() {
            *sum = *sum + at(i + j);
        }
    }
    ((sums[0] + sums[1]) + (sums[2] + sums[3])) + tail
}

/// Dots at least this long are summed in blocks of `DOT_BLOCK` elements, the
/// blocks' sums added in order: the threads share the blocks of one long dot
/// (`dot(q[:, i], v)` down a column of 20000 rows is bound by the latency of
/// its strided loads, and took 53 us on one thread; OpenBLAS uses two), and
/// every dot this long sums in the same order whatever the threads, the layout
/// or whether it is a row of a larger product.
const DOT_BLOCK: usize = 4096;
const LONG_DOT: usize = 4 * DOT_BLOCK;

/// The dot of two equally long vectors, contiguous or strided.
fn view_dot<T: Float>(a: ArrayView1<T>, b: ArrayView1<T>, zero: T) -> T {
    match (a.as_slice(), b.as_slice()) {
        (Some(r), Some(c)) => T::dot(r, c),
        // SAFETY: both views are live, of `a.len()` elements at their strides.
        _ => unsafe { strided_dot(a.as_ptr(), a.strides()[0], b.as_ptr(), b.strides()[0], a.len(), zero) },
    }
}

/// `view_dot`, in blocks when the vectors are long (see `DOT_BLOCK`), the
/// blocks spread over the threads when `parallel`.
fn dot<T: Float>(a: ArrayView1<T>, b: ArrayView1<T>, zero: T, parallel: bool) -> T {
    let n = a.len();
    if n < LONG_DOT {
        return view_dot(a, b, zero);
    }
    let block = |i: usize| {
        let (start, end) = (i * DOT_BLOCK, ((i + 1) * DOT_BLOCK).min(n));
        view_dot(a.slice(s![start..end]), b.slice(s![start..end]), zero)
    };
    let blocks = n.div_ceil(DOT_BLOCK);
    let sums: Vec<T> =
        if parallel { (0..blocks).into_par_iter().map(block).collect() } else { (0..blocks).map(block).collect() };
    sums.into_iter().fold(zero, |s, x| s + x)
}

/// `out[i]` = the dot of row `i` of `rows` (consecutive rows as long as `c`)
/// with `c`, on this thread: a block of `A @ v`.
pub fn row_dots<T: Float>(rows: &[T], c: &[T], out: &mut [T], zero: T) {
    out.iter_mut().zip(rows.chunks_exact(c.len())).for_each(|(o, row)| *o = dot(row.into(), c.into(), zero, false));
}

/// `out = x @ y` for a one-column `y` when `x`'s rows are contiguous (or it has
/// one row, or one column): a dot of each row with the column.
pub fn matrix_vector<T: Float>(x: &ArrayView2<T>, y: &ArrayView2<T>, out: &mut [T], zero: T) {
    let column = y.column(0);
    let k = x.ncols();
    if x.nrows() == 1 {
        out[0] = dot(x.row(0), column, zero, k >= LONG_DOT);
        return;
    }
    let parallel = x.nrows() * k >= PARALLEL_PRODUCT;
    // The common case, a row-major matrix and a contiguous vector: rows are
    // consecutive slices of one buffer.
    if let (Some(rows), Some(c)) = (x.as_slice(), column.as_slice()) {
        if k == 0 {
            out.iter_mut().for_each(|o| *o = zero);
            return;
        }
        let task = |(o, rows): (&mut [T], &[T])| row_dots(rows, c, o, zero);
        if parallel {
            out.par_chunks_mut(ROWS_PER_TASK).zip(rows.par_chunks(ROWS_PER_TASK * k)).for_each(task);
        } else {
            task((out, rows));
        }
        return;
    }
    let row_dot = |i: usize| -> T { dot(x.row(i), column, zero, false) };
    if parallel {
        out.par_iter_mut().enumerate().for_each(|(i, o)| *o = row_dot(i));
    } else {
        out.iter_mut().enumerate().for_each(|(i, o)| *o = row_dot(i));
    }
}

/// The most outputs of a transposed product computed by adding scaled rows:
/// each block of rows keeps a partial result this long.
const MAX_TRANSPOSED_OUT: usize = 4096;

/// `out = x @ y` for a one-column `y` when `x` is the transpose of a row-major
/// matrix `a` (`transpose(a) @ v`, the gradient `X^T r`): `out = sum_p v[p] *
/// a[p, :]`, adding scaled rows of `a` in blocks (in parallel, one partial
/// result per block), then the blocks' partials in order. False (nothing
/// written) when `x` is not such a view or its result is too long for partials.
pub fn transposed_matrix_vector<T: Float>(x: &ArrayView2<T>, y: &ArrayView2<T>, out: &mut [T], zero: T) -> bool {
    let (m, k) = (x.nrows(), x.ncols());
    let (strides, column) = (x.strides(), y.column(0));
    let contiguous_rows_of_a = m > 1 && k > 1 && strides[0] == 1 && strides[1] == m as isize;
    let Some(v) = column.as_slice() else { return false };
    if !contiguous_rows_of_a || m > MAX_TRANSPOSED_OUT {
        return false;
    }
    // SAFETY: `x` views k rows of m contiguous elements, row p at p * m (its
    // strides say so), all inside one live buffer.
    let a = unsafe { std::slice::from_raw_parts(x.as_ptr(), m * k) };
    let block = transposed_block(k);
    let partial = |(b, rows): (usize, &[T])| scaled_row_sum(rows, m, &v[b * block..], zero);
    let partials: Vec<Vec<T>> = if m * k >= PARALLEL_PRODUCT {
        a.par_chunks(block * m).enumerate().map(partial).collect()
    } else {
        a.chunks(block * m).enumerate().map(partial).collect()
    };
    add_in_order(&partials, out, zero);
    true
}

/// Rows of `a` per block of `transpose(a) @ v` when `a` has `rows` rows: at
/// least 16 blocks when there are enough rows, so both halves of the work can
/// be shared; never fewer than 64 rows a block.
pub fn transposed_block(rows: usize) -> usize {
    (rows / 16).clamp(64, 4096)
}

/// `sum_p scales[p] * rows[p]` of consecutive rows of `m` elements: one block's
/// partial result of a transposed product.
pub fn scaled_row_sum<T: Float>(rows: &[T], m: usize, scales: &[T], zero: T) -> Vec<T> {
    let mut acc = vec![zero; m];
    for (row, &scale) in rows.chunks_exact(m).zip(scales) {
        acc.iter_mut().zip(row).for_each(|(s, &a)| *s = *s + scale * a);
    }
    acc
}

/// `out` = the blocks' partial results added in block order.
pub fn add_in_order<T: Float>(partials: &[Vec<T>], out: &mut [T], zero: T) {
    out.iter_mut().for_each(|o| *o = zero);
    for p in partials {
        out.iter_mut().zip(p).for_each(|(o, &s)| *o = *o + s);
    }
}

#[cfg(test)]
mod tests {
    use ndarray::{Array2, ShapeBuilder};

    use super::*;

    /// Deterministic values in [-1, 1).
    fn values(n: usize, seed: u64) -> Vec<f64> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                (s >> 11) as f64 / (1u64 << 52) as f64 - 1.0
            })
            .collect()
    }

    fn naive(x: &ArrayView2<f64>, v: &[f64]) -> Vec<f64> {
        x.rows().into_iter().map(|row| row.iter().zip(v).map(|(a, b)| a * b).sum()).collect()
    }

    #[test]
    fn both_paths_agree_with_a_plain_loop() {
        // Shapes around the block sizes and the parallel threshold, with
        // lengths that leave remainders of four.
        for &(m, k) in &[(1, 7), (3, 5), (16, 200_003), (17, 1001), (1500, 1500), (4096, 33)] {
            let a = Array2::from_shape_vec((k, m), values(m * k, (m * k) as u64)).unwrap();
            let v = values(k, 7);
            let y = Array2::from_shape_vec((k, 1), v.clone()).unwrap();
            let x = a.t();
            let mut out = vec![f64::NAN; m];
            assert!(transposed_matrix_vector(&x, &y.view(), &mut out, 0.0) || m == 1, "{m}x{k} took the path");
            if m > 1 {
                for (got, want) in out.iter().zip(naive(&x, &v)) {
                    assert!((got - want).abs() <= 1e-9 * (1.0 + want.abs()), "{m}x{k}: {got} vs {want}");
                }
            }
            // The same matrix stored row-major, through the row dots.
            let rowwise = Array2::from_shape_vec((m, k).f(), a.iter().copied().collect()).unwrap();
            let rowwise = rowwise.as_standard_layout().to_owned();
            let mut out = vec![f64::NAN; m];
            matrix_vector(&rowwise.view(), &y.view(), &mut out, 0.0);
            for (got, want) in out.iter().zip(naive(&rowwise.view(), &v)) {
                assert!((got - want).abs() <= 1e-9 * (1.0 + want.abs()), "{m}x{k} rows: {got} vs {want}");
            }
        }
    }

    #[test]
    fn the_vector_dot_is_the_portable_dot_bit_for_bit() {
        for n in 0..70 {
            let (a, b) = (values(n, 3 + n as u64), values(n, 1000 + n as u64));
            let scaled: Vec<f64> = a.iter().map(|x| x * 1e6).collect();
            for r in [&a, &scaled] {
                assert_eq!(<f64 as Float>::dot(r, &b).to_bits(), portable_dot(r, &b, 0.0).to_bits(), "n = {n}");
            }
        }
    }

    #[test]
    fn a_long_dot_is_the_same_strided_or_copied_in_a_product_or_alone() {
        let (n, columns) = (3 * LONG_DOT + 5, 3);
        let m = Array2::from_shape_vec((n, columns), values(n * columns, 11)).unwrap();
        let v = values(n, 12);
        let y = Array2::from_shape_vec((n, 1), v.clone()).unwrap();
        let column = m.column(1);
        let copy = column.to_owned();
        let alone = |x: ArrayView2<f64>| {
            let mut out = [f64::NAN];
            matrix_vector(&x, &y.view(), &mut out, 0.0);
            out[0]
        };
        let strided = alone(column.insert_axis(ndarray::Axis(0)));
        let copied = alone(copy.view().insert_axis(ndarray::Axis(0)));
        assert_eq!(strided.to_bits(), copied.to_bits());
        // As a row of a two-row product, summed on one thread.
        let rows = ndarray::stack![ndarray::Axis(0), copy.view(), copy.view()];
        let mut both = [f64::NAN; 2];
        matrix_vector(&rows.view(), &y.view(), &mut both, 0.0);
        assert_eq!(both[0].to_bits(), copied.to_bits());
        let want: f64 = copy.iter().zip(&v).map(|(a, b)| a * b).sum();
        assert!((copied - want).abs() <= 1e-9 * want.abs());
    }

    #[test]
    fn a_transposed_product_with_a_long_result_is_left_to_gemm() {
        let a = Array2::<f64>::zeros((3, MAX_TRANSPOSED_OUT + 1));
        let y = Array2::<f64>::zeros((3, 1));
        let mut out = vec![0.0; MAX_TRANSPOSED_OUT + 1];
        assert!(!transposed_matrix_vector(&a.t(), &y.view(), &mut out, 0.0));
    }
}
