//! The application benchmarks (`bench/apps`, listed in `apps.txt`) compute what
//! NumPy computes: each program runs in darr and in NumPy at its small size, and
//! the results they print must agree (numbers to a relative 1e-6). Needs NumPy;
//! without it this says so and skips (see `common/prereq.rs`).

mod common;

use std::path::Path;
use std::process::Command;

fn results(cmd: &mut Command) -> Vec<String> {
    let out = cmd.output().expect("run an application");
    assert!(out.status.success(), "{cmd:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // The last line is the time taken.
    assert!(lines.pop().is_some_and(|t| t.parse::<f64>().is_ok()), "{cmd:?} printed no time last:\n{text}");
    lines
}

/// Words equal, numbers equal to a relative 1e-6.
fn agree(a: &str, b: &str) -> bool {
    let (a, b): (Vec<&str>, Vec<&str>) = (a.split_whitespace().collect(), b.split_whitespace().collect());
    a.len() == b.len()
        && a.iter().zip(&b).all(|(x, y)| match (x.parse::<f64>(), y.parse::<f64>()) {
            (Ok(u), Ok(v)) => (u - v).abs() <= 1e-6 * u.abs().max(v.abs()) + 1e-12,
            _ => x == y,
        })
}

#[test]
fn every_application_prints_what_numpy_prints() {
    if !common::prereq::numpy("apps::every_application_prints_what_numpy_prints") {
        return;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/apps");
    let listing = std::fs::read_to_string(dir.join("apps.txt")).expect("bench/apps/apps.txt");
    let apps: Vec<(&str, &str)> = listing
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let fields: Vec<&str> = l.split_whitespace().collect();
            (fields[0], fields[2])
        })
        .collect();
    assert!(apps.len() >= 20, "expected the application list, found {}", apps.len());
    let mut failures = Vec::new();
    for (name, size) in apps {
        let darr =
            results(Command::new(env!("CARGO_BIN_EXE_darr")).arg(format!("{name}.da")).arg(size).current_dir(&dir));
        let numpy = results(Command::new("python3").arg(format!("{name}.py")).arg(size).current_dir(&dir));
        if darr.is_empty() || darr.len() != numpy.len() || !darr.iter().zip(&numpy).all(|(a, b)| agree(a, b)) {
            failures.push(format!("{name}: darr printed {darr:?}, NumPy {numpy:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
