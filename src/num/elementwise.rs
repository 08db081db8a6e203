//! Elementwise kernels: unary functions, binary operators with broadcasting, and
//! `where`.

use ndarray::{IxDyn, Zip};

use crate::graph::{ArrayData, BinaryFn, DType, Elem, Nd, UnaryFn};
use crate::with_dtype;

/// `x`'s elements in order, when they are contiguous and already of `shape`.
fn contiguous<'x, A: Elem>(x: &'x Nd<A>, shape: &[usize]) -> Option<&'x [A]> {
    x.as_slice().filter(|_| x.shape() == shape)
}

/// Results at least this long are computed by `zip2_pure` on all threads.
const PARALLEL_ELEMENTS: usize = 1 << 16;

/// `zip2` for a function without side effects: a long contiguous result is
/// computed on all threads (integer arithmetic, which fused kernels leave to
/// these per-node kernels, is otherwise one thread's work).
fn zip2_pure<A: Elem, R: Elem>(a: &Nd<A>, b: &Nd<A>, shape: &[usize], f: impl Fn(A, A) -> R + Sync + Send) -> Nd<R> {
    use rayon::prelude::*;
    if shape.iter().product::<usize>() >= PARALLEL_ELEMENTS {
        let values: Option<Vec<R>> = match (contiguous(a, shape), contiguous(b, shape)) {
            (Some(x), Some(y)) => Some(x.par_iter().zip(y).map(|(&p, &q)| f(p, q)).collect()),
            (Some(x), None) if b.len() == 1 => {
                let q = *b.iter().next().expect("one element");
                Some(x.par_iter().map(|&p| f(p, q)).collect())
            }
            (None, Some(y)) if a.len() == 1 => {
                let p = *a.iter().next().expect("one element");
                Some(y.par_iter().map(|&q| f(p, q)).collect())
            }
            _ => None,
        };
        if let Some(values) = values {
            return Nd::from_shape_vec(IxDyn(shape), values).expect("shape");
        }
    }
    zip2(a, b, shape, f)
}

fn zip2<A: Elem, R: Elem>(a: &Nd<A>, b: &Nd<A>, shape: &[usize], mut f: impl FnMut(A, A) -> R) -> Nd<R> {
    // Fast paths over contiguous memory: same shapes, or one side a single value.
    // Iterating an n-dimensional view element by element is several times slower.
    let collect = |values: Vec<R>| Nd::from_shape_vec(IxDyn(shape), values).expect("shape");
    match (contiguous(a, shape), contiguous(b, shape)) {
        (Some(x), Some(y)) => return collect(x.iter().zip(y).map(|(&p, &q)| f(p, q)).collect()),
        (Some(x), None) if b.len() == 1 => {
            let q = *b.iter().next().expect("one element");
            return collect(x.iter().map(|&p| f(p, q)).collect());
        }
        (None, Some(y)) if a.len() == 1 => {
            let p = *a.iter().next().expect("one element");
            return collect(y.iter().map(|&q| f(p, q)).collect());
        }
        _ => {}
    }
    let av = a.broadcast(IxDyn(shape)).expect("broadcast checked at build");
    let bv = b.broadcast(IxDyn(shape)).expect("broadcast checked at build");
    Zip::from(&av).and(&bv).map_collect(|&x, &y| f(x, y)).into_shared()
}

/// Integer arithmetic as NumPy does it: wrapping, and 0 for division by zero.
trait IntOps: Elem {
    fn to_i64(self) -> i64;
}

impl IntOps for i32 {
    fn to_i64(self) -> i64 {
        self as i64
    }
}

impl IntOps for i64 {
    fn to_i64(self) -> i64 {
        self
    }
}

fn int_floordiv(a: i64, b: i64) -> i64 {
    if b == 0 {
        return 0;
    }
    let q = a.wrapping_div(b);
    if a.wrapping_rem(b) != 0 && ((a < 0) != (b < 0)) {
        q - 1
    } else {
        q
    }
}

fn int_mod(a: i64, b: i64) -> i64 {
    if b == 0 {
        return 0;
    }
    let m = a.wrapping_rem(b);
    if m != 0 && ((m < 0) != (b < 0)) {
        m + b
    } else {
        m
    }
}

