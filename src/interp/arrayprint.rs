//! `str()` of arrays, exactly as NumPy's with default print options (precision 8,
//! floatmode "maxprec", threshold 1000, edgeitems 3, linewidth 75), except that
//! booleans print as `true`/`false`. Follows `numpy/_core/arrayprint.py`.

use super::format::{f32_repr, float_repr};
use crate::graph::{ArrayData, DType, Elem, Scalar};

const PRECISION: usize = 8;
const THRESHOLD: usize = 1000;
const EDGE_ITEMS: usize = 3;
const LINE_WIDTH: usize = 75;

/// `str(a)` for an array with its computed data.
pub fn array_str(data: &ArrayData) -> String {
    let shape = data.shape().to_vec();
    if summarizes(&shape) {
        return summary_str(&edges_along(data, 0), &shape);
    }
    let values = data.scalars();
    if shape.is_empty() {
        return scalar_str(values[0], data.dtype());
    }
    if values.is_empty() {
        return "[]".to_string();
    }
    let formatter = Formatter::new(data.dtype(), values.clone());
    let mut out = String::new();
    format_array(&mut out, &values, &shape, &shape, &formatter, false);
    out
}

/// Whether an array of this shape prints summarized (only its edges shown).
pub fn summarizes(shape: &[usize]) -> bool {
    shape.iter().product::<usize>() > THRESHOLD
}

/// The positions along an axis of length `n` that a summarized print shows: the
/// leading and trailing `EDGE_ITEMS`, or all when there are no more than those.
pub fn edge_positions(n: usize) -> Vec<usize> {
    if n > 2 * EDGE_ITEMS {
        (0..EDGE_ITEMS).chain(n - EDGE_ITEMS..n).collect()
    } else {
        (0..n).collect()
    }
}

/// `data` with only the `edge_positions` of every axis from `first_axis` on.
pub fn edges_along(data: &ArrayData, first_axis: usize) -> ArrayData {
    crate::with_dtype!(data.dtype(), T => {
        let mut nd = T::cast_from(data);
        for axis in first_axis..nd.ndim() {
            nd = nd.select(ndarray::Axis(axis), &edge_positions(nd.shape()[axis])).into_shared();
        }
        T::wrap(nd)
    })
}

/// `str(a)` of an array of `shape` that summarizes, from its edges alone (the
/// elements `edge_positions` keeps along every axis, as an array): all a
/// summarized print reads, so a distributed array need not be gathered whole.
pub fn summary_str(edges: &ArrayData, shape: &[usize]) -> String {
    let values = edges.scalars();
    // The format is chosen from the shown elements only, as NumPy's is.
    let formatter = Formatter::new(edges.dtype(), values.clone());
    let mut out = String::new();
    format_array(&mut out, &values, edges.shape(), shape, &formatter, true);
    out
}

/// A 0-d value as NumPy prints its scalar.
pub fn scalar_str(value: Scalar, dtype: DType) -> String {
    match (value, dtype) {
        (Scalar::Bool(b), _) => if b { "true" } else { "false" }.to_string(),
        (Scalar::Int(i), _) => i.to_string(),
        (Scalar::Float(f), DType::Float32) => f32_repr(f as f32),
        (Scalar::Float(f), _) => float_repr(f),
    }
}

/// Formats `values` (of shape `shape`: the edges of an array of `full` when
/// summarizing, else all of an array of that shape).
fn format_array(out: &mut String, values: &[Scalar], shape: &[usize], full: &[usize], f: &Formatter, summarize: bool) {
    let text = recurse(values, shape, full, 0, 0, " ", LINE_WIDTH, f, summarize);
    out.push_str(&text);
}

