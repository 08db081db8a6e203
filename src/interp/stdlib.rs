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
