//! `str()` and `repr()` of values (spec section 8.1).

use super::value::Value;
pub use crate::num::repr::{f32_repr, float_repr};

/// `str(x)`: what `print` writes.
pub fn to_str(v: &Value) -> String {
    match v {
        Value::Str(s) => s.to_string(),
        other => repr(other),
    }
}

/// `repr(x)`: like `str`, but strings are quoted (as inside a printed tuple).
pub fn repr(v: &Value) -> String {
    match v {
        Value::None => "none".to_string(),
        Value::Bool(b) => if *b { "true" } else { "false" }.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => float_repr(*f),
        Value::Str(s) => string_repr(s),
        Value::Tuple(items) => {
            let inner: Vec<String> = items.iter().map(repr).collect();
            if inner.len() == 1 {
                format!("({},)", inner[0])
            } else {
                format!("({})", inner.join(", "))
            }
        }
        Value::Range(r) if r.step == 1 => format!("range({}, {})", r.start, r.stop),
        Value::Range(r) => format!("range({}, {}, {})", r.start, r.stop, r.step),
        Value::Function(c) => format!("<fn {}>", c.code.name),
        Value::Builtin(b) => format!("<fn {}>", b.name),
        Value::Module(m) => format!("<module {}>", m.name),
        Value::Array(a) => match (a.computed(), super::arrays::printed_edges(a)) {
            (Some(data), _) => super::arrayprint::array_str(&data),
            (None, Some(edges)) => super::arrayprint::summary_str(&edges, &a.shape),
            (None, None) => format!("<array {} {}>", crate::graph::shape::show(&a.shape), a.dtype.name()),
        },
        Value::DType(d) => d.name().to_string(),
    }
}

/// Python's `repr(str)`: single quotes unless the text has a `'` and no `"`.
pub fn string_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') { '"' } else { '\'' };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tuples_and_strings_repr() {
        let t = Value::tuple(vec![Value::Int(1), Value::Float(2.5), Value::str("x")]);
        assert_eq!(repr(&t), "(1, 2.5, 'x')");
        assert_eq!(repr(&Value::tuple(vec![Value::Int(5)])), "(5,)");
        assert_eq!(repr(&Value::tuple(vec![])), "()");
        assert_eq!(string_repr("it's"), "\"it's\"");
        assert_eq!(string_repr("a\nb"), "'a\\nb'");
    }
}
