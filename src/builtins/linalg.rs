//! Linear algebra (spec section 7.6). Products build graph nodes; the solvers
//! compute their inputs when called, so a singular matrix is reported at the call.

use ndarray::IxDyn;

use super::convert::{array, Result as R};
use super::{Args, CallCtx, Registry};
use crate::diag::{Code, Diag};
use crate::exec::dense;
use crate::graph::build::{self, Operand};
use crate::graph::{Array, ArrayData, BinaryFn, DType, Elem, Nd, Node, ReduceFn};
use crate::interp::{arrays, Result, Value};
use crate::syntax::Span;

pub fn register(r: &mut Registry) {
    r.function(
        "dot(a, b)",
        "The matrix product `a @ b` (NumPy `matmul` rules; 1-D operands give inner products).",
        dot,
    );
    r.function("outer(a, b)", "The outer product: `out[i, j] = a[i] * b[j]` of the flattened inputs.", outer);
    r.function("inner(a, b)", "Sums of products over the last axes of `a` and `b`.", inner);
    r.function("trace(a)", "The sum of the main diagonal of a 2-D array.", trace);
    r.function("kron(a, b)", "The Kronecker product of two 2-D (or 1-D) arrays.", kron);
    r.function("solve(a, b)", "The `x` with `a @ x == b`, by LU with partial pivoting.", solve);
    r.function("inv(a)", "The inverse of a square matrix.", inv);
    r.function("det(a)", "The determinant of a square matrix.", det);
    r.function(
        "cholesky(a)",
        "The lower-triangular `L` with `L @ L.T == a`, for a symmetric positive definite `a`.",
        cholesky,
    );
    r.function("qr(a)", "The reduced QR factorization `(q, r)` with `q @ r == a`.", qr);
    r.function("lstsq(a, b)", "The least-squares solution `x` of `a @ x ≈ b`.", lstsq);
}

fn dot(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let (a, b) = (array(&mut args, 0)?, array(&mut args, 1)?);
    Ok(arrays::finish(build::matmul(&a, &b, args.call_span)?)?)
}

fn outer(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let span = args.call_span;
    let a = build::reshape(&array(&mut args, 0)?, &[-1, 1], span)?;
    let b = build::reshape(&array(&mut args, 1)?, &[1, -1], span)?;
    Ok(arrays::finish(build::binary(BinaryFn::Mul, Operand::Array(a), Operand::Array(b), span)?)?)
}

fn inner(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let span = args.call_span;
    let (a, b) = (array(&mut args, 0)?, array(&mut args, 1)?);
    if a.ndim() == 0 || b.ndim() == 0 {
        return Ok(arrays::finish(build::binary(BinaryFn::Mul, Operand::Array(a), Operand::Array(b), span)?)?);
    }
    // inner(a, b) == a @ swap(b's last two axes), with b's last axis as the shared one.
    let b = if b.ndim() >= 2 {
        let mut perm: Vec<usize> = (0..b.ndim()).collect();
        perm.swap(b.ndim() - 1, b.ndim() - 2);
        build::transpose(&b, perm, span)
    } else {
        b
    };
    Ok(arrays::finish(build::matmul(&a, &b, span)?)?)
}

fn trace(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let a = array(&mut args, 0)?;
    let span = args.call_span;
    if a.ndim() != 2 {
        return Err(Diag::new(Code::Value, args.span(0), "`trace` needs a 2-D array", format!("{}-D", a.ndim())).into());
    }
    let (rows, cols) = (a.shape[0], a.shape[1]);
    let mask = super::creation::triangle_mask(rows, cols, 0, true, span)?;
    let upper = super::creation::triangle_mask(rows, cols, 0, false, span)?;
    let diagonal = build::binary(BinaryFn::LogicalAnd, Operand::Array(mask), Operand::Array(upper), span)?;
    let zero = Operand::Scalar(crate::graph::Scalar::Int(0));
    let kept = build::where_(Operand::Array(diagonal), Operand::Array(a.clone()), zero, span)?;
    let kept = build::cast(&kept, a.dtype, span);
    Ok(arrays::finish(build::reduce(ReduceFn::Sum, &kept, None, false, span)?)?)
}

fn kron(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let span = args.call_span;
    let (a, b) = (array(&mut args, 0)?, array(&mut args, 1)?);
    let as_2d = |x: &Array| -> R<Array> {
        match x.ndim() {
            0 => build::reshape(x, &[1, 1], span),
            1 => build::reshape(x, &[1, x.shape[0] as i64], span),
            2 => Ok(x.clone()),
            _ => Err(Diag::new(Code::Value, span, "`kron` takes 1-D or 2-D arrays", "too many dimensions")),
        }
    };
    let one_d = a.ndim() <= 1 && b.ndim() <= 1;
    let (a2, b2) = (as_2d(&a)?, as_2d(&b)?);
    let (na, ma, nb, mb) = (a2.shape[0] as i64, a2.shape[1] as i64, b2.shape[0] as i64, b2.shape[1] as i64);
    let a4 = build::reshape(&a2, &[na, 1, ma, 1], span)?;
    let b4 = build::reshape(&b2, &[1, nb, 1, mb], span)?;
    let product = build::binary(BinaryFn::Mul, Operand::Array(a4), Operand::Array(b4), span)?;
    let shape: Vec<i64> = if one_d { vec![ma * mb] } else { vec![na * nb, ma * mb] };
    Ok(arrays::finish(build::reshape(&product, &shape, span)?)?)
}

