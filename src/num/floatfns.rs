//! The float semantics of every elementwise function, written once. The per-node
//! kernels and the fused-kernel VM both expand these macros, so an optimized run
//! computes bit for bit what an unoptimized one does, and each arm is a separate
//! monomorphised closure (no call through a pointer per element).

/// Binds `$g` to the `Fn(f64, f64) -> f64` computing float binary function `$f`
/// and evaluates `$body`; comparisons give 1.0 or 0.0. `$other` runs for functions
/// with no float meaning (bitwise and logical ones).
#[macro_export]
macro_rules! with_float_binary {
    ($f:expr, $g:ident => $body:expr, _ => $other:expr) => {{
        use $crate::graph::BinaryFn as B;
        use $crate::num::pyfloat::{py_float_floordiv, py_float_mod};
        let truth = |b: bool| if b { 1.0 } else { 0.0 };
        match $f {
            B::Add => {
                let $g = |x: f64, y: f64| x + y;
                $body
            }
            B::Sub => {
                let $g = |x: f64, y: f64| x - y;
                $body
            }
            B::Mul => {
                let $g = |x: f64, y: f64| x * y;
                $body
            }
            B::Div => {
                let $g = |x: f64, y: f64| x / y;
                $body
            }
            B::FloorDiv => {
                let $g = py_float_floordiv;
                $body
            }
            B::Mod => {
                let $g = py_float_mod;
                $body
            }
            B::Pow => {
                let $g = f64::powf;
                $body
            }
            B::Arctan2 => {
                let $g = f64::atan2;
                $body
            }
            B::Hypot => {
                let $g = f64::hypot;
                $body
            }
            // minimum/maximum propagate nan; fmin/fmax ignore it.
            B::Minimum => {
                let $g = |x: f64, y: f64| if x.is_nan() || y.is_nan() { f64::NAN } else { x.min(y) };
                $body
            }
            B::Maximum => {
                let $g = |x: f64, y: f64| if x.is_nan() || y.is_nan() { f64::NAN } else { x.max(y) };
                $body
            }
            B::Fmin => {
                let $g = f64::min;
                $body
            }
            B::Fmax => {
                let $g = f64::max;
                $body
            }
            B::Eq => {
                let $g = |x: f64, y: f64| truth(x == y);
                $body
            }
            B::Ne => {
                let $g = |x: f64, y: f64| truth(x != y);
                $body
            }
            B::Lt => {
                let $g = |x: f64, y: f64| truth(x < y);
                $body
            }
            B::Le => {
                let $g = |x: f64, y: f64| truth(x <= y);
                $body
            }
            B::Gt => {
                let $g = |x: f64, y: f64| truth(x > y);
                $body
            }
            B::Ge => {
                let $g = |x: f64, y: f64| truth(x >= y);
                $body
            }
            _ => $other,
        }
    }};
}

/// Binds `$g` to the `Fn(f64) -> f64` computing float unary function `$f`.
/// `$other` runs for `~` and the `isnan`-family tests, which are not float-valued.
#[macro_export]
macro_rules! with_float_unary {
    ($f:expr, $g:ident => $body:expr, _ => $other:expr) => {{
        use $crate::graph::UnaryFn as U;
        use $crate::num::floatfns::{erf, erfc, norm_cdf, round_decimals, sign};
        match $f {
            U::Neg => {
                let $g = |v: f64| -v;
                $body
            }
            U::Abs => {
                let $g = f64::abs;
                $body
            }
            U::Sign => {
                let $g = sign;
                $body
            }
            U::Square => {
                let $g = |v: f64| v * v;
                $body
            }
            U::Sqrt => {
                let $g = f64::sqrt;
                $body
            }
            U::Exp => {
                let $g = f64::exp;
                $body
            }
            U::Expm1 => {
                let $g = f64::exp_m1;
                $body
            }
            U::Log => {
                let $g = f64::ln;
                $body
            }
            U::Log1p => {
                let $g = f64::ln_1p;
                $body
            }
            U::Log2 => {
                let $g = f64::log2;
                $body
            }
            U::Log10 => {
                let $g = f64::log10;
                $body
            }
            U::Sin => {
                let $g = f64::sin;
                $body
            }
            U::Cos => {
                let $g = f64::cos;
                $body
            }
            U::Tan => {
                let $g = f64::tan;
                $body
            }
            U::Arcsin => {
                let $g = f64::asin;
                $body
            }
            U::Arccos => {
                let $g = f64::acos;
                $body
            }
            U::Arctan => {
                let $g = f64::atan;
                $body
            }
            U::Sinh => {
                let $g = f64::sinh;
                $body
            }
            U::Cosh => {
                let $g = f64::cosh;
                $body
            }
            U::Tanh => {
                let $g = f64::tanh;
                $body
            }
            U::Floor => {
                let $g = f64::floor;
                $body
            }
            U::Ceil => {
                let $g = f64::ceil;
                $body
            }
            U::Trunc => {
                let $g = f64::trunc;
                $body
            }
            U::Rint => {
                let $g = f64::round_ties_even;
                $body
            }
            U::Erf => {
                let $g = erf;
                $body
            }
            U::Erfc => {
                let $g = erfc;
                $body
            }
            U::NormCdf => {
                let $g = norm_cdf;
                $body
            }
            U::Reciprocal => {
                let $g = |v: f64| 1.0 / v;
                $body
            }
            U::Round(d) => {
                let $g = move |v: f64| round_decimals(v, d);
                $body
            }
            _ => $other,
        }
    }};
}

// The C library's error functions: as accurate as the `libm` crate's (the same
// Sun algorithms) and several times faster, because they use the platform's
// optimized `exp`. Every darr kernel calls these same two.
mod c {
    extern "C" {
        pub fn erf(x: f64) -> f64;
        pub fn erfc(x: f64) -> f64;
    }
}

pub fn erf(x: f64) -> f64 {
    // SAFETY: a pure C math function of one double.
    unsafe { c::erf(x) }
}

pub fn erfc(x: f64) -> f64 {
    // SAFETY: a pure C math function of one double.
    unsafe { c::erfc(x) }
}

/// The standard normal CDF: `h = erfc(|x| / sqrt 2) / 2` is the smaller tail, so
/// the result is `h` below 0 and `1 - h` above (scipy's `ndtr` is built the same
/// way). `graph::build` spells float64 `norm_cdf` with these same steps, so that
/// `norm_cdf(d)` and `norm_cdf(-d)` share one `erfc`.
pub fn norm_cdf(x: f64) -> f64 {
    let h = erfc(x.abs() * std::f64::consts::FRAC_1_SQRT_2) * 0.5;
    if x < 0.0 {
        h
    } else {
        1.0 - h
    }
}

/// NumPy's `round(x, decimals)`: scale, round half to even, scale back.
pub fn round_decimals(x: f64, decimals: i32) -> f64 {
    if decimals >= 0 {
        let scale = 10f64.powi(decimals);
        (x * scale).round_ties_even() / scale
    } else {
        let scale = 10f64.powi(-decimals);
        (x / scale).round_ties_even() * scale
    }
}

/// -1, 0 or 1 by the sign of `v`; nan stays nan.
pub fn sign(v: f64) -> f64 {
    if v.is_nan() {
        f64::NAN
    } else if v > 0.0 {
        1.0
    } else if v < 0.0 {
        -1.0
    } else {
        0.0
    }
}