fn int_pow(a: i64, b: i64) -> Result<i64, String> {
    if b < 0 {
        return Err("integers to negative integer powers are not allowed".into());
    }
    Ok(a.wrapping_pow(b.min(u32::MAX as i64) as u32))
}

fn compare<T: Elem>(f: BinaryFn, a: &Nd<T>, b: &Nd<T>, shape: &[usize]) -> Option<ArrayData> {
    let out = match f {
        BinaryFn::Eq => zip2_pure(a, b, shape, |x, y| x == y),
        BinaryFn::Ne => zip2_pure(a, b, shape, |x, y| x != y),
        BinaryFn::Lt => zip2_pure(a, b, shape, |x, y| x < y),
        BinaryFn::Le => zip2_pure(a, b, shape, |x, y| x <= y),
        BinaryFn::Gt => zip2_pure(a, b, shape, |x, y| x > y),
        BinaryFn::Ge => zip2_pure(a, b, shape, |x, y| x >= y),
        _ => return None,
    };
    Some(ArrayData::Bool(out))
}

fn int_binary<T: IntOps>(f: BinaryFn, a: &Nd<T>, b: &Nd<T>, shape: &[usize]) -> Result<ArrayData, String> {
    if let Some(out) = compare(f, a, b, shape) {
        return Ok(out);
    }
    // Generic over `g`, so each operation is compiled into its own loop.
    fn op<T: IntOps>(a: &Nd<T>, b: &Nd<T>, shape: &[usize], g: impl Fn(i64, i64) -> i64 + Sync + Send) -> ArrayData {
        T::wrap(zip2_pure(a, b, shape, |x, y| T::from_i64(g(x.to_i64(), y.to_i64()))))
    }
    Ok(match f {
        BinaryFn::Add => op(a, b, shape, i64::wrapping_add),
        BinaryFn::Sub => op(a, b, shape, i64::wrapping_sub),
        BinaryFn::Mul => op(a, b, shape, i64::wrapping_mul),
        BinaryFn::FloorDiv => op(a, b, shape, int_floordiv),
        BinaryFn::Mod => op(a, b, shape, int_mod),
        BinaryFn::BitAnd => op(a, b, shape, |x, y| x & y),
        BinaryFn::BitOr => op(a, b, shape, |x, y| x | y),
        BinaryFn::BitXor => op(a, b, shape, |x, y| x ^ y),
        BinaryFn::Minimum | BinaryFn::Fmin => op(a, b, shape, i64::min),
        BinaryFn::Maximum | BinaryFn::Fmax => op(a, b, shape, i64::max),
        BinaryFn::Pow => {
            let mut error = None;
            let out = zip2(a, b, shape, |x, y| match int_pow(x.to_i64(), y.to_i64()) {
                Ok(v) => T::from_i64(v),
                Err(e) => {
                    error.get_or_insert(e);
                    T::default()
                }
            });
            // `zip2` borrows `error` through the closure; read it afterwards.
            if let Some(e) = error {
                return Err(e);
            }
            T::wrap(out)
        }
        other => unreachable!("{other:?} does not compute in an integer dtype"),
    })
}

/// `g` applied in f64 (exact for float32's +, -, *, / and sqrt, which round once
/// to float32 afterwards). Generic over `g` so every kernel is compiled on its own,
/// with no call through a pointer per element.
fn float_zip<T: Elem>(a: &Nd<T>, b: &Nd<T>, shape: &[usize], g: impl Fn(f64, f64) -> f64 + Sync + Send) -> ArrayData {
    T::wrap(zip2_pure(a, b, shape, |x, y| T::from_f64(g(x.to_f64(), y.to_f64()))))
}

fn float_binary<T: Elem>(f: BinaryFn, a: &Nd<T>, b: &Nd<T>, shape: &[usize]) -> ArrayData {
    if let Some(out) = compare(f, a, b, shape) {
        return out;
    }
    crate::with_float_binary!(f, g => float_zip(a, b, shape, g), _ => unreachable!("{f:?} does not compute in a float dtype"))
}

fn bool_binary(f: BinaryFn, a: &Nd<bool>, b: &Nd<bool>, shape: &[usize]) -> ArrayData {
    if let Some(out) = compare(f, a, b, shape) {
        return out;
    }
    ArrayData::Bool(match f {
        BinaryFn::BitAnd | BinaryFn::LogicalAnd | BinaryFn::Minimum | BinaryFn::Fmin => zip2(a, b, shape, |x, y| x & y),
        BinaryFn::BitOr | BinaryFn::LogicalOr | BinaryFn::Maximum | BinaryFn::Fmax => zip2(a, b, shape, |x, y| x | y),
        BinaryFn::BitXor => zip2(a, b, shape, |x, y| x ^ y),
        other => unreachable!("{other:?} does not compute in bool"),
    })
}

