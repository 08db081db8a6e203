//! Python's floor division and modulo for floats, shared by the scalar operators
//! and the array kernels so both give the same results.

/// Python's float `%`: the result takes the sign of the divisor. A zero divisor
/// gives nan, as NumPy does (only integer division by zero is an error).
pub fn py_float_mod(a: f64, b: f64) -> f64 {
    if b == 0.0 {
        return f64::NAN;
    }
    let m = a % b;
    if m != 0.0 {
        if (b < 0.0) != (m < 0.0) {
            m + b
        } else {
            m
        }
    } else {
        0.0f64.copysign(b)
    }
}

/// Python's float `//` (CPython's `float_floor_div`); a zero divisor gives ±inf or
/// nan, as NumPy does.
pub fn py_float_floordiv(a: f64, b: f64) -> f64 {
    if b == 0.0 {
        return a / b;
    }
    let m = a % b;
    let mut div = (a - m) / b;
    if m != 0.0 && ((b < 0.0) != (m < 0.0)) {
        div -= 1.0;
    }
    if div != 0.0 {
        let floor = div.floor();
        if div - floor > 0.5 {
            floor + 1.0
        } else {
            floor
        }
    } else {
        0.0f64.copysign(a / b)
    }
}
