//! What some tests need beyond a Rust toolchain: Python's NumPy (the peer darr is
//! compared with) and the shared conformance folder `../shared`.
//!
//! On a machine without them, `cargo test --release` still passes: each test that
//! needs one says so in one line on standard error (written past the test harness's
//! output capture, so it shows in a passing run) with what to install, and skips.
//! `.ci/run` installs everything and sets `DARR_TESTS_STRICT=1`, under which a
//! missing prerequisite fails the test instead, so CI never passes by skipping.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Whether `python3 -c "import numpy"` works. `DARR_SKIP_NUMPY=1` answers no.
pub fn numpy(test: &str) -> bool {
    static FOUND: OnceLock<bool> = OnceLock::new();
    let found = *FOUND.get_or_init(|| {
        std::env::var_os("DARR_SKIP_NUMPY").is_none()
            && Command::new("python3").args(["-c", "import numpy"]).output().is_ok_and(|o| o.status.success())
    });
    found || missing(test, "Python's NumPy", "python3 -m pip install numpy")
}

/// The shared folder beside the repository (`../shared`), if it is there.
pub fn shared(test: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    if dir.join("bin/conform").exists() {
        Some(dir)
    } else {
        missing(test, "the shared conformance folder", "check out `shared/` beside this repository");
        None
    }
}

/// Reports a skipped test (or fails it under `DARR_TESTS_STRICT`); always false.
pub fn missing(test: &str, what: &str, install: &str) -> bool {
    assert!(
        std::env::var_os("DARR_TESTS_STRICT").is_none(),
        "{test}: {what} is required (DARR_TESTS_STRICT is set); {install}"
    );
    // Straight to the process's stderr: `eprintln!` would be captured and hidden.
    let _ = writeln!(std::io::stderr(), "skipped: {test} (needs {what}: {install})");
    false
}