#[allow(clippy::too_many_arguments)]
fn recurse(
    values: &[Scalar],
    shape: &[usize],
    full: &[usize],
    axis: usize,
    offset: usize,
    hanging_indent: &str,
    width: usize,
    f: &Formatter,
    summarize: bool,
) -> String {
    let axes_left = shape.len() - axis;
    if axes_left == 0 {
        return f.format(values[offset]);
    }
    let next_indent = format!("{hanging_indent} ");
    let next_width = width - 1;
    let len = shape[axis];
    let stride: usize = shape[axis + 1..].iter().product();
    // Summarized, an axis longer than twice the edge items shows only those,
    // which are then all of `len` here.
    let show_summary = summarize && 2 * EDGE_ITEMS < full[axis];
    let (leading, trailing) = if show_summary { (EDGE_ITEMS, EDGE_ITEMS) } else { (0, len) };
    let item =
        |i: usize| recurse(values, shape, full, axis + 1, offset + i * stride, &next_indent, next_width, f, summarize);
    let mut s = String::new();
    if axes_left == 1 {
        let elem_width = width - 1;
        let mut line = hanging_indent.to_string();
        for i in 0..leading {
            extend_line(&mut s, &mut line, &item(i), elem_width, hanging_indent);
            line.push(' ');
        }
        if show_summary {
            extend_line(&mut s, &mut line, "...", elem_width, hanging_indent);
            line.push(' ');
        }
        for i in len - trailing..len.saturating_sub(1) {
            extend_line(&mut s, &mut line, &item(i), elem_width, hanging_indent);
            line.push(' ');
        }
        extend_line(&mut s, &mut line, &item(len - 1), elem_width, hanging_indent);
        s.push_str(&line);
    } else {
        let line_sep = "\n".repeat(axes_left - 1);
        for i in 0..leading {
            s.push_str(hanging_indent);
            s.push_str(&item(i));
            s.push_str(&line_sep);
        }
        if show_summary {
            s.push_str(hanging_indent);
            s.push_str("...");
            s.push_str(&line_sep);
        }
        for i in len - trailing..len.saturating_sub(1) {
            s.push_str(hanging_indent);
            s.push_str(&item(i));
            s.push_str(&line_sep);
        }
        s.push_str(hanging_indent);
        s.push_str(&item(len - 1));
    }
    format!("[{}]", &s[hanging_indent.len()..])
}

fn extend_line(s: &mut String, line: &mut String, word: &str, width: usize, indent: &str) {
    let needs_wrap = line.len() + word.len() > width && line.len() > indent.len();
    if needs_wrap {
        s.push_str(line.trim_end());
        s.push('\n');
        *line = indent.to_string();
    }
    line.push_str(word);
}

/// How every element of one array is printed (NumPy's FloatingFormat,
/// IntegerFormat and BoolFormat).
enum Formatter {
    Bool,
    Int { width: usize },
    Float(FloatFormat),
}

struct FloatFormat {
    f32: bool,
    exp: bool,
    precision: usize,
    min_digits: usize,
    /// Keep trailing zeros (`'k'`) instead of trimming them (`'.'`).
    keep_zeros: bool,
    pad_left: usize,
    pad_right: usize,
    exp_size: usize,
}

impl Formatter {
    fn new(dtype: DType, shown: Vec<Scalar>) -> Formatter {
        match dtype {
            DType::Bool => Formatter::Bool,
            DType::Int32 | DType::Int64 => {
                let width = shown.iter().map(|v| v.to_i64().to_string().len()).max().unwrap_or(0);
                Formatter::Int { width }
            }
            DType::Float32 | DType::Float64 => {
                Formatter::Float(FloatFormat::new(dtype == DType::Float32, shown.iter().map(|v| v.to_f64()).collect()))
            }
        }
    }

    fn format(&self, v: Scalar) -> String {
        match self {
            Formatter::Bool => if v.to_bool() { " true" } else { "false" }.to_string(),
            Formatter::Int { width } => format!("{:>width$}", v.to_i64()),
            Formatter::Float(f) => f.format(v.to_f64()),
        }
    }
}

