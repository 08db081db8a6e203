//! Format specs in f-strings (spec section 8.3): Python's mini-language
//! `[[fill]align][sign][#][0][width][,|_][.precision][type]`.

use super::format::{float_repr, to_str};
use super::value::Value;
use crate::diag::{Code, Diag};
use crate::syntax::Span;

#[derive(Debug, Default, PartialEq)]
struct Spec {
    fill: Option<char>,
    align: Option<char>,
    sign: Option<char>,
    alternate: bool,
    zero: bool,
    width: usize,
    grouping: Option<char>,
    precision: Option<usize>,
    kind: Option<char>,
}

fn parse(spec: &str) -> Option<Spec> {
    let chars: Vec<char> = spec.chars().collect();
    let mut s = Spec::default();
    let mut i = 0;
    let is_align = |c: char| matches!(c, '<' | '>' | '^' | '=');
    if chars.len() >= 2 && is_align(chars[1]) {
        s.fill = Some(chars[0]);
        s.align = Some(chars[1]);
        i = 2;
    } else if !chars.is_empty() && is_align(chars[0]) {
        s.align = Some(chars[0]);
        i = 1;
    }
    if let Some(&c @ ('+' | '-' | ' ')) = chars.get(i) {
        s.sign = Some(c);
        i += 1;
    }
    if chars.get(i) == Some(&'#') {
        s.alternate = true;
        i += 1;
    }
    if chars.get(i) == Some(&'0') {
        s.zero = true;
        i += 1;
    }
    let digits = |i: &mut usize| -> Option<usize> {
        let start = *i;
        while chars.get(*i).is_some_and(char::is_ascii_digit) {
            *i += 1;
        }
        (start < *i).then(|| chars[start..*i].iter().collect::<String>().parse().ok()).flatten()
    };
    s.width = digits(&mut i).unwrap_or(0);
    if let Some(&c @ (',' | '_')) = chars.get(i) {
        s.grouping = Some(c);
        i += 1;
    }
    if chars.get(i) == Some(&'.') {
        i += 1;
        s.precision = Some(digits(&mut i)?);
    }
    if let Some(&c) = chars.get(i) {
        if !"bcdeEfFgGnosxX%".contains(c) {
            return None;
        }
        s.kind = Some(c);
        i += 1;
    }
    (i == chars.len() && s.width <= 10_000 && s.precision.is_none_or(|p| p <= 1_000)).then_some(s)
}

/// Formats `value` with `spec`, or explains why the two do not fit.
pub fn format_value(value: &Value, spec_text: &str, span: Span) -> Result<String, Diag> {
    let bad = |why: String| {
        Diag::new(Code::Value, span, format!("invalid format spec `{spec_text}`: {why}"), "in this field")
            .with_help("specs look like `>8.3f`: [[fill]align][sign][width][,][.precision][type] with types d f e g %")
    };
    let spec = parse(spec_text).ok_or_else(|| bad("it does not follow the format mini-language".into()))?;
    let (body, numeric) = match value {
        Value::Int(i) => (format_int(*i, &spec).map_err(bad)?, true),
        Value::Bool(b) if spec.kind.is_some_and(|k| k != 's') => (format_int(i64::from(*b), &spec).map_err(bad)?, true),
        Value::Float(f) => (format_float(*f, &spec).map_err(bad)?, true),
        other => {
            if spec.kind.is_some_and(|k| k != 's') || spec.sign.is_some() || spec.grouping.is_some() {
                return Err(bad(format!("{} takes only fill, alignment, width and precision", other.described())));
            }
            let mut text = to_str(other);
            if let Some(p) = spec.precision {
                text = text.chars().take(p).collect();
            }
            (text, false)
        }
    };
    Ok(pad(body, &spec, numeric))
}

fn format_int(i: i64, spec: &Spec) -> Result<String, String> {
    match spec.kind {
        None | Some('d') | Some('n') => {
            if spec.precision.is_some() {
                return Err("an integer takes no precision".into());
            }
            let digits = group(&i.unsigned_abs().to_string(), spec.grouping);
            Ok(with_sign(i < 0, digits, spec))
        }
        Some(k @ ('b' | 'o' | 'x' | 'X')) => {
            let magnitude = i.unsigned_abs();
            let (digits, prefix) = match k {
                'b' => (format!("{magnitude:b}"), "0b"),
                'o' => (format!("{magnitude:o}"), "0o"),
                'x' => (format!("{magnitude:x}"), "0x"),
                _ => (format!("{magnitude:X}"), "0X"),
            };
            let digits = if spec.alternate { format!("{prefix}{digits}") } else { digits };
            Ok(with_sign(i < 0, digits, spec))
        }
        Some('c') => char::from_u32(i as u32).map(String::from).ok_or_else(|| "not a character code".into()),
        Some(_) => format_float(i as f64, spec),
    }
}

