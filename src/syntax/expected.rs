//! Turns pest's "what was attempted at the failure position" into words a user
//! reads: "expected an expression or `)`, found `z`".

use pest::error::{Error, ErrorVariant};

use super::parser::Rule;

/// Describes what the grammar expected where it failed, as a list in a stable order.
pub fn expected_items(err: &Error<Rule>) -> Vec<&'static str> {
    let mut items: Vec<&'static str> = Vec::new();
    let mut add = |item: Option<&'static str>| {
        if let Some(item) = item {
            if !items.contains(&item) {
                items.push(item);
            }
        }
    };
    if let ErrorVariant::ParsingError { positives, .. } = &err.variant {
        for rule in positives {
            add(describe_rule(*rule));
        }
    }
    if let Some(attempts) = err.parse_attempts() {
        for token in attempts.expected_tokens() {
            add(describe_token(&token.to_string()));
        }
    }
    items.sort_by_key(|item| ORDER.iter().position(|o| o == item).unwrap_or(ORDER.len()));
    items
}

/// The order in which expected items are listed: most useful first.
const ORDER: &[&str] = &[
    "an expression",
    "a name",
    "an operator",
    "`)`",
    "`]`",
    "`}`",
    "`,`",
    "`:`",
    "`=`",
    "`{`",
    "`=>`",
    "`in`",
    "`import`",
    "`else`",
    "a newline or `;`",
    "end of input",
];

fn describe_rule(rule: Rule) -> Option<&'static str> {
    use Rule::*;
    Some(match rule {
        expr | or_expr | and_expr | not_expr | comparison | arith | postfix | int | float | string | fstring
        | lambda | group | list | expr_list | neg | pos | bitnot | k_true | k_false | k_none | k_not | slice_part
        | arg | kwarg => "an expression",
        ident | target | targets | param | for_target | import_name => "a name",
        pow | floordiv | add | sub | mul | div | modulo | matmul | bitand | bitor | bitxor | cmp_op | aug_op | call
        | index | attr => "an operator",
        block => "`{`",
        k_in => "`in`",
        k_import => "`import`",
        k_else => "`else`",
        EOI => "end of input",
        _ => return None,
    })
}

fn describe_token(token: &str) -> Option<&'static str> {
    Some(match token {
        ")" => "`)`",
        "]" => "`]`",
        "}" => "`}`",
        "," => "`,`",
        ":" => "`:`",
        "=" => "`=`",
        "{" => "`{`",
        "=>" => "`=>`",
        "\n" | "\r\n" | ";" => "a newline or `;`",
        "+" | "-" | "*" | "/" | "//" | "%" | "**" | "@" | "&" | "|" | "^" | "==" | "!=" | "<" | "<=" | ">" | ">="
        | "." | "(" | "[" => "an operator",
        _ => return None,
    })
}

/// Joins items as English: "a, b or c".
pub fn join_or(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {}", init.join(", "), last),
    }
}

/// What stands at `offset`: a word, a number, an operator or the end.
pub fn found_at(text: &str, offset: usize) -> String {
    let rest = &text[offset.min(text.len())..];
    let rest_trimmed = rest.trim_start_matches([' ', '\t']);
    let Some(first) = rest_trimmed.chars().next() else {
        return "the end of the input".to_string();
    };
    if first == '\n' || first == '\r' {
        return "the end of the line".to_string();
    }
    let word: String = if first.is_alphanumeric() || first == '_' || first == '.' {
        rest_trimmed.chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.').collect()
    } else {
        first.to_string()
    };
    let word: String = word.chars().take(20).collect();
    format!("`{word}`")
}
