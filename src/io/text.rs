//! Delimited text (`savetxt`, `loadtxt`) for 1-D and 2-D arrays.

use std::path::Path;

use ndarray::IxDyn;

use super::{read_file, write_atomically};
use crate::graph::{ArrayData, DType, Elem, Nd};

/// A printf-style conversion such as `%.18e`, `%10.4f`, `%d`, `%g`.
struct Printf {
    prefix: String,
    suffix: String,
    left: bool,
    plus: bool,
    zero: bool,
    width: usize,
    precision: Option<usize>,
    conversion: char,
}

fn parse_printf(fmt: &str) -> Option<Printf> {
    let at = fmt.find('%')?;
    let (prefix, rest) = (fmt[..at].to_string(), &fmt[at + 1..]);
    let mut chars = rest.char_indices().peekable();
    let (mut left, mut plus, mut zero) = (false, false, false);
    while let Some(&(_, c)) = chars.peek() {
        match c {
            '-' => left = true,
            '+' => plus = true,
            '0' => zero = true,
            ' ' | '#' => {}
            _ => break,
        }
        chars.next();
    }
    let mut width = String::new();
    while let Some(&(_, c)) = chars.peek().filter(|(_, c)| c.is_ascii_digit()) {
        width.push(c);
        chars.next();
    }
    let mut precision = None;
    if chars.peek().is_some_and(|&(_, c)| c == '.') {
        chars.next();
        let mut p = String::new();
        while let Some(&(_, c)) = chars.peek().filter(|(_, c)| c.is_ascii_digit()) {
            p.push(c);
            chars.next();
        }
        precision = Some(p.parse().unwrap_or(0));
    }
    let (i, conversion) = chars.next()?;
    if !"eEfFgGdis".contains(conversion) {
        return None;
    }
    Some(Printf {
        prefix,
        suffix: rest[i + conversion.len_utf8()..].to_string(),
        left,
        plus,
        zero,
        width: width.parse().unwrap_or(0),
        precision: precision.filter(|&p| p <= 100),
        conversion,
    })
}

/// `1.5e+00`: C's exponent has a sign and at least two digits.
fn c_exponent(text: String) -> String {
    match text.split_once('e') {
        Some((m, e)) => {
            let e: i32 = e.parse().unwrap_or(0);
            format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
        }
        None => text,
    }
}

impl Printf {
    fn format(&self, v: f64, is_int: bool) -> String {
        let p = self.precision;
        let body = if !v.is_finite() {
            (if v.is_nan() {
                "nan"
            } else if v > 0.0 {
                "inf"
            } else {
                "-inf"
            })
            .to_string()
        } else {
            match self.conversion {
                'e' | 'E' => c_exponent(format!("{:.*e}", p.unwrap_or(6), v)),
                'f' | 'F' => format!("{:.*}", p.unwrap_or(6), v),
                'd' | 'i' => format!("{}", v.trunc() as i64),
                's' if is_int => format!("{}", v as i64),
                's' => crate::num::repr::float_repr(v),
                _ => {
                    let p = p.unwrap_or(6).max(1);
                    let exp = if v == 0.0 { 0 } else { v.abs().log10().floor() as i32 };
                    if exp < -4 || exp >= p as i32 {
                        let t = c_exponent(format!("{:.*e}", p - 1, v));
                        let (m, e) = t.split_once('e').expect("has exponent");
                        let m = if m.contains('.') { m.trim_end_matches('0').trim_end_matches('.') } else { m };
                        format!("{m}e{e}")
                    } else {
                        let t = format!("{:.*}", (p as i32 - 1 - exp).max(0) as usize, v);
                        if t.contains('.') {
                            t.trim_end_matches('0').trim_end_matches('.').to_string()
                        } else {
                            t
                        }
                    }
                }
            }
        };
        let body = if self.conversion.is_ascii_uppercase() { body.to_uppercase() } else { body };
        let body = if self.plus && !body.starts_with('-') { format!("+{body}") } else { body };
        let padded = if body.len() >= self.width {
            body
        } else if self.left {
            format!("{body:<w$}", w = self.width)
        } else if self.zero {
            let (sign, digits) = if body.starts_with(['-', '+']) { body.split_at(1) } else { ("", body.as_str()) };
            format!("{sign}{digits:0>w$}", w = self.width - sign.len())
        } else {
            format!("{body:>w$}", w = self.width)
        };
        format!("{}{padded}{}", self.prefix, self.suffix)
    }
}

