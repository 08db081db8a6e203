//! The lexical pass that runs before the grammar.
//!
//! Newlines are statement separators except inside `( )` and `[ ]`, and `{ }` blocks
//! inside brackets (an anonymous function passed as an argument) make newlines count
//! again. A PEG grammar cannot switch its whitespace rule by context, so this pass
//! does it: it blanks comments and replaces each insignificant newline with a space,
//! byte for byte, so every offset (and so every span) stays valid for the original
//! text. It also records the brackets still open at the end of the input, which the
//! parser needs to report "input ended inside a bracket" at the opening bracket.

/// Nesting deeper than this is refused with a syntax error, so that no input can
/// exhaust the parser's stack.
pub const MAX_NESTING: usize = 200;

pub struct Scanned {
    /// The text the grammar parses: same length as the input.
    pub text: String,
    /// Byte offsets of brackets and braces still open at the end, outermost first.
    pub unclosed: Vec<usize>,
    /// The offset of the first bracket that nests deeper than [`MAX_NESTING`].
    pub too_deep: Option<usize>,
    /// The offset of a string literal that is not closed on its line.
    pub unterminated_string: Option<usize>,
}

pub fn scan(source: &str) -> Scanned {
    let bytes = source.as_bytes();
    let mut out = bytes.to_vec();
    let mut stack: Vec<(u8, usize)> = Vec::new();
    let mut too_deep = None;
    let mut unterminated_string = None;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    out[i] = b' ';
                    i += 1;
                }
                continue;
            }
            quote @ (b'"' | b'\'') => {
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != quote && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' && i + 1 < bytes.len() && bytes[i + 1] != b'\n' { 2 } else { 1 };
                }
                if i >= bytes.len() || bytes[i] == b'\n' {
                    unterminated_string.get_or_insert(start);
                    continue;
                }
            }
            open @ (b'(' | b'[' | b'{') => {
                stack.push((open, i));
                if stack.len() > MAX_NESTING {
                    too_deep.get_or_insert(i);
                }
            }
            close @ (b')' | b']' | b'}') => {
                let opener = match close {
                    b')' => b'(',
                    b']' => b'[',
                    _ => b'{',
                };
                // A mismatched closer is left for the grammar to report.
                if stack.last().is_some_and(|&(o, _)| o == opener) {
                    stack.pop();
                }
            }
            b'\n' if matches!(stack.last(), Some((b'(' | b'[', _))) => {
                out[i] = b' ';
                if i > 0 && out[i - 1] == b'\r' {
                    out[i - 1] = b' ';
                }
            }
            _ => {}
        }
        i += 1;
    }
    // Only ASCII bytes were replaced, by ASCII spaces, and comments were blanked
    // byte for byte to their end: the result is still UTF-8.
    let text = String::from_utf8(out).unwrap_or_else(|_| source.to_string());
    Scanned { text, unclosed: stack.into_iter().map(|(_, at)| at).collect(), too_deep, unterminated_string }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newlines_inside_parentheses_become_spaces() {
        let s = scan("f(1,\n 2)\nx");
        assert_eq!(s.text, "f(1,  2)\nx");
        assert!(s.unclosed.is_empty());
    }

    #[test]
    fn blocks_inside_brackets_keep_their_newlines() {
        let s = scan("f(fn(x) {\n y = x\n return y\n})");
        assert_eq!(s.text, "f(fn(x) {\n y = x\n return y\n})");
    }

    #[test]
    fn comments_are_blanked_but_keep_their_newline() {
        let s = scan("x = 1 # note é\ny");
        assert_eq!(s.text.len(), "x = 1 # note é\ny".len());
        assert!(s.text.starts_with("x = 1 "));
        assert!(s.text.ends_with("\ny"));
        assert!(!s.text.contains('#'));
    }

    #[test]
    fn brackets_in_strings_are_ignored() {
        let s = scan("print(\"(\", ')')\n");
        assert!(s.unclosed.is_empty());
    }

    #[test]
    fn unclosed_brackets_are_reported_outermost_first() {
        let s = scan("y = (x + [2\n");
        assert_eq!(s.unclosed, vec![4, 9]);
    }

    #[test]
    fn unterminated_string_is_found() {
        let s = scan("x = \"abc\ny = 2");
        assert_eq!(s.unterminated_string, Some(4));
    }

    #[test]
    fn deep_nesting_is_flagged() {
        let s = scan(&"(".repeat(MAX_NESTING + 5));
        assert_eq!(s.too_deep, Some(MAX_NESTING));
    }
}
