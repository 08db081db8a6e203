//! Parsing the signature text of a builtin (`sum(a, axis=none, keepdims=false)`)
//! into the parameter list that argument binding uses.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamKind {
    Required,
    /// Has a default; the builtin decides what an absent value means.
    Optional,
    /// `*name`: collects the remaining positional arguments. Parameters after it
    /// can only be given by keyword.
    VarArgs,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamSpec {
    pub name: Box<str>,
    pub kind: ParamKind,
}

/// Splits `name(p1, p2=default, *rest, kw=default)`. Signatures are written by us,
/// so a malformed one is a bug caught by the registry's tests.
pub fn parse(signature: &'static str) -> (&'static str, Vec<ParamSpec>) {
    let open = signature.find('(').unwrap_or(signature.len());
    let name = &signature[..open];
    let inner = signature.get(open + 1..signature.len().saturating_sub(1)).unwrap_or("");
    let params = split_top_level(inner)
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            if let Some(rest) = p.strip_prefix('*') {
                ParamSpec { name: rest.into(), kind: ParamKind::VarArgs }
            } else if let Some((n, _default)) = p.split_once('=') {
                ParamSpec { name: n.trim().into(), kind: ParamKind::Optional }
            } else {
                ParamSpec { name: p.into(), kind: ParamKind::Required }
            }
        })
        .collect();
    (name, params)
}

/// Splits on commas that are not inside brackets or quotes.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut quote, mut start) = (0i32, None, 0);
    let mut chars = text.char_indices();
    while let Some((i, ch)) = chars.next() {
        match (quote, ch) {
            (Some(_), '\\') => {
                chars.next();
            }
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(ch),
            (None, '(' | '[') => depth += 1,
            (None, ')' | ']') => depth -= 1,
            (None, ',') if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_defaults_varargs_and_nested_commas() {
        let (name, params) = parse("print(*args, sep=\" \", end=\"\\n\")");
        assert_eq!(name, "print");
        assert_eq!(params.len(), 3);
        assert_eq!(params[0].kind, ParamKind::VarArgs);
        assert_eq!(&*params[2].name, "end");
        let (_, params) = parse("mandelbrot(w, h, iters=50, xlim=(-2.0, 0.6), ylim=(-1.1, 1.1))");
        assert_eq!(params.len(), 5);
        assert_eq!(params[4].kind, ParamKind::Optional);
        let (name, params) = parse("clock()");
        assert_eq!((name, params.len()), ("clock", 0));
    }
}
