//! The layering of `docs/architecture.md`, checked on the source: a table of the
//! modules each layer must not import (a back-edge), the AST kept to the front
//! end, and MPI kept to `dist`.
//!
//! From the bottom: `syntax`; `diag`; `dist` (ranks and layouts); `graph` (array
//! types and the lazy DAG; it never computes); `num` (numeric rules on computed
//! data); `io` (file formats); `opt` (plans, placement); `exec` (runs plans; it
//! never chooses a placement); `interp` and `builtins` (the evaluator).

use std::path::Path;

fn sources(dir: &str) -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(dir);
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push((path.display().to_string(), std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    out
}

/// The code lines of a file (comments left out).
fn code_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim).filter(|l| !l.starts_with("//"))
}

/// Whether `line` names module `module` of the crate (`crate::m::`, `$crate::m`).
fn names(line: &str, module: &str) -> bool {
    let needle = format!("crate::{module}");
    line.match_indices(&needle).any(|(at, _)| {
        let next = line[at + needle.len()..].chars().next();
        !next.is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

/// Each layer and the modules it must not import.
const FORBIDDEN: &[(&str, &[&str])] = &[
    ("syntax", &["diag", "dist", "graph", "num", "io", "opt", "exec", "interp", "builtins", "session", "check"]),
    ("diag", &["dist", "graph", "num", "io", "opt", "exec", "interp", "builtins", "session", "check"]),
    ("dist", &["graph", "num", "io", "opt", "exec", "interp", "builtins", "session", "check"]),
    ("graph", &["num", "io", "opt", "exec", "interp", "builtins", "session", "check"]),
    ("num", &["io", "opt", "exec", "interp", "builtins", "session", "check", "dist"]),
    ("io", &["opt", "exec", "interp", "builtins", "session", "check"]),
    ("opt", &["io", "exec", "interp", "builtins", "session", "check"]),
    ("exec", &["interp", "builtins", "session", "check"]),
];

#[test]
fn no_layer_imports_a_layer_above_it() {
    let mut back_edges = Vec::new();
    for (layer, forbidden) in FORBIDDEN {
        let files = sources(layer);
        assert!(!files.is_empty(), "no sources under src/{layer}");
        for (file, text) in files {
            for line in code_lines(&text) {
                // Grouped paths (`crate::{a, b}`) would hide a module from this check.
                assert!(!line.contains("crate::{"), "{file}: `{line}`: name crate modules one path at a time");
                for module in forbidden.iter().filter(|m| names(line, m)) {
                    back_edges.push(format!("{file}: {layer} -> {module}: `{line}`"));
                }
            }
        }
    }
    assert!(back_edges.is_empty(), "back-edges between layers:\n{}", back_edges.join("\n"));
}

#[test]
fn the_check_sees_an_import() {
    assert!(names("use crate::exec::force;", "exec"));
    assert!(names("        use $crate::num::pyfloat::py_float_mod;", "num"));
    assert!(!names("use crate::execute;", "exec"));
    assert!(!names("use crate::graph::Array;", "exec"));
}

#[test]
fn only_the_front_end_knows_the_ast() {
    for dir in ["dist", "graph", "num", "io", "opt", "exec"] {
        for (file, text) in sources(dir) {
            for line in code_lines(&text) {
                assert!(!line.contains("syntax::ast"), "{file}: `{line}` uses the AST");
            }
        }
    }
}

#[test]
fn nothing_outside_dist_touches_mpi() {
    for (file, text) in sources("") {
        if file.contains("/dist/") {
            continue;
        }
        assert!(!text.contains("mpi::"), "{file} uses MPI directly");
    }
}
