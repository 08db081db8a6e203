//! Golden tests: run the real `darr` binary on every `tests/golden/**/NAME.da` and
//! compare what it prints with `NAME.out` (standard output, exit status 0) or
//! `NAME.err` (the rendered diagnostic on standard error, exit status 1).
//!
//! The `.err` files are the snapshots of rendered diagnostics: the binary renders
//! them without colour (standard error is not a terminal here) at a fixed width.
//! Every case also runs as a job of 3 ranks and must print the same, except a
//! case with a line `# one process` (its output depends on the number of ranks).
//!
//! Set `DARR_BLESS=1` to rewrite the expected files from the current output after a
//! deliberate change, then review the diff.

use std::path::{Path, PathBuf};
use std::process::Command;

fn cases(dir: &Path, found: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).expect("golden dir").map(|e| e.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            cases(&path, found);
        } else if path.extension().is_some_and(|e| e == "da") && !is_module(&path) {
            found.push(path);
        }
    }
}

/// Modules that other cases import start with `# module:` and are not cases.
fn is_module(path: &Path) -> bool {
    std::fs::read(path).is_ok_and(|bytes| bytes.starts_with(b"# module:"))
}

#[test]
fn golden_cases() {
    run_golden_cases(1);
}

/// The same cases as a job of 3 ranks (threads of one process): the same output,
/// the same diagnostics, printed once.
#[test]
fn golden_cases_on_three_ranks() {
    run_golden_cases(3);
}

fn run_golden_cases(ranks: u32) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut found = Vec::new();
    cases(&root, &mut found);
    assert!(found.len() >= 10, "expected golden cases under {}", root.display());
    let bless = ranks == 1 && std::env::var_os("DARR_BLESS").is_some();
    let mut failures = Vec::new();
    for case in &found {
        // A case whose output depends on the number of ranks (`explain` prints
        // placement and communication on several, spec 7.9) says `# one process`.
        if ranks > 1 && std::fs::read_to_string(case).is_ok_and(|text| text.contains("\n# one process\n")) {
            continue;
        }
        let dir = case.parent().unwrap();
        let name = case.file_name().unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_darr"))
            // Small arrays split too: the small cases test the split code.
            .args(["--ranks", &ranks.to_string(), "--replicate-below", "0"])
            .arg(name)
            .arg("golden-arg")
            .current_dir(dir)
            .env_remove("DARR_PATH")
            .env("NO_COLOR", "1")
            .output()
            .expect("run darr");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let out_file = case.with_extension("out");
        let err_file = case.with_extension("err");
        // Only cases under an `errors` folder may be blessed as error snapshots, so a
        // broken case elsewhere fails instead of being recorded as expected.
        let in_errors_dir = dir.file_name().is_some_and(|d| d == "errors");
        let expects_error = err_file.exists() || (bless && in_errors_dir);
        let (want_file, actual, want_status) =
            if expects_error { (&err_file, stderr.to_string(), 1) } else { (&out_file, stdout.to_string(), 0) };
        if bless {
            std::fs::write(want_file, &actual).unwrap();
            if expects_error && !stdout.is_empty() {
                std::fs::write(&out_file, stdout.as_bytes()).unwrap();
            }
            continue;
        }
        let want = std::fs::read_to_string(want_file).unwrap_or_else(|_| panic!("missing {}", want_file.display()));
        let status = output.status.code();
        if status != Some(want_status) || actual != want {
            failures.push(format!(
                "{} on {ranks} ranks: exit status {status:?} (want {want_status})\n--- expected\n{want}--- actual\n{actual}--- stderr\n{stderr}",
                case.display()
            ));
        }
        if expects_error && out_file.exists() {
            let want_out = std::fs::read_to_string(&out_file).unwrap();
            if stdout != want_out {
                failures.push(format!(
                    "{}: stdout before the error\n--- expected\n{want_out}--- actual\n{stdout}",
                    case.display()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} golden cases failed on {ranks} ranks:\n\n{}",
        failures.len(),
        found.len(),
        failures.join("\n\n")
    );
}
