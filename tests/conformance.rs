//! Runs the shared conformance cases listed in `tests/conformance.txt` with the
//! shared runner (`../shared/bin/conform`), when the shared folder is present.

use std::path::Path;
use std::process::Command;

#[test]
fn listed_conformance_cases_pass() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = root.join("../shared");
    let runner = shared.join("bin/conform");
    if !runner.exists() {
        eprintln!("skipped: {} is not present", runner.display());
        return;
    }
    let list = std::fs::read_to_string(root.join("tests/conformance.txt")).expect("tests/conformance.txt");
    let cases: Vec<String> = list
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| shared.join("conformance").join(format!("{l}.da")).display().to_string())
        .collect();
    assert!(!cases.is_empty());
    let output = Command::new("python3")
        .arg(&runner)
        .arg("--darr")
        .arg(env!("CARGO_BIN_EXE_darr"))
        .arg("--timeout")
        .arg("60")
        .args(&cases)
        .output()
        .expect("run the conformance runner with python3");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "conformance failures:\n{report}{}", String::from_utf8_lossy(&output.stderr));
    assert!(report.contains(&format!("{} passed, 0 failed", cases.len())), "unexpected report:\n{report}");
}
