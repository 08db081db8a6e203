//! Runs the shared conformance cases listed in `tests/conformance.txt` with the
//! shared runner (`../shared/bin/conform`), when the shared folder is present.
//! Cases whose `.check.py` reads darr's files with NumPy need NumPy too; without
//! it they are skipped, with one line saying so (see `common/prereq.rs`).

mod common;

use std::path::Path;
use std::process::Command;

#[test]
fn listed_conformance_cases_pass() {
    run_listed_cases(1);
}

/// The same cases as jobs of 3 ranks, threads of one process standing in for
/// `mpiexec` (`tests/bin/in-process-mpiexec`): `.invariant` cases must then print
/// exactly what one process prints.
#[test]
fn listed_conformance_cases_pass_on_three_ranks() {
    run_listed_cases(3);
}

fn run_listed_cases(ranks: usize) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let Some(shared) = common::prereq::shared("conformance::listed_conformance_cases_pass") else {
        return;
    };
    let runner = shared.join("bin/conform");
    let list = std::fs::read_to_string(root.join("tests/conformance.txt")).expect("tests/conformance.txt");
    let mut cases: Vec<String> = list
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| shared.join("conformance").join(l).display().to_string())
        .collect();
    assert!(!cases.is_empty());
    let uses_numpy =
        |case: &String| std::fs::read_to_string(format!("{case}.check.py")).is_ok_and(|check| check.contains("numpy"));
    if cases.iter().any(uses_numpy) && !common::prereq::numpy("conformance: the cases checked with NumPy") {
        cases.retain(|case| !uses_numpy(case));
    }
    let cases: Vec<String> = cases.into_iter().map(|case| format!("{case}.da")).collect();
    let output = Command::new("python3")
        .arg(&runner)
        .arg("--darr")
        .arg(env!("CARGO_BIN_EXE_darr"))
        .arg("--timeout")
        .arg("60")
        .args(["--np", &ranks.to_string()])
        // Small arrays split too: the small cases test the split code.
        .env("DARR_REPLICATE_BELOW", "0")
        .arg("--mpiexec")
        .arg(format!("sh '{}'", root.join("tests/bin/in-process-mpiexec").display()))
        .args(&cases)
        .output()
        .expect("run the conformance runner with python3");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "conformance failures:\n{report}{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        report.contains(&format!("(np={ranks}): {} passed, 0 failed", cases.len())),
        "unexpected report:\n{report}"
    );
}