fn format_float(x: f64, spec: &Spec) -> Result<String, String> {
    let upper = spec.kind.is_some_and(|k| k.is_ascii_uppercase());
    if !x.is_finite() {
        let text = if x.is_nan() { "nan" } else { "inf" };
        let text = if upper { text.to_uppercase() } else { text.to_string() };
        return Ok(with_sign(x < 0.0, text, spec));
    }
    let negative = x.is_sign_negative();
    let a = x.abs();
    let body = match spec.kind {
        None if spec.precision.is_none() => {
            let r = float_repr(a);
            group_fixed(&r, spec.grouping)
        }
        None => general(a, spec.precision.unwrap_or(6), spec.alternate, true, spec.grouping),
        Some('f' | 'F') => group_fixed(&format!("{:.*}", spec.precision.unwrap_or(6), a), spec.grouping),
        Some('e' | 'E') => {
            let text = scientific(a, spec.precision.unwrap_or(6));
            if upper {
                text.to_uppercase()
            } else {
                text
            }
        }
        Some('g' | 'G' | 'n') => {
            let text = general(a, spec.precision.unwrap_or(6), spec.alternate, false, spec.grouping);
            if upper {
                text.to_uppercase()
            } else {
                text
            }
        }
        Some('%') => {
            format!("{}%", group_fixed(&format!("{:.*}", spec.precision.unwrap_or(6), a * 100.0), spec.grouping))
        }
        Some(k) => return Err(format!("type `{k}` is not for floats")),
    };
    Ok(with_sign(negative, body, spec))
}

/// `1.234560e+00`: Python's exponent has a sign and at least two digits.
fn scientific(a: f64, precision: usize) -> String {
    let text = format!("{a:.precision$e}");
    let (mantissa, exp) = text.split_once('e').expect("`{:e}` has an exponent");
    let exp: i32 = exp.parse().expect("exponent is an integer");
    format!("{mantissa}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs())
}

/// The `g` presentation; with `no_type` it is Python's format with a precision
/// and no type, which keeps at least one digit after the point.
fn general(a: f64, precision: usize, alternate: bool, no_type: bool, grouping: Option<char>) -> String {
    let p = precision.max(1);
    let rounded = format!("{:.*e}", p - 1, a);
    let exp: i32 = rounded.split_once('e').map(|(_, e)| e.parse().unwrap_or(0)).unwrap_or(0);
    if a == 0.0 || (-4..p as i32).contains(&exp) {
        let decimals = (p as i32 - 1 - exp).max(0) as usize;
        let mut text = format!("{a:.decimals$}");
        if !alternate && text.contains('.') {
            text = text.trim_end_matches('0').trim_end_matches('.').to_string();
        }
        if no_type && !text.contains('.') {
            text.push_str(".0");
        }
        group_fixed(&text, grouping)
    } else {
        let text = scientific(a, p - 1);
        if alternate {
            return text;
        }
        let (mantissa, exp) = text.split_once('e').expect("has an exponent");
        let mantissa =
            if mantissa.contains('.') { mantissa.trim_end_matches('0').trim_end_matches('.') } else { mantissa };
        format!("{mantissa}e{exp}")
    }
}

fn with_sign(negative: bool, body: String, spec: &Spec) -> String {
    let sign = match (negative, spec.sign) {
        (true, _) => "-",
        (false, Some('+')) => "+",
        (false, Some(' ')) => " ",
        _ => "",
    };
    format!("{sign}{body}")
}

/// Inserts a separator every three digits of the integer part.
fn group_fixed(text: &str, grouping: Option<char>) -> String {
    match text.split_once('.') {
        Some((int, frac)) => format!("{}.{frac}", group(int, grouping)),
        None => group(text, grouping),
    }
}

fn group(digits: &str, grouping: Option<char>) -> String {
    let Some(sep) = grouping else { return digits.to_string() };
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return digits.to_string();
    }
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

fn pad(body: String, spec: &Spec, numeric: bool) -> String {
    let len = body.chars().count();
    if len >= spec.width {
        return body;
    }
    let (fill, align) = if spec.zero && spec.align.is_none() {
        ('0', '=')
    } else {
        (spec.fill.unwrap_or(' '), spec.align.unwrap_or(if numeric { '>' } else { '<' }))
    };
    let n = spec.width - len;
    let fills = |k: usize| std::iter::repeat_n(fill, k).collect::<String>();
    match align {
        '<' => format!("{body}{}", fills(n)),
        '^' => format!("{}{body}{}", fills(n / 2), fills(n - n / 2)),
        '=' => {
            let sign_len = body.chars().take_while(|c| matches!(c, '+' | '-' | ' ')).count();
            let (sign, rest) = body.split_at(sign_len);
            format!("{sign}{}{rest}", fills(n))
        }
        _ => format!("{}{body}", fills(n)),
    }
}

/// Python's `round(x, n)` for a float: correctly rounded from the exact binary
/// value, so `round(2.675, 2) == 2.67` (2.675 is stored as 2.67499999...).
pub fn round_float(x: f64, ndigits: i64) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    if ndigits >= 0 {
        if ndigits > 330 {
            return x;
        }
        // Rust's fixed-precision formatting is exact and rounds ties to even.
        format!("{:.*}", ndigits as usize, x).parse().unwrap_or(x)
    } else {
        if ndigits < -330 {
            return 0.0f64.copysign(x);
        }
        let scale = 10f64.powi((-ndigits) as i32);
        let y = (x / scale).round_ties_even() * scale;
        if y.is_finite() {
            y
        } else {
            x
        }
    }
}

