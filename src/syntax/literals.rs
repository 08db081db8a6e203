//! Decoding literal text: numbers with `_` separators and string escapes.

use super::error::SyntaxError;
use super::span::Span;

pub fn parse_int(text: &str, span: Span) -> Result<i64, SyntaxError> {
    text.replace('_', "").parse::<i64>().map_err(|_| {
        SyntaxError::new(span, "integer literal is too large", "does not fit in 64 bits")
            .with_help("integers are 64-bit; write it as a float (e.g. `1e20`) if that is what you mean")
    })
}

pub fn parse_float(text: &str, span: Span) -> Result<f64, SyntaxError> {
    text.replace('_', "").parse::<f64>().map_err(|_| SyntaxError::new(span, "malformed float literal", "not a number"))
}

/// Decodes `\n \t \\ \" \' \r \0 \u{XXXX}`; `start` is the byte offset of `raw`
/// in the file, so an error can point at the bad escape itself.
pub fn unescape(raw: &str, span_of: impl Fn(usize, usize) -> Span) -> Result<String, SyntaxError> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some((_, esc)) = chars.next() else {
            return Err(SyntaxError::new(span_of(at, at + 1), "unfinished escape", "`\\` at the end"));
        };
        match esc {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            '0' => out.push('\0'),
            '\\' => out.push('\\'),
            '"' => out.push('"'),
            '\'' => out.push('\''),
            'u' => {
                let rest = &raw[at + 2..];
                let close = rest.find('}');
                let code = match (rest.starts_with('{'), close) {
                    (true, Some(close)) => {
                        u32::from_str_radix(&rest[1..close], 16).ok().and_then(char::from_u32).map(|ch| (ch, close))
                    }
                    _ => None,
                };
                let Some((ch, close)) = code else {
                    let end = (at + 2 + close.map_or(0, |c| c + 1)).min(raw.len());
                    return Err(SyntaxError::new(
                        span_of(at, end.max(at + 2)),
                        "malformed unicode escape",
                        "expected `\\u{XXXX}` with a valid code point",
                    ));
                };
                out.push(ch);
                // Skip `{XXXX}`.
                while let Some(&(i, _)) = chars.peek() {
                    if i > at + 2 + close {
                        break;
                    }
                    chars.next();
                }
            }
            other => {
                return Err(SyntaxError::new(
                    span_of(at, at + 1 + other.len_utf8()),
                    format!("unknown escape `\\{other}`"),
                    "not an escape",
                )
                .with_help(
                    "the escapes are \\n \\t \\r \\0 \\\\ \\\" \\' and \\u{XXXX}; write `\\\\` for a backslash",
                ));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(a: usize, b: usize) -> Span {
        Span::new(Default::default(), a, b)
    }

    #[test]
    fn escapes_decode() {
        assert_eq!(unescape(r#"a\n\t\\\"\'\u{e9}z"#, span).unwrap(), "a\n\t\\\"'éz");
    }

    #[test]
    fn unknown_escape_points_at_itself() {
        let err = unescape(r"ab\q", span).unwrap_err();
        assert_eq!((err.span.start, err.span.end), (2, 4));
    }

    #[test]
    fn bad_unicode_escape_is_an_error() {
        assert!(unescape(r"\u{zz}", span).is_err());
        assert!(unescape(r"\u{110000}", span).is_err());
        assert!(unescape(r"\u12", span).is_err());
    }

    #[test]
    fn numbers_with_separators() {
        assert_eq!(parse_int("1_000_000", span(0, 1)).unwrap(), 1_000_000);
        assert!(parse_int("9223372036854775808", span(0, 1)).is_err());
        assert_eq!(parse_float("1_000.5", span(0, 1)).unwrap(), 1000.5);
    }
}
