//! Python's `repr` of floats: the shortest digits that round-trip.

/// Python's `repr(float)`: the shortest digits that round-trip, in fixed notation
/// for exponents from -4 to 15 and scientific (`1e-05`, `1e+16`) otherwise.
pub fn float_repr(x: f64) -> String {
    if !x.is_finite() {
        return nonfinite(x);
    }
    shortest_repr(&format!("{x:e}"))
}

/// The same rules for a float32 value, with the shortest digits that round-trip
/// through float32 (`0.1`, not `0.10000000149011612`).
pub fn f32_repr(x: f32) -> String {
    if !x.is_finite() {
        return nonfinite(x as f64);
    }
    shortest_repr(&format!("{x:e}"))
}

fn nonfinite(x: f64) -> String {
    if x.is_nan() {
        "nan".to_string()
    } else if x > 0.0 {
        "inf".to_string()
    } else {
        "-inf".to_string()
    }
}

/// Lays out Rust's shortest scientific form (`-1.5e-7`) the way Python does.
fn shortest_repr(sci: &str) -> String {
    let (mantissa, exp) = sci.split_once('e').expect("`{:e}` always has an exponent");
    let exp: i32 = exp.parse().expect("exponent is an integer");
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let body = if (-4..16).contains(&exp) {
        let point = exp + 1;
        if point <= 0 {
            format!("0.{}{}", "0".repeat((-point) as usize), digits)
        } else if point as usize >= digits.len() {
            format!("{}{}.0", digits, "0".repeat(point as usize - digits.len()))
        } else {
            format!("{}.{}", &digits[..point as usize], &digits[point as usize..])
        }
    } else {
        let rest = if digits.len() > 1 { format!(".{}", &digits[1..]) } else { String::new() };
        format!("{}{}e{}{:02}", &digits[..1], rest, if exp < 0 { '-' } else { '+' }, exp.abs())
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_like_python() {
        let cases = [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (1e-5, "1e-05"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (0.0001, "0.0001"),
            (0.30000000000000004, "0.30000000000000004"),
            (1.0 / 3.0, "0.3333333333333333"),
            (-2.5, "-2.5"),
            (1.5e300, "1.5e+300"),
            (-0.0, "-0.0"),
            (123456789.125, "123456789.125"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
            (5e-324, "5e-324"),
        ];
        for (x, want) in cases {
            assert_eq!(float_repr(x), want, "repr of {x:e}");
        }
    }

    #[test]
    fn float32_prints_its_own_shortest_digits() {
        assert_eq!(f32_repr(0.1), "0.1");
        assert_eq!(f32_repr(2.25), "2.25");
        assert_eq!(f32_repr(1e-7), "1e-07");
    }
}