#[cfg(test)]
#[allow(clippy::approx_constant)]
mod tests {
    use super::*;

    fn f(v: Value, spec: &str) -> String {
        format_value(&v, spec, Span::default()).unwrap()
    }

    #[test]
    fn python_examples() {
        assert_eq!(f(Value::Int(42), "5d"), "   42");
        assert_eq!(f(Value::Int(42), "<5d"), "42   ");
        assert_eq!(f(Value::Int(42), "^6"), "  42  ");
        assert_eq!(f(Value::Float(3.14159), "e"), "3.141590e+00");
        assert_eq!(f(Value::Float(3.14159), ".3g"), "3.14");
        assert_eq!(f(Value::Float(0.25), "%"), "25.000000%");
        assert_eq!(f(Value::Float(1234567.891), ",.2f"), "1,234,567.89");
        assert_eq!(f(Value::Float(3.14159), ".2f"), "3.14");
        assert_eq!(f(Value::Int(-42), "08d"), "-0000042");
        assert_eq!(f(Value::Int(1234567), ","), "1,234,567");
        assert_eq!(f(Value::Float(1e-7), "g"), "1e-07");
        assert_eq!(f(Value::Float(123456789.0), "g"), "1.23457e+08");
        assert_eq!(f(Value::Float(3.0), ".3"), "3.0");
        assert_eq!(f(Value::Float(1234.5), ".2"), "1.2e+03");
        assert_eq!(f(Value::str("ab"), ">4"), "  ab");
        assert_eq!(f(Value::str("ab"), "*^6"), "**ab**");
        assert_eq!(f(Value::Float(2.5), "+.1f"), "+2.5");
        assert_eq!(f(Value::Int(255), "#x"), "0xff");
        assert_eq!(f(Value::Float(f64::NAN), "f"), "nan");
    }

    #[test]
    fn bad_specs_are_errors() {
        assert!(format_value(&Value::Int(1), "q", Span::default()).is_err());
        assert!(format_value(&Value::str("a"), "d", Span::default()).is_err());
        assert!(format_value(&Value::Int(1), ".2d", Span::default()).is_err());
    }

    #[test]
    fn round_uses_the_exact_binary_value() {
        assert_eq!(round_float(2.675, 2), 2.67);
        assert_eq!(round_float(0.125, 2), 0.12);
        assert_eq!(round_float(0.375, 2), 0.38);
        assert_eq!(round_float(1234.5, -2), 1200.0);
        assert_eq!(round_float(-1.5, 0), -2.0);
    }
}
