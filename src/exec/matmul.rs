//! Matrix products. Floats go to the `gemm` crate (a BLAS-class, multi-threaded
//! GEMM) straight from the operands' memory with their strides, so transposed
//! operands cost no copy; ints use a plain loop.

use ndarray::{s, Array2, ArrayView2, ArrayViewD, Axis, Ix2, IxDyn};

use super::matvec;
use crate::graph::{ArrayData, Elem, Nd};
use crate::with_dtype;

/// The operand with a 1-D left operand as a row and a 1-D right operand as a column.
fn as_matrix<T: Elem>(a: &Nd<T>, right: bool) -> ArrayViewD<'_, T> {
    match (a.ndim(), right) {
        (1, false) => a.view().insert_axis(Axis(0)).into_dyn(),
        (1, true) => a.view().insert_axis(Axis(1)).into_dyn(),
        _ => a.view(),
    }
}

/// The shape `batch + (rows, cols)` the operand is broadcast to.
fn batched_shape<T>(a: &ArrayViewD<'_, T>, batch_shape: &[usize]) -> Vec<usize> {
    let mut full = batch_shape.to_vec();
    full.extend_from_slice(&a.shape()[a.ndim() - 2..]);
    full
}

/// The `i`-th matrix (in C order of the batch index) of a batched view.
fn matrix_at<'a, T>(v: &ArrayViewD<'a, T>, batch_shape: &[usize], mut i: usize) -> ArrayView2<'a, T> {
    let mut position = vec![0; batch_shape.len()];
    for (p, &d) in position.iter_mut().zip(batch_shape).rev() {
        *p = i % d;
        i /= d;
    }
    let mut m = v.clone();
    for p in position {
        m = m.index_axis_move(Axis(0), p);
    }
    m.into_dimensionality::<Ix2>().expect("2-D")
}

/// `out = x @ y` (row-major `out`) with the system OpenBLAS, for operands whose
/// rows or columns are contiguous (others take the `gemm` path).
#[cfg(feature = "openblas")]
fn blas_into<T: Elem>(x: &ArrayView2<T>, y: &ArrayView2<T>, out: &mut [T]) -> bool {
    use std::any::TypeId;
    // CBLAS: row major = 101; no transpose = 111, transpose = 112.
    extern "C" {
        fn cblas_dgemm(
            layout: i32,
            ta: i32,
            tb: i32,
            m: i32,
            n: i32,
            k: i32,
            alpha: f64,
            a: *const f64,
            lda: i32,
            b: *const f64,
            ldb: i32,
            beta: f64,
            c: *mut f64,
            ldc: i32,
        );
        fn cblas_sgemm(
            layout: i32,
            ta: i32,
            tb: i32,
            m: i32,
            n: i32,
            k: i32,
            alpha: f32,
            a: *const f32,
            lda: i32,
            b: *const f32,
            ldb: i32,
            beta: f32,
            c: *mut f32,
            ldc: i32,
        );
    }
    // A matrix BLAS can read in place: rows contiguous (no transpose) or columns
    // contiguous (transpose), and its leading dimension.
    fn layout<T>(v: &ArrayView2<T>) -> Option<(i32, i32)> {
        let (r, c) = (v.strides()[0], v.strides()[1]);
        if c == 1 && r >= v.ncols().max(1) as isize {
            Some((111, r as i32))
        } else if r == 1 && c >= v.nrows().max(1) as isize {
            Some((112, c as i32))
        } else {
            None
        }
    }
    let (m, k, n) = (x.nrows(), x.ncols(), y.ncols());
    let (Some((ta, lda)), Some((tb, ldb))) = (layout(x), layout(y)) else { return false };
    if m == 0 || n == 0 || k == 0 || [m, n, k].iter().any(|&d| d > i32::MAX as usize) {
        return false;
    }
    // SAFETY: the views are live with the stated shapes and strides; `out` holds
    // m * n elements written row-major with leading dimension n; T is checked below.
    unsafe {
        if TypeId::of::<T>() == TypeId::of::<f64>() {
            cblas_dgemm(
                101,
                ta,
                tb,
                m as i32,
                n as i32,
                k as i32,
                1.0,
                x.as_ptr() as *const f64,
                lda,
                y.as_ptr() as *const f64,
                ldb,
                0.0,
                out.as_mut_ptr() as *mut f64,
                n as i32,
            );
        } else if TypeId::of::<T>() == TypeId::of::<f32>() {
            cblas_sgemm(
                101,
                ta,
                tb,
                m as i32,
                n as i32,
                k as i32,
                1.0,
                x.as_ptr() as *const f32,
                lda,
                y.as_ptr() as *const f32,
                ldb,
                0.0,
                out.as_mut_ptr() as *mut f32,
                n as i32,
            );
        } else {
            return false;
        }
    }
    true
}

