//! Kernels that make arrays from nothing: ranges, identity matrices, random numbers.

use ndarray::IxDyn;
use rayon::prelude::*;

use crate::graph::{ArrayData, DType, Elem, Nd, RandomKind};
use crate::with_dtype;

pub fn arange(start: f64, step: f64, n: usize, dtype: DType) -> ArrayData {
    arange_rows(start, step, (0, n), dtype)
}

/// Elements `rows.0..rows.1` of `arange`.
pub fn arange_rows(start: f64, step: f64, rows: (usize, usize), dtype: DType) -> ArrayData {
    let len = rows.1 - rows.0;
    if dtype.is_int() {
        let (start, step) = (start as i64, step as i64);
        let values: Vec<i64> =
            (rows.0 as i64..rows.1 as i64).map(|i| start.wrapping_add(i.wrapping_mul(step))).collect();
        return ArrayData::I64(Nd::from_shape_vec(IxDyn(&[len]), values).expect("1-D")).cast(dtype);
    }
    let values: Vec<f64> = (rows.0..rows.1).map(|i| start + i as f64 * step).collect();
    ArrayData::F64(Nd::from_shape_vec(IxDyn(&[len]), values).expect("1-D")).cast(dtype)
}

pub fn linspace(start: f64, stop: f64, n: usize, endpoint: bool, dtype: DType) -> ArrayData {
    linspace_rows(start, stop, n, endpoint, (0, n), dtype)
}

/// Elements `rows.0..rows.1` of `linspace` with `n` elements.
pub fn linspace_rows(start: f64, stop: f64, n: usize, endpoint: bool, rows: (usize, usize), dtype: DType) -> ArrayData {
    let div = if endpoint { n.saturating_sub(1) } else { n };
    let step = if div > 0 { (stop - start) / div as f64 } else { 0.0 };
    let values: Vec<f64> = (rows.0..rows.1)
        .map(|i| if endpoint && n > 1 && i == n - 1 { stop } else { start + i as f64 * step })
        .collect();
    ArrayData::F64(Nd::from_shape_vec(IxDyn(&[rows.1 - rows.0]), values).expect("1-D")).cast(dtype)
}

pub fn eye(shape: &[usize], k: i64, dtype: DType) -> ArrayData {
    with_dtype!(dtype, T => {
        let mut a = Nd::<T>::from_elem(IxDyn(shape), T::default());
        let (rows, cols) = (shape[0] as i64, shape[1] as i64);
        for i in 0..rows {
            let j = i + k;
            if (0..cols).contains(&j) {
                a[[i as usize, j as usize].as_slice()] = T::from_i64(1);
            }
        }
        T::wrap(a)
    })
}

/// A counter-based generator: SplitMix64's finalizer over (seed, stream, index).
/// Every element depends only on those three numbers, never on how the work is
/// split between threads or ranks.
fn bits(seed: u64, stream: u64, index: u64) -> u64 {
    // The offset keeps (0, 0, 0), the default seed's first element, off the
    // finalizer's fixed point at zero (which made the first `rand()` exactly 0).
    let mut z = seed
        .wrapping_add(1)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(stream.wrapping_mul(0xD1B5_4A32_D192_ED03))
        .wrapping_add(index.wrapping_mul(0xBF58_476D_1CE4_E5B9));
    for _ in 0..2 {
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
    }
    z
}

/// Uniform on [0, 1) with 53 random bits.
fn unit(seed: u64, stream: u64, index: u64) -> f64 {
    (bits(seed, stream, index) >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Every element depends only on `(seed, stream, its index)`, so the elements are
/// drawn in parallel and the values do not depend on the thread count.
pub fn random(seed: u64, stream: u64, kind: RandomKind, shape: &[usize], dtype: DType) -> ArrayData {
    let rows = shape.first().map_or((0, 1), |&n| (0, n));
    random_rows(seed, stream, kind, shape, rows, dtype)
}

/// Rows `rows.0..rows.1` (of the first axis) of `random`: the same values the
/// whole array has there, since each depends only on its position.
pub fn random_rows(
    seed: u64,
    stream: u64,
    kind: RandomKind,
    shape: &[usize],
    rows: (usize, usize),
    dtype: DType,
) -> ArrayData {
    let row: usize = shape.iter().skip(1).product();
    let indices = (rows.0 * row) as u64..(rows.1 * row) as u64;
    let mut local = shape.to_vec();
    if let Some(first) = local.first_mut() {
        *first = rows.1 - rows.0;
    }
    let local = IxDyn(&local);
    let data = match kind {
        RandomKind::Uniform { low, high } => {
            let (low, high) = (f64::from_bits(low), f64::from_bits(high));
            let v: Vec<f64> = indices.into_par_iter().map(|i| low + (high - low) * unit(seed, stream, i)).collect();
            ArrayData::F64(Nd::from_shape_vec(local, v).expect("shape"))
        }
        RandomKind::Normal => {
            // Box-Muller on two uniforms per element.
            let v: Vec<f64> = indices
                .into_par_iter()
                .map(|i| {
                    let u1 = 1.0 - unit(seed, stream, 2 * i);
                    let u2 = unit(seed, stream, 2 * i + 1);
                    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
                })
                .collect();
            ArrayData::F64(Nd::from_shape_vec(local, v).expect("shape"))
        }
        RandomKind::Integers { low, high } => {
            let span = (high as i128 - low as i128) as u128;
            let v: Vec<i64> = indices
                .into_par_iter()
                .map(|i| (low as i128 + ((bits(seed, stream, i) as u128 * span) >> 64) as i128) as i64)
                .collect();
            ArrayData::I64(Nd::from_shape_vec(local, v).expect("shape"))
        }
    };
    data.cast(dtype)
}

/// A random permutation of `0..n`: the ranks of `n` random keys.
pub fn permutation(seed: u64, stream: u64, n: usize) -> Vec<i64> {
    let mut keys: Vec<(u64, i64)> = (0..n as u64).map(|i| (bits(seed, stream, i), i as i64)).collect();
    keys.sort_unstable();
    keys.into_iter().map(|(_, i)| i).collect()
}
