//! Help for what NumPy users write out of habit: Python spellings that darr
//! writes differently (`def`, `lambda`, a `:` before an indented block, `&&`,
//! `True`, `np.zeros`). The messages say what darr expects instead.

/// Help for a syntax error at `offset` of `text`, when the line reads like
/// Python; `expected` lists what the parser would have accepted there.
pub fn syntax_hint(text: &str, offset: usize, expected: &[&str]) -> Option<String> {
    let offset = offset.min(text.len());
    if !text.is_char_boundary(offset) {
        return None;
    }
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let before = text[line_start..offset].trim();
    let rest = text[offset..].trim_start_matches([' ', '\t']);
    let first_word = before.split(|c: char| !c.is_alphanumeric() && c != '_').next().unwrap_or("");
    let last_word = before.rsplit(|c: char| !c.is_alphanumeric() && c != '_').next().unwrap_or("");
    if first_word == "def" && before.split_whitespace().count() == 1 {
        return Some("darr defines functions with `fn`, not `def`: `fn name(x, y=1) { return x + y }`".into());
    }
    if last_word == "lambda" {
        return Some("darr writes an anonymous function as `fn(x) => x + 1`, not with `lambda`".into());
    }
    if rest.starts_with(':') && expected.contains(&"`{`") {
        let keyword = match first_word {
            "for" | "while" | "if" | "elif" | "else" | "fn" => first_word,
            _ => "if",
        };
        return Some(format!("darr puts a block in braces, not after `:` with indentation: `{keyword} ... {{ ... }}`"));
    }
    // The parser may stop at the second character (`a & & b`).
    let from_previous = offset.checked_sub(1).and_then(|o| text.get(o..)).unwrap_or("");
    for (python, darr) in [("&&", "and"), ("||", "or")] {
        if rest.starts_with(python) || from_previous.starts_with(python) {
            return Some(format!("write `{darr}` for `{python}` (or `{}` for arrays, elementwise)", &python[..1]));
        }
    }
    None
}

/// Help for an undefined name that is Python's spelling of something darr has.
pub fn name_hint(name: &str) -> Option<String> {
    let hint = match name {
        "True" | "False" | "None" => format!("darr spells it `{}`", name.to_lowercase()),
        "pass" => "darr needs no `pass`: an empty block is `{}`".to_string(),
        "np" | "numpy" => {
            "darr's array functions are builtins, with no module prefix: `zeros(3)`, not `np.zeros(3)`".to_string()
        }
        _ => return None,
    };
    Some(hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_blocks_and_definitions_get_darr_spellings() {
        let text = "x = 1\nfor i in range(3):\n  print(i)\n";
        let colon = text.find(':').unwrap();
        assert!(syntax_hint(text, colon, &["an operator", "`{`"]).unwrap().contains("`for ... { ... }`"));
        let nested = "fn f() {\n    while x < 3:\n";
        let colon = nested.find(':').unwrap();
        assert!(syntax_hint(nested, colon, &["`{`"]).unwrap().contains("`while ... { ... }`"));
        assert!(syntax_hint("if a {\n  def g(x):\n", 13, &[]).unwrap().contains("`fn`"));
        let def = "def f(x):\n";
        assert!(syntax_hint(def, 4, &[]).unwrap().contains("`fn`"));
        let lambda = "g = lambda y: y";
        assert!(syntax_hint(lambda, 11, &[]).unwrap().contains("fn(x) => x + 1"));
        assert!(syntax_hint("if a && b { }", 5, &[]).unwrap().contains("`and`"));
        assert!(syntax_hint("if a || b { }", 6, &[]).unwrap().contains("`or`"));
        assert_eq!(syntax_hint("é", 1, &[]), None);
        assert_eq!(syntax_hint("x = (1 +", 8, &["an expression"]), None);
    }

    #[test]
    fn python_names_get_darr_spellings() {
        assert_eq!(name_hint("True").unwrap(), "darr spells it `true`");
        assert!(name_hint("np").unwrap().contains("zeros(3)"));
        assert_eq!(name_hint("velocity"), None);
    }
}