/// The element types of float products.
pub trait Float: Elem + std::ops::Add<Output = Self> + std::ops::Mul<Output = Self> {
    /// The dot product of two equally long slices, as `matvec::portable_dot`
    /// computes it (the same operations in the same order), with the widest
    /// vector instructions the CPU has.
    fn dot(r: &[Self], c: &[Self]) -> Self;
}

impl Float for f32 {
    fn dot(r: &[f32], c: &[f32]) -> f32 {
        super::matvec::portable_dot(r, c, 0.0)
    }
}

impl Float for f64 {
    fn dot(r: &[f64], c: &[f64]) -> f64 {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, checked just above.
            return unsafe { super::matvec::dot_f64_avx2(r, c) };
        }
        super::matvec::portable_dot(r, c, 0.0)
    }
}

/// `out = x @ y` (row-major `out`) with the `gemm` kernels.
fn gemm_into<T: Float>(x: &ArrayView2<T>, y: &ArrayView2<T>, out: &mut [T], one: T, zero: T) {
    // Rows read in place; a transposed `x` (`transpose(a) @ v`) would be read
    // down its columns, once per row, which `gemm` does better.
    if y.ncols() == 1 && (x.nrows() <= 1 || x.ncols() <= 1 || x.strides()[1] == 1) {
        return matvec::matrix_vector(x, y, out, zero);
    }
    if y.ncols() == 1 && matvec::transposed_matrix_vector(x, y, out, zero) {
        return;
    }
    #[cfg(feature = "openblas")]
    if blas_into(x, y, out) {
        return;
    }
    let (m, k, n) = (x.nrows(), x.ncols(), y.ncols());
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        out.iter_mut().for_each(|v| *v = zero);
        return;
    }
    if m * n <= MAX_SPLIT_INNER_OUT && k >= MIN_SPLIT_INNER {
        return split_inner(x, y, out, one, zero);
    }
    gemm_call(x, y, out, one, zero, gemm::Parallelism::Rayon(0));
}

/// Products with a result this small (`transpose(X) @ X` of a tall, narrow
/// `X`) and an inner dimension this long are split along the inner dimension.
const MAX_SPLIT_INNER_OUT: usize = 128 * 128;
const MIN_SPLIT_INNER: usize = 1 << 14;

/// `out = x @ y` as a sum of products of blocks of the inner dimension, each
/// on one thread, added in order: `gemm` parallelizes over the result, which
/// a 32 x 32 Gram matrix does not have enough of. The blocks depend on the
/// shapes only, so the result does not depend on the thread count.
fn split_inner<T: Float>(x: &ArrayView2<T>, y: &ArrayView2<T>, out: &mut [T], one: T, zero: T) {
    use rayon::prelude::*;
    let k = x.ncols();
    let block = (k / 16).max(MIN_SPLIT_INNER / 16);
    let starts: Vec<usize> = (0..k).step_by(block).collect();
    let partials: Vec<Vec<T>> = starts
        .par_iter()
        .map(|&p| {
            let end = (p + block).min(k);
            let mut partial = vec![zero; out.len()];
            let (xb, yb) = (x.slice(s![.., p..end]), y.slice(s![p..end, ..]));
            gemm_call(&xb, &yb, &mut partial, one, zero, gemm::Parallelism::None);
            partial
        })
        .collect();
    out.iter_mut().for_each(|o| *o = zero);
    for partial in &partials {
        out.iter_mut().zip(partial).for_each(|(o, &v)| *o = *o + v);
    }
}

/// One call of the `gemm` crate: `out = x @ y`, row-major `out`, nonempty.
fn gemm_call<T: Float>(
    x: &ArrayView2<T>,
    y: &ArrayView2<T>,
    out: &mut [T],
    one: T,
    zero: T,
    parallelism: gemm::Parallelism,
) {
    let (m, k, n) = (x.nrows(), x.ncols(), y.ncols());
    let (xs, ys) = (x.strides(), y.strides());
    // SAFETY: the pointers and strides come from live ndarray views of the stated
    // shapes, `out` holds exactly m * n elements written row-major, and `T` is f32
    // or f64 (the only callers), which `gemm` supports.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            out.as_mut_ptr(),
            1,
            n as isize,
            false,
            x.as_ptr(),
            xs[1],
            xs[0],
            y.as_ptr(),
            ys[1],
            ys[0],
            zero,
            one,
            false,
            false,
            false,
            parallelism,
        );
    }
}