impl FloatFormat {
    fn new(f32: bool, values: Vec<f64>) -> FloatFormat {
        let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        let nonzero: Vec<f64> = finite.iter().map(|v| v.abs()).filter(|&v| v != 0.0).collect();
        let mut exp = false;
        if !nonzero.is_empty() {
            let max = nonzero.iter().copied().fold(f64::MIN, f64::max);
            let min = nonzero.iter().copied().fold(f64::MAX, f64::min);
            exp = max >= 1e8 || min < 0.0001 || max / min > 1000.0;
        }
        let mut fmt = FloatFormat {
            f32,
            exp,
            precision: PRECISION,
            min_digits: 0,
            keep_zeros: false,
            pad_left: 0,
            pad_right: 0,
            exp_size: 0,
        };
        if finite.is_empty() {
            fmt.exp = false;
        } else if exp {
            let parts: Vec<(String, String, String)> = finite
                .iter()
                .map(|&v| {
                    let s = scientific(v, f32, PRECISION, 0, false);
                    let (mantissa, exponent) = s.split_once('e').expect("scientific has an exponent");
                    let (int, frac) = mantissa.split_once('.').expect("mantissa has a point");
                    (int.to_string(), frac.to_string(), exponent.to_string())
                })
                .collect();
            fmt.exp_size = parts.iter().map(|p| p.2.len()).max().unwrap_or(0) - 1;
            fmt.precision = parts.iter().map(|p| p.1.len()).max().unwrap_or(0);
            fmt.min_digits = fmt.precision;
            fmt.keep_zeros = true;
            fmt.pad_left = parts.iter().map(|p| p.0.len()).max().unwrap_or(0);
            fmt.pad_right = fmt.exp_size + 2 + fmt.precision;
        } else {
            let parts: Vec<(String, String)> = finite
                .iter()
                .map(|&v| {
                    let s = positional(v, f32, PRECISION, 0, false);
                    let (int, frac) = s.split_once('.').expect("positional has a point");
                    (int.to_string(), frac.to_string())
                })
                .collect();
            fmt.pad_left = parts.iter().map(|p| p.0.len()).max().unwrap_or(0);
            fmt.pad_right = parts.iter().map(|p| p.1.len()).max().unwrap_or(0);
        }
        if finite.len() != values.len() {
            let neginf = values.iter().any(|v| v.is_infinite() && *v < 0.0);
            let offset = fmt.pad_right + 1;
            fmt.pad_left =
                fmt.pad_left.max(3usize.saturating_sub(offset)).max((3 + usize::from(neginf)).saturating_sub(offset));
        }
        fmt
    }

    fn format(&self, v: f64) -> String {
        if !v.is_finite() {
            let text = if v.is_nan() {
                "nan"
            } else if v > 0.0 {
                "inf"
            } else {
                "-inf"
            };
            let width = self.pad_left + self.pad_right + 1;
            return format!("{text:>width$}");
        }
        if self.exp {
            let s = scientific(v, self.f32, self.precision, self.min_digits, self.keep_zeros);
            let (mantissa, exponent) = s.split_once('e').expect("has an exponent");
            let (sign, digits) = exponent.split_at(1);
            let exponent = format!("{sign}{digits:0>width$}", width = self.exp_size);
            format!("{}e{exponent}", mantissa_padded(mantissa, self.pad_left))
        } else {
            let s = positional(v, self.f32, self.precision, self.min_digits, self.keep_zeros);
            let (int, frac) = s.split_once('.').expect("has a point");
            format!("{int:>left$}.{frac:<right$}", left = self.pad_left, right = self.pad_right)
        }
    }
}

fn mantissa_padded(mantissa: &str, pad_left: usize) -> String {
    let (int, frac) = mantissa.split_once('.').expect("has a point");
    format!("{int:>pad_left$}.{frac}")
}

/// The shortest round-trip digits of `v` as (digits, exponent of the first digit).
fn shortest_digits(v: f64, f32: bool) -> (String, i32) {
    let s = if f32 { format!("{:e}", v.abs() as f32) } else { format!("{:e}", v.abs()) };
    let (mantissa, exp) = s.split_once('e').expect("`{:e}` has an exponent");
    (mantissa.replace('.', ""), exp.parse().expect("exponent"))
}