/// A square or rectangular float64 matrix argument, computed now.
fn matrix(args: &mut Args, i: usize, what: &str) -> R<(Vec<f64>, usize, usize)> {
    let a = array(args, i)?;
    let span = args.span(i);
    if a.ndim() != 2 {
        return Err(Diag::new(
            Code::Value,
            span,
            format!("`{what}` needs a 2-D matrix, not an array of shape {}", crate::graph::shape::show(&a.shape)),
            "not a matrix",
        ));
    }
    let data = arrays::force(&a, span)?;
    let values: Vec<f64> = f64::cast_from(&data).iter().copied().collect();
    Ok((values, a.shape[0], a.shape[1]))
}

fn square(args: &mut Args, i: usize, what: &str) -> R<(Vec<f64>, usize)> {
    let (values, rows, cols) = matrix(args, i, what)?;
    if rows != cols {
        return Err(Diag::new(
            Code::Shape,
            args.span(i),
            format!("`{what}` needs a square matrix, not {rows} × {cols}"),
            "not square",
        ));
    }
    Ok((values, rows))
}

fn result(values: Vec<f64>, shape: &[usize], span: Span) -> Value {
    Value::Array(Node::from_data(ArrayData::F64(Nd::from_shape_vec(IxDyn(shape), values).expect("shape")), span))
}

fn singular(span: Span, why: String) -> Box<crate::interp::Unwind> {
    Diag::new(Code::Value, span, why, "in this call").into()
}

/// The right-hand side `b` (1-D or 2-D) as row-major columns.
fn rhs(args: &mut Args, i: usize, rows: usize) -> R<(Vec<f64>, usize, bool)> {
    let b = array(args, i)?;
    let span = args.span(i);
    if b.ndim() == 0 || b.ndim() > 2 || b.shape[0] != rows {
        return Err(Diag::new(
            Code::Shape,
            span,
            format!(
                "the right-hand side of shape {} does not fit a matrix with {rows} rows",
                crate::graph::shape::show(&b.shape)
            ),
            "shapes do not fit",
        ));
    }
    let data = arrays::force(&b, span)?;
    let cols = if b.ndim() == 1 { 1 } else { b.shape[1] };
    Ok((f64::cast_from(&data).iter().copied().collect(), cols, b.ndim() == 1))
}

fn solve(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let (a, n) = square(&mut args, 0, "solve")?;
    let (b, cols, vector) = rhs(&mut args, 1, n)?;
    let lu = dense::lu(&a, n).map_err(|why| singular(args.call_span, why))?;
    let x = lu.solve(&b, cols);
    let shape = if vector { vec![n] } else { vec![n, cols] };
    Ok(result(x, &shape, args.call_span))
}

fn inv(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let (a, n) = square(&mut args, 0, "inv")?;
    let lu = dense::lu(&a, n).map_err(|why| singular(args.call_span, why))?;
    let identity: Vec<f64> = (0..n * n).map(|k| if k / n == k % n { 1.0 } else { 0.0 }).collect();
    Ok(result(lu.solve(&identity, n), &[n, n], args.call_span))
}

fn det(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let (a, n) = square(&mut args, 0, "det")?;
    let d = ArrayData::scalar(crate::graph::Scalar::Float(dense::det(&a, n)), DType::Float64);
    Ok(Value::Array(Node::from_data(d, args.call_span)))
}

fn cholesky(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let (a, n) = square(&mut args, 0, "cholesky")?;
    let l = dense::cholesky(&a, n).map_err(|why| singular(args.call_span, why))?;
    Ok(result(l, &[n, n], args.call_span))
}

fn qr(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let (a, m, n) = matrix(&mut args, 0, "qr")?;
    let (q, r) = dense::qr(&a, m, n);
    let k = m.min(n);
    Ok(arrays::rc_tuple(vec![result(q, &[m, k], args.call_span), result(r, &[k, n], args.call_span)]))
}

fn lstsq(_: &mut CallCtx, mut args: Args) -> Result<Value> {
    let (a, m, n) = matrix(&mut args, 0, "lstsq")?;
    let (b, cols, vector) = rhs(&mut args, 1, m)?;
    let x = dense::lstsq(&a, m, n, &b, cols).map_err(|why| singular(args.call_span, why))?;
    let shape = if vector { vec![n] } else { vec![n, cols] };
    Ok(result(x, &shape, args.call_span))
}