fn float_matmul<T: Float>(a: &Nd<T>, b: &Nd<T>, batch_shape: &[usize], out_shape: &[usize], one: T, zero: T) -> Nd<T> {
    let (am, bm) = (as_matrix(a, false), as_matrix(b, true));
    let av = am.broadcast(IxDyn(&batched_shape(&am, batch_shape))).expect("batch axes broadcast at build");
    let bv = bm.broadcast(IxDyn(&batched_shape(&bm, batch_shape))).expect("batch axes broadcast at build");
    let count: usize = batch_shape.iter().product();
    let block = am.shape()[am.ndim() - 2] * bm.shape()[bm.ndim() - 1];
    let mut data = vec![zero; count * block];
    for i in 0..count {
        let (x, y) = (matrix_at(&av, batch_shape, i), matrix_at(&bv, batch_shape, i));
        gemm_into(&x, &y, &mut data[i * block..(i + 1) * block], one, zero);
    }
    Nd::from_shape_vec(IxDyn(out_shape), data).expect("matmul shape")
}

fn int_product(x: ArrayView2<i64>, y: ArrayView2<i64>) -> Array2<i64> {
    let (n, k, m) = (x.nrows(), x.ncols(), y.ncols());
    let mut out = Array2::<i64>::zeros((n, m));
    for i in 0..n {
        for p in 0..k {
            let xv = x[[i, p]];
            for (o, &yv) in out.slice_mut(s![i, ..]).iter_mut().zip(y.slice(s![p, ..]).iter()) {
                *o = o.wrapping_add(xv.wrapping_mul(yv));
            }
        }
    }
    out
}

pub fn matmul(lhs: &ArrayData, rhs: &ArrayData, out_shape: &[usize]) -> ArrayData {
    // The dot of two contiguous vectors (a loop body's `dot(xi, w)`): straight
    // to the row dot the general path would reach, without its set-up.
    match (lhs, rhs) {
        (ArrayData::F64(a), ArrayData::F64(b)) if a.ndim() == 1 && b.ndim() == 1 => {
            if let (Some(x), Some(y)) = (a.as_slice(), b.as_slice()) {
                return ArrayData::F64(Nd::from_elem(IxDyn(&[]), <f64 as Float>::dot(x, y)));
            }
        }
        _ => {}
    }
    let core = usize::from(lhs.shape().len() > 1) + usize::from(rhs.shape().len() > 1);
    let batch_shape = &out_shape[..out_shape.len() - core];
    match (lhs, rhs) {
        (ArrayData::F64(a), ArrayData::F64(b)) => ArrayData::F64(float_matmul(a, b, batch_shape, out_shape, 1.0, 0.0)),
        (ArrayData::F32(a), ArrayData::F32(b)) => ArrayData::F32(float_matmul(a, b, batch_shape, out_shape, 1.0, 0.0)),
        _ => with_dtype!(lhs.dtype(), T => {
            let (a, b) = (i64::cast_from(lhs), i64::cast_from(rhs));
            let (am, bm) = (as_matrix(&a, false), as_matrix(&b, true));
            let av = am.broadcast(IxDyn(&batched_shape(&am, batch_shape))).expect("batch axes broadcast at build");
            let bv = bm.broadcast(IxDyn(&batched_shape(&bm, batch_shape))).expect("batch axes broadcast at build");
            let mut data: Vec<i64> = Vec::new();
            for i in 0..batch_shape.iter().product::<usize>() {
                let (x, y) = (matrix_at(&av, batch_shape, i), matrix_at(&bv, batch_shape, i));
                data.extend(int_product(x, y).iter().copied());
            }
            ArrayData::I64(Nd::from_shape_vec(IxDyn(out_shape), data).expect("matmul shape")).cast(T::DTYPE)
        }),
    }
}

#[cfg(test)]
mod tests {
    use ndarray::Array2;

    use super::*;

    #[test]
    fn a_product_split_along_its_inner_dimension_matches_a_plain_loop() {
        let k = MIN_SPLIT_INNER * 2 + 37;
        let x = Array2::from_shape_fn((5, k), |(i, p)| ((i * 31 + p * 17) % 101) as f64 / 101.0 - 0.5);
        let y = Array2::from_shape_fn((k, 3), |(p, j)| ((p * 13 + j * 7) % 89) as f64 / 89.0 - 0.5);
        let mut out = vec![f64::NAN; 15];
        gemm_into(&x.view(), &y.view(), &mut out, 1.0, 0.0);
        for i in 0..5 {
            for j in 0..3 {
                let want: f64 = (0..k).map(|p| x[[i, p]] * y[[p, j]]).sum();
                assert!((out[i * 3 + j] - want).abs() < 1e-9 * (1.0 + want.abs()), "{i},{j}");
            }
        }
    }
}