/// NumPy's `dragon4_positional` with `unique=True`: the shortest digits, cut to
/// `precision` fractional digits (rounding the exact value), then trailing zeros
/// trimmed (keeping the point) unless `keep_zeros`, and padded to `min_digits`.
fn positional(v: f64, f32: bool, precision: usize, min_digits: usize, keep_zeros: bool) -> String {
    let (digits, exp) = shortest_digits(v, f32);
    let frac_digits = (digits.len() as i32 - 1 - exp).max(0) as usize;
    let mut text = if frac_digits > precision {
        if f32 {
            format!("{:.precision$}", v.abs() as f32)
        } else {
            format!("{:.precision$}", v.abs())
        }
    } else {
        plain(&digits, exp)
    };
    if !text.contains('.') {
        text.push('.');
    }
    if !keep_zeros {
        text = text.trim_end_matches('0').to_string();
    }
    let frac_len = text.len() - text.find('.').expect("has a point") - 1;
    if frac_len < min_digits {
        text.push_str(&"0".repeat(min_digits - frac_len));
    }
    if v.is_sign_negative() {
        text.insert(0, '-');
    }
    text
}

/// Digits with the first at 10**exp, written without an exponent.
fn plain(digits: &str, exp: i32) -> String {
    let point = exp + 1;
    if point <= 0 {
        format!("0.{}{}", "0".repeat((-point) as usize), digits)
    } else if point as usize >= digits.len() {
        format!("{}{}.", digits, "0".repeat(point as usize - digits.len()))
    } else {
        format!("{}.{}", &digits[..point as usize], &digits[point as usize..])
    }
}

/// NumPy's `dragon4_scientific` with `unique=True`: `d.ddd` + `e±XX`.
fn scientific(v: f64, f32: bool, precision: usize, min_digits: usize, keep_zeros: bool) -> String {
    let (mut digits, mut exp) = shortest_digits(v, f32);
    if digits.len() - 1 > precision {
        let s = if f32 { format!("{:.precision$e}", v.abs() as f32) } else { format!("{:.precision$e}", v.abs()) };
        let (mantissa, e) = s.split_once('e').expect("has an exponent");
        digits = mantissa.replace('.', "");
        exp = e.parse().expect("exponent");
    }
    let mut frac = digits[1..].to_string();
    if !keep_zeros {
        frac = frac.trim_end_matches('0').to_string();
    }
    if frac.len() < min_digits {
        frac.push_str(&"0".repeat(min_digits - frac.len()));
    }
    let sign = if v.is_sign_negative() { "-" } else { "" };
    format!("{sign}{}.{frac}e{}{:02}", &digits[..1], if exp < 0 { '-' } else { '+' }, exp.abs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::Nd;
    use ndarray::IxDyn;

    fn f64s(shape: &[usize], v: Vec<f64>) -> String {
        array_str(&ArrayData::F64(Nd::from_shape_vec(IxDyn(shape), v).unwrap()))
    }

    #[test]
    fn float_layouts_match_numpy() {
        assert_eq!(f64s(&[2], vec![1.0, 2.5]), "[1.  2.5]");
        assert_eq!(f64s(&[1], vec![1.0 / 3.0]), "[0.33333333]");
        assert_eq!(f64s(&[2], vec![1e-5, 1.0]), "[1.e-05 1.e+00]");
        assert_eq!(f64s(&[3], vec![-1.5, 2.0, 300.25]), "[ -1.5    2.   300.25]");
        assert_eq!(f64s(&[4], vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1.0]), "[ nan  inf -inf   1.]");
        assert_eq!(f64s(&[2, 2], vec![1.5, 2.0, 3.0, 4.0]), "[[1.5 2. ]\n [3.  4. ]]");
        assert_eq!(f64s(&[0], vec![]), "[]");
    }

    #[test]
    fn summarized_floats_use_the_edges_only() {
        let v: Vec<f64> = (0..2000).map(|i| i as f64).collect();
        assert_eq!(f64s(&[2000], v), "[0.000e+00 1.000e+00 2.000e+00 ... 1.997e+03 1.998e+03 1.999e+03]");
    }
}
