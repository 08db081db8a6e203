//! Indexed assignment has value semantics, and writes in place when it can.
//!
//! Random programs of small updates (`x[i] = v`, `x[a:b] = v`, `x[a:b] += v`,
//! `x[[i, j]] = v`) to names that alias one another (`y = x`), to arrays that
//! pending expressions and computed slices still read, are run by the real
//! binary and compared with a model in which every assignment copies (what value
//! semantics mean). `--time` must also report that updates were written in place.

use std::process::Command;

mod common;

use common::Rng;

const LEN: usize = 12;
const NAMES: [&str; 3] = ["x", "y", "z"];

/// Prints an array's elements as the model does: `1,2,3`.
const SHOW: &str = "fn show(a) {\n    t = str(int(a[0]))\n    for i in range(1, len(a)) { t = t + \",\" + str(int(a[i])) }\n    return t\n}\n";

/// The model: each name's elements (value semantics: assignment copies).
struct Model {
    values: Vec<Vec<i64>>,
}

impl Model {
    fn show(&self, k: usize) -> String {
        let items: Vec<String> = self.values[k].iter().map(|v| v.to_string()).collect();
        items.join(",")
    }
}

/// One statement, and what it does to the model.
fn statement(rng: &mut Rng, model: &mut Model, script: &mut String, expected: &mut String) {
    let k = rng.below(NAMES.len());
    let name = NAMES[k];
    let v = rng.below(100) as i64 - 50;
    match rng.below(7) {
        0 => {
            let i = rng.below(LEN);
            script.push_str(&format!("{name}[{i}] = {v}\n"));
            model.values[k][i] = v;
        }
        1 => {
            let a = rng.below(LEN);
            let b = (a + 1 + rng.below(3)).min(LEN);
            script.push_str(&format!("{name}[{a}:{b}] = {v}\n"));
            model.values[k][a..b].iter_mut().for_each(|x| *x = v);
        }
        2 => {
            let a = rng.below(LEN - 1);
            script.push_str(&format!("{name}[{a}:{}] += {v}\n", a + 2));
            model.values[k][a..a + 2].iter_mut().for_each(|x| *x += v);
        }
        3 => {
            let (i, j) = (rng.below(LEN), rng.below(LEN));
            script.push_str(&format!("{name}[[{i}, {j}]] = [{v}, {}]\n", v + 1));
            model.values[k][i] = v;
            model.values[k][j] = v + 1;
        }
        4 => {
            // Aliasing: another name takes this one's value.
            let other = rng.below(NAMES.len());
            script.push_str(&format!("{} = {name}\n", NAMES[other]));
            model.values[other] = model.values[k].clone();
        }
        5 => {
            // A pending expression, a computed slice and a pending expression of
            // a slice of the array, read after later updates: they keep the
            // value they had when made.
            let a = rng.below(LEN - 3);
            script.push_str(&format!("p = {name} * 2\nq = eval({name}[{a}:{}])\n", a + 3));
            script.push_str(&format!("r = {name}[{a}:{}] + 1\n", a + 3));
            let doubled: Vec<String> = model.values[k].iter().map(|x| (2 * x).to_string()).collect();
            let slice: Vec<String> = model.values[k][a..a + 3].iter().map(|x| x.to_string()).collect();
            let plus: Vec<String> = model.values[k][a..a + 3].iter().map(|x| (x + 1).to_string()).collect();
            script.push_str(&format!("{name}[{a}] = 999\n"));
            model.values[k][a] = 999;
            script.push_str("print(show(p), show(q), show(r))\n");
            expected.push_str(&format!("{} {} {}\n", doubled.join(","), slice.join(","), plus.join(",")));
        }
        _ => {
            script.push_str(&format!("print(show({name}))\n"));
            expected.push_str(&format!("{}\n", model.show(k)));
        }
    }
}

#[test]
fn small_updates_keep_value_semantics() {
    let dir = std::env::temp_dir().join(format!("darr-updates-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script_path = dir.join("case.da");
    let mut rng = Rng(0xA11A5);
    for case in 0..60 {
        let mut model = Model { values: vec![vec![0; LEN]; NAMES.len()] };
        let mut script = String::from(SHOW);
        for name in NAMES {
            script.push_str(&format!("{name} = zeros({LEN}, dtype=int64)\n"));
        }
        let mut expected = String::new();
        for _ in 0..40 {
            statement(&mut rng, &mut model, &mut script, &mut expected);
        }
        for (k, name) in NAMES.iter().enumerate() {
            script.push_str(&format!("print(show({name}))\n"));
            expected.push_str(&format!("{}\n", model.show(k)));
        }
        std::fs::write(&script_path, &script).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_darr")).arg(&script_path).output().expect("run darr");
        let printed = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "case {case} failed:\n{script}\n{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(printed, expected, "case {case} differs from value semantics:\n{script}");
    }
}

#[test]
fn a_loop_of_small_updates_writes_in_place() {
    let program = "s = zeros(100000)\nfor i in range(500) { s[i] = i; s[i:i + 3] += 1 }\nprint(sum(s))\n";
    let out = Command::new(env!("CARGO_BIN_EXE_darr")).args(["--time", "-e", program]).output().expect("run darr");
    let report = String::from_utf8_lossy(&out.stderr);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "125253.0");
    assert!(report.contains("; 1000 indexed assignments written in place"), "{report}");
}

/// A named value still pending over a view of the array (`v` below, fused into
/// the next plan rather than kept) is computed before the write, so the write
/// does not need to copy the array, and `v` keeps the old column.
#[test]
fn a_pending_value_reading_a_view_keeps_its_value() {
    let program = "q = zeros((4, 5))\na = ones((4, 5))\nfor j in range(1, 3) {\n    v = a[:, j] + q[:, j - 1]\n    q[:, j] = v * 2.0\n    print(v)\n}\nprint(q)\n";
    let out = Command::new(env!("CARGO_BIN_EXE_darr")).args(["--time", "-e", program]).output().expect("run darr");
    let printed = String::from_utf8_lossy(&out.stdout);
    let report = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{report}");
    assert_eq!(
        printed,
        "[1. 1. 1. 1.]\n[3. 3. 3. 3.]\n[[0. 2. 6. 0. 0.]\n [0. 2. 6. 0. 0.]\n [0. 2. 6. 0. 0.]\n [0. 2. 6. 0. 0.]]\n"
    );
    assert!(report.contains("; 2 indexed assignments written in place"), "{report}");
}
