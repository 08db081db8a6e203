//! Matrix products: a GEMM per pair of matrices (ndarray's, backed by the
//! `matrixmultiply` kernels) for floats, a plain loop for ints.

use ndarray::{s, Array2, ArrayView2, Axis, Ix2, IxDyn};

use crate::graph::{ArrayData, Elem, Nd};
use crate::with_dtype;

/// Views an operand as a stack of matrices `(batch, rows, cols)`; a 1-D left operand
/// is a row, a 1-D right operand a column.
fn as_batch<T: Elem>(a: &Nd<T>, right: bool, batch_shape: &[usize]) -> Vec<Array2<T>> {
    let a = match (a.ndim(), right) {
        (1, false) => a.view().insert_axis(Axis(0)).into_dyn(),
        (1, true) => a.view().insert_axis(Axis(1)).into_dyn(),
        _ => a.view(),
    };
    let core = &a.shape()[a.ndim() - 2..];
    let mut full = batch_shape.to_vec();
    full.extend_from_slice(core);
    let b = a.broadcast(IxDyn(&full)).expect("batch axes broadcast at build");
    let count: usize = batch_shape.iter().product();
    let flat = b
        .as_standard_layout()
        .into_owned()
        .into_shape_with_order(IxDyn(&[count, core[0], core[1]]))
        .expect("same size");
    (0..count).map(|i| flat.index_axis(Axis(0), i).into_dimensionality::<Ix2>().expect("2-D").to_owned()).collect()
}

fn product<T: Elem + std::ops::Add<Output = T> + std::ops::Mul<Output = T>>(
    x: ArrayView2<T>,
    y: ArrayView2<T>,
) -> Array2<T> {
    let (n, k, m) = (x.nrows(), x.ncols(), y.ncols());
    let mut out = Array2::<T>::from_elem((n, m), T::default());
    for i in 0..n {
        for p in 0..k {
            let xv = x[[i, p]];
            let row = y.slice(s![p, ..]);
            for (o, &yv) in out.slice_mut(s![i, ..]).iter_mut().zip(row.iter()) {
                *o = *o + xv * yv;
            }
        }
    }
    out
}

pub fn matmul(lhs: &ArrayData, rhs: &ArrayData, out_shape: &[usize]) -> ArrayData {
    let a_core = if lhs.shape().len() == 1 { 1 } else { 2 };
    let b_core = if rhs.shape().len() == 1 { 1 } else { 2 };
    let batch_len = out_shape.len() - usize::from(a_core == 2) - usize::from(b_core == 2);
    let batch_shape = &out_shape[..batch_len];
    let run = |data: Vec<f64>| ArrayData::F64(Nd::from_shape_vec(IxDyn(out_shape), data).expect("matmul shape"));
    match (lhs, rhs) {
        (ArrayData::F64(a), ArrayData::F64(b)) => {
            let (xs, ys) = (as_batch(a, false, batch_shape), as_batch(b, true, batch_shape));
            let mut data = Vec::new();
            for (x, y) in xs.iter().zip(&ys) {
                let mut c = Array2::<f64>::zeros((x.nrows(), y.ncols()));
                ndarray::linalg::general_mat_mul(1.0, x, y, 0.0, &mut c);
                data.extend(c.iter().copied());
            }
            run(data)
        }
        (ArrayData::F32(a), ArrayData::F32(b)) => {
            let (xs, ys) = (as_batch(a, false, batch_shape), as_batch(b, true, batch_shape));
            let mut data = Vec::new();
            for (x, y) in xs.iter().zip(&ys) {
                let mut c = Array2::<f32>::zeros((x.nrows(), y.ncols()));
                ndarray::linalg::general_mat_mul(1.0, x, y, 0.0, &mut c);
                data.extend(c.iter().copied());
            }
            ArrayData::F32(Nd::from_shape_vec(IxDyn(out_shape), data).expect("matmul shape"))
        }
        _ => with_dtype!(lhs.dtype(), T => {
            let (a, b) = (i64::cast_from(lhs), i64::cast_from(rhs));
            let (xs, ys) = (as_batch(&a, false, batch_shape), as_batch(&b, true, batch_shape));
            let mut data: Vec<i64> = Vec::new();
            for (x, y) in xs.iter().zip(&ys) {
                data.extend(product(x.view(), y.view()).iter().copied());
            }
            let out = ArrayData::I64(Nd::from_shape_vec(IxDyn(out_shape), data).expect("matmul shape"));
            out.cast(T::DTYPE)
        }),
    }
}