/// `f(a, b)` with both operands cast to `compute` and broadcast to `shape`.
pub fn binary(f: BinaryFn, compute: DType, a: &ArrayData, b: &ArrayData, shape: &[usize]) -> Result<ArrayData, String> {
    let (a, b) = (a.cast(compute), b.cast(compute));
    match (&a, &b) {
        (ArrayData::Bool(x), ArrayData::Bool(y)) => Ok(bool_binary(f, x, y, shape)),
        (ArrayData::I32(x), ArrayData::I32(y)) => int_binary(f, x, y, shape),
        (ArrayData::I64(x), ArrayData::I64(y)) => int_binary(f, x, y, shape),
        (ArrayData::F32(x), ArrayData::F32(y)) => Ok(float_binary(f, x, y, shape)),
        (ArrayData::F64(x), ArrayData::F64(y)) => Ok(float_binary(f, x, y, shape)),
        _ => unreachable!("both operands were cast to {compute:?}"),
    }
}

/// `g` over every element, computed in f64; generic so each function is inlined.
fn float_map<T: Elem>(x: &Nd<T>, g: impl Fn(f64) -> f64) -> Nd<T> {
    x.mapv(|v| T::from_f64(g(v.to_f64()))).into_shared()
}

fn float_unary<T: Elem>(f: UnaryFn, x: &Nd<T>) -> Nd<T> {
    crate::with_float_unary!(f, g => float_map(x, g), _ => unreachable!("{f:?} is handled by the caller"))
}

pub fn unary(f: UnaryFn, a: &ArrayData, out: DType) -> ArrayData {
    use UnaryFn::*;
    match f {
        IsNan | IsInf | IsFinite => {
            let test: fn(f64) -> bool = match f {
                IsNan => f64::is_nan,
                IsInf => f64::is_infinite,
                _ => f64::is_finite,
            };
            return with_dtype!(a.dtype(), T => {
                let x = T::cast_from(a);
                ArrayData::Bool(x.mapv(|v| test(v.to_f64())).into_shared())
            });
        }
        _ => {}
    }
    match a.cast(out) {
        ArrayData::Bool(x) => ArrayData::Bool(match f {
            BitNot => x.mapv(|v| !v).into_shared(),
            _ => x,
        }),
        ArrayData::I32(x) => ArrayData::I32(x.mapv(|v| int_unary(f, v as i64) as i32).into_shared()),
        ArrayData::I64(x) => ArrayData::I64(x.mapv(|v| int_unary(f, v)).into_shared()),
        ArrayData::F32(x) => ArrayData::F32(float_unary(f, &x)),
        ArrayData::F64(x) => ArrayData::F64(float_unary(f, &x)),
    }
}

fn int_unary(f: UnaryFn, x: i64) -> i64 {
    match f {
        UnaryFn::Neg => x.wrapping_neg(),
        UnaryFn::Abs => x.wrapping_abs(),
        UnaryFn::Sign => x.signum(),
        UnaryFn::Square => x.wrapping_mul(x),
        UnaryFn::BitNot => !x,
        UnaryFn::Round(d) if d < 0 => crate::num::floatfns::round_decimals(x as f64, d) as i64,
        _ => x,
    }
}

/// `where(cond, x, y)`; `x` and `y` already share a dtype.
pub fn select(cond: &ArrayData, x: &ArrayData, y: &ArrayData, shape: &[usize]) -> ArrayData {
    let cond = bool::cast_from(cond);
    let c = cond.broadcast(IxDyn(shape)).expect("checked at build");
    with_dtype!(x.dtype(), T => {
        let (xa, ya) = (T::cast_from(x), T::cast_from(y));
        let xv = xa.broadcast(IxDyn(shape)).expect("checked at build");
        let yv = ya.broadcast(IxDyn(shape)).expect("checked at build");
        T::wrap(Zip::from(&c).and(&xv).and(&yv).map_collect(|&c, &x, &y| if c { x } else { y }).into_shared())
    })
}
