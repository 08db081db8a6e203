//! The standard library: modules written in darr (`stdlib/*.da`), embedded in the
//! binary so that `import stats` works wherever the binary is copied.

/// `(module name, source)` for every embedded module.
const MODULES: &[(&str, &str)] = &[
    ("finance", include_str!("../../stdlib/finance.da")),
    ("images", include_str!("../../stdlib/images.da")),
    ("linalg", include_str!("../../stdlib/linalg.da")),
    ("ml", include_str!("../../stdlib/ml.da")),
    ("stats", include_str!("../../stdlib/stats.da")),
];

pub fn source(name: &str) -> Option<&'static str> {
    MODULES.iter().find(|(n, _)| *n == name).map(|(_, src)| *src)
}

pub fn names() -> impl Iterator<Item = &'static str> {
    MODULES.iter().map(|(n, _)| *n)
}

/// The comment block written just above `fn name` in a standard library module,
/// without the `# ` markers (what `:help module.name` shows).
pub fn doc(module: &str, name: &str) -> Option<String> {
    let source = source(module)?;
    let lines: Vec<&str> = source.lines().collect();
    let def = lines.iter().position(|l| l.starts_with(&format!("fn {name}(")))?;
    let mut block: Vec<&str> = lines[..def]
        .iter()
        .rev()
        .take_while(|l| l.starts_with('#'))
        .map(|l| l.trim_start_matches('#').trim())
        .collect();
    block.reverse();
    (!block.is_empty()).then(|| block.join("\n"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_stdlib_function_is_documented() {
        for module in super::names() {
            let source = super::source(module).unwrap();
            for line in source.lines().filter(|l| l.starts_with("fn ")) {
                let name = line[3..].split('(').next().unwrap();
                assert!(super::doc(module, name).is_some(), "{module}.{name} has no comment block");
            }
        }
        assert!(super::doc("stats", "zscore").unwrap().starts_with("zscore(x, axis=none)"));
    }
}