/// Checks a printf format before anything is written.
pub fn check_format(fmt: &str) -> Result<(), String> {
    parse_printf(fmt)
        .map(|_| ())
        .ok_or_else(|| format!("`{fmt}` is not a supported format (use e.g. \"%.18e\", \"%.4f\", \"%d\", \"%g\")"))
}

pub fn savetxt(path: &Path, data: &ArrayData, delimiter: &str, fmt: &str) -> Result<(), String> {
    let printf = parse_printf(fmt).ok_or_else(|| format!("`{fmt}` is not a supported format"))?;
    let shape = data.shape();
    let (rows, cols) = match shape {
        [n] => (*n, 1),
        [r, c] => (*r, *c),
        _ => {
            return Err(format!(
                "`savetxt` writes 1-D and 2-D arrays; this one has shape {}",
                crate::graph::shape::show(shape)
            ))
        }
    };
    let is_int = !data.dtype().is_float();
    let values: Vec<f64> = f64::cast_from(data).iter().copied().collect();
    let mut text = String::new();
    for r in 0..rows {
        let row: Vec<String> = (0..cols).map(|c| printf.format(values[r * cols + c], is_int)).collect();
        text.push_str(&row.join(delimiter));
        text.push('\n');
    }
    write_atomically(path, text.as_bytes())
}

pub fn loadtxt(path: &Path, delimiter: &str, skiprows: usize, dtype: DType) -> Result<ArrayData, String> {
    let bytes = read_file(path)?;
    let text = String::from_utf8(bytes).map_err(|_| format!("`{}` is not UTF-8 text", path.display()))?;
    let mut rows: Vec<Vec<f64>> = Vec::new();
    for (number, line) in text.lines().enumerate().skip(skiprows) {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = if delimiter.trim().is_empty() {
            line.split_whitespace().collect()
        } else {
            line.split(delimiter).map(str::trim).collect()
        };
        let row = fields
            .iter()
            .map(|f| {
                f.parse::<f64>()
                    .map_err(|_| format!("`{}` line {}: cannot read {f:?} as a number", path.display(), number + 1))
            })
            .collect::<Result<Vec<f64>, String>>()?;
        if let Some(first) = rows.first() {
            if first.len() != row.len() {
                return Err(format!(
                    "`{}` line {}: {} values where earlier rows have {}",
                    path.display(),
                    number + 1,
                    row.len(),
                    first.len()
                ));
            }
        }
        rows.push(row);
    }
    let (r, c) = (rows.len(), rows.first().map_or(0, Vec::len));
    // NumPy squeezes axes of length 1: one row or one column gives a 1-D array.
    let shape: Vec<usize> = match (r, c) {
        (1, 1) => vec![],
        (1, c) => vec![c],
        (r, 1) => vec![r],
        (r, c) => vec![r, c],
    };
    let flat: Vec<f64> = rows.into_iter().flatten().collect();
    Ok(ArrayData::F64(Nd::from_shape_vec(IxDyn(&shape), flat).expect("rows checked")).cast(dtype))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printf_conversions() {
        let f = |fmt: &str, v: f64| parse_printf(fmt).unwrap().format(v, false);
        assert_eq!(f("%.18e", 0.25), "2.500000000000000000e-01");
        assert_eq!(f("%.3f", 2.0 / 3.0), "0.667");
        assert_eq!(f("%d", 7.9), "7");
        assert_eq!(f("%8.2f", 1.23456), "    1.23");
        assert_eq!(f("%g", 1e-7), "1e-07");
        assert_eq!(f("x=%05.1f;", -2.5), "x=-02.5;");
        assert!(parse_printf("%q").is_none());
    }
}
