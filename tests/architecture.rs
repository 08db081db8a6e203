//! The dependency invariants of `../shared/guide/architecture.md`, checked on the
//! source: `syntax` depends on nothing else in the crate; `graph` and `exec` know
//! nothing of the AST or the evaluator; nothing outside `dist` touches MPI.

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

fn uses_of(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim).filter(|l| !l.starts_with("//")).filter(|l| l.contains("crate::"))
}

#[test]
fn syntax_depends_on_nothing_else() {
    for (file, text) in sources("syntax") {
        for line in uses_of(&text) {
            assert!(line.contains("crate::syntax"), "{file}: `{line}` reaches outside syntax");
        }
    }
}

#[test]
fn graph_opt_and_exec_know_nothing_of_the_ast_or_the_evaluator() {
    for dir in ["graph", "exec"] {
        for (file, text) in sources(dir) {
            for line in uses_of(&text) {
                assert!(!line.contains("crate::interp"), "{file}: `{line}` uses the evaluator");
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
