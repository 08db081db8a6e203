//! Optimization never changes a result: random programs of shared elementwise
//! subexpressions, views, broadcasts, float32 casts and reductions are run by the
//! real binary with and without `--no-opt`; the arrays they save must be equal
//! byte for byte and the printed text identical.

use std::path::Path;
use std::process::Command;

mod common;

use common::Rng;

/// Expressions of shape (4, 5) built from earlier (4, 5) values `x`, `y`.
fn expression(rng: &mut Rng, x: &str, y: &str) -> String {
    let unary = ["sqrt(abs({x}))", "exp(-abs({x}))", "log1p(abs({x}))", "sin({x})", "tanh({x})", "-{x}", "floor({x})"];
    let more = ["norm_cdf({x})", "erf({x})", "{x} ** 2", "abs({x}) ** 0.5", "1 / (1 + {x} * {x})"];
    let binary = [
        "{x} + {y}",
        "{x} - {y}",
        "{x} * {y}",
        "{x} / (1 + abs({y}))",
        "maximum({x}, {y})",
        "minimum({x}, 0.25)",
        "hypot({x}, {y})",
        "arctan2({x}, {y})",
        "where({x} > {y}, {x}, {y} * 2)",
        "where(({x} > 0) & ({y} < 0.5), 1.0, {y})",
        "{x} * b + c",
        "{x} - b[newaxis, :]",
    ];
    let views = [
        "{x}[::-1, :]",
        "{x}[:, ::-1]",
        "transpose(transpose({x}))",
        "reshape(reshape({x}, (20,)), (4, 5))",
        "transpose(transpose({x}) * 2)",
        "astype({x}, float32) * 1.5",
        "astype(astype({x}, float32) + 1, float64)",
    ];
    let template = match rng.below(4) {
        0 => rng.pick(&unary),
        1 => rng.pick(&more),
        2 => rng.pick(&binary),
        _ => rng.pick(&views),
    };
    template.replace("{x}", x).replace("{y}", y)
}

fn reductions(rng: &mut Rng, x: &str, y: &str) -> String {
    let forms = [
        "sum({x})",
        "mean({x}, axis=0)",
        "max({x}, axis=1)",
        "min({x})",
        "argmin({x}, axis=1)",
        "argmax({x}, axis=0)",
        "sum({x}[:, newaxis, :] - {y}[newaxis, :, :], axis=2)",
        "argmin(sum(({x}[:, newaxis, :] - {y}[newaxis, :, :]) ** 2, axis=2), axis=1)",
        "count_nonzero({x} > 0.5)",
        "all({x} > -100)",
        "any({x} > 0.9, axis=0)",
        "sum({x} * {y}, axis=(0, 1))",
        "mean({x} > {y})",
        "sum(exp({x})) + sum({y} * exp({x}))",
        "mean({x} * 2, axis=0) - sum({x} * {y}, axis=0)",
        "max(sum({x} * {y}, axis=0))",
        "argmax(mean({x}[:, newaxis, :] * {y}[newaxis, :, :], axis=0), axis=1)",
        "sum(min(({x}[:, newaxis, :] - {y}[newaxis, :, :]) ** 2, axis=2), axis=0)",
    ];
    rng.pick(&forms).replace("{x}", x).replace("{y}", y)
}

fn program(rng: &mut Rng, dir: &Path) -> String {
    let mut text = String::from("seed(11)\na = rand(4, 5) * 4 - 2\nb = rand(5) - 0.5\nc = rand(4, 1)\n");
    let mut names = vec!["a".to_string()];
    for k in 0..2 + rng.below(6) {
        let x = names[rng.below(names.len())].clone();
        let y = names[rng.below(names.len())].clone();
        let name = format!("t{k}");
        text.push_str(&format!("{name} = {}\n", expression(rng, &x, &y)));
        if rng.below(3) == 0 {
            // A slice update reading the array it updates, as a stencil does.
            text.push_str(&format!("{name}[1:3, 1:4] = {name}[:2, :3] * 0.5 + {y}[2:, 2:] - {name}[2:, :3]\n"));
        }
        names.push(name);
    }
    for (k, name) in names.iter().rev().take(2).enumerate() {
        let file = dir.join(format!("r{k}.npy"));
        text.push_str(&format!("save(\"{}\", astype({name}, float64))\n", file.display()));
    }
    for _ in 0..2 {
        let x = names[rng.below(names.len())].clone();
        let y = names[rng.below(names.len())].clone();
        let r = reductions(rng, &x, &y);
        text.push_str(&format!("r = {r}\nprint(r)\nprint(f\"{{float(sum(astype(r, float64))):.17g}}\")\n"));
    }
    text
}

fn run(args: &[&str], script: &Path) -> (String, Vec<Vec<u8>>) {
    let out = Command::new(env!("CARGO_BIN_EXE_darr")).args(args).arg(script).output().expect("run darr");
    let text = format!(
        "{}{}status {:?}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        out.status.code()
    );
    let dir = script.parent().unwrap();
    let saved = (0..2).map(|k| std::fs::read(dir.join(format!("r{k}.npy"))).unwrap_or_default()).collect();
    (text, saved)
}

#[test]
fn optimized_and_unoptimized_runs_agree_bit_for_bit() {
    let dir = std::env::temp_dir().join(format!("darr-opt-property-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("case.da");
    let mut rng = Rng(0x5EED_1234);
    let (mut fused_kernels, mut split_plans) = (0, 0);
    for case in 0..120 {
        let text = program(&mut rng, &dir);
        std::fs::write(&script, &text).unwrap();
        let plain = run(&["--no-opt"], &script);
        // Planned even at this size, so the optimizer's passes are what is compared.
        let optimized = run(&["--time", "--small-work", "0"], &script);
        // And as it runs by default: small arrays node by node, without a plan.
        let default = run(&[], &script);
        // And split over 3 ranks (threads of one process), optimized and planned.
        let split = run(&["--ranks", "3", "--small-work", "0", "--replicate-below", "0", "--time"], &script);
        assert!(plain.0.contains("status Some(0)"), "case {case} failed:\n{text}\n{}", plain.0);
        let (optimized_text, timing) = optimized.0.split_once("time:").expect("--time summary");
        let plain_text = plain.0.replace("status Some(0)", "");
        assert_eq!(plain_text, optimized_text, "case {case} prints differently:\n{text}");
        assert_eq!(plain.1, optimized.1, "case {case} saves different bytes:\n{text}");
        assert_eq!(plain.0, default.0, "case {case} prints differently by default:\n{text}");
        assert_eq!(plain.1, default.1, "case {case} saves different bytes by default:\n{text}");
        // Reductions over split rows add partial sums in another order.
        let (split_text, split_timing) = split.0.split_once("time:").expect("--time summary");
        assert!(
            common::agree(&plain_text, split_text),
            "case {case} prints differently on 3 ranks:\n{text}\n{plain_text}\n---\n{split_text}"
        );
        assert_eq!(plain.1, split.1, "case {case} saves different bytes on 3 ranks:\n{text}");
        fused_kernels += timing
            .split_whitespace()
            .collect::<Vec<_>>()
            .windows(2)
            .find(|w| w[1] == "fused")
            .and_then(|w| w[0].parse::<usize>().ok())
            .unwrap_or(0);
        split_plans += split_timing
            .split(';')
            .find_map(|part| part.trim().strip_suffix("plans split over 3 ranks"))
            .and_then(|n| n.trim().parse::<usize>().ok())
            .unwrap_or(0);
    }
    // The comparisons mean something only if the optimizer actually fused, and
    // plans actually ran split.
    assert!(fused_kernels > 100, "only {fused_kernels} fused kernels ran");
    assert!(split_plans > 100, "only {split_plans} plans ran split over 3 ranks");
    std::fs::remove_dir_all(&dir).ok();
}

/// Large arrays exercise what small ones cannot: many chunks, sums split between
/// threads, long rows reduced chunk by chunk, reductions over leading axes.
#[test]
fn large_arrays_agree_across_optimization_and_thread_counts() {
    let dir = std::env::temp_dir().join(format!("darr-opt-large-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("case.da");
    let text = format!(
        r#"seed(5)
a = rand(1000003) * 2 - 1
b = rand(1000003)
# Sums with cancellation: a different summation order shows in the last digits.
print(f"{{float(sum(a * exp(b * 10))):.17g}}")
r = sum(reshape(a[:1000000] * exp(b[:1000000] * 10), (4, 250000)), axis=1)
print(f"{{float(r[0]):.17g}} {{float(r[3]):.17g}}")
a[777777] = nan
x = reshape(a[:1000000], (1000, 1000))
y = reshape(b[:1000000], (1000, 1000))
print(f"{{float(sum(sqrt(a * a + b * b))):.17g}}")
print(f"{{float(mean(b * 3 - 1)):.17g}}")
print(argmin(a), argmax(a), argmin(b * 2), argmax(b - 1), min(a), max(b * b))
print(f"{{float(sum(sum(x * y, axis=0))):.17g}}", f"{{float(sum(mean(x - y, axis=1))):.17g}}")
print(argmin(sum((x[:50, newaxis, :] - y[newaxis, :7, :]) ** 2, axis=2), axis=1))
print(argmax(sum(reshape(a[:1000000] * b[:1000000], (4, 250000)), axis=1)), argmin(max(x * y, axis=0)))
print(f"{{float(mean(sum((x[:, newaxis, :20] - y[newaxis, :30, :20]) ** 2, axis=0), axis=1)[29]):.17g}}")
print(count_nonzero(b > 0.5), all(b >= 0), any(x > 2))
# Sums down columns: over a leading axis, a middle one, and a run of two.
z = reshape(b[:1000000], (8, 125, 1000))
print(f"{{float(sum(sum(z * 2 - a[:1000][newaxis, newaxis, :], axis=1))):.17g}}", f"{{float(sum(mean(z * z, axis=(0, 1)))):.17g}}")
w = reshape(a[:999999], (333, 3003))
print(f"{{float(sum(sum(w * w, axis=0) * a[:3003])):.17g}}", f"{{float(sum(sum(w, axis=0) * a[:3003])):.17g}}")
# Gradients, `transpose(g) @ f(g @ w)`, computed in one pass over `g`; a named
# residual and product are kept.
g = reshape(b[:800000] - 0.5, (100000, 8))
wv = b[:8] - 0.5
yv = a[100000:200000] * 1
eval(g); eval(yv)
print(f"{{float(sum(transpose(g) @ (g @ wv - yv))):.17g}}")
p = 1 / (1 + exp(-(g @ wv)))
s = where(p * yv < 0.1, yv, 0.0)
print(transpose(g) @ (p - yv), transpose(g) @ s / 7)
print(f"{{float(sum(p)):.17g}} {{float(sum(s)):.17g}}")
save("{}", a * b + 2 * a - b / 3)
save("{}", astype(transpose(x) * 0.5 + y, float32))
"#,
        dir.join("r0.npy").display(),
        dir.join("r1.npy").display()
    );
    std::fs::write(&script, text).unwrap();
    let plain = run(&["--no-opt"], &script);
    assert!(plain.0.contains("status Some(0)"), "{}", plain.0);
    for args in [&["--threads", "1"][..], &["--threads", "2"], &["--threads", "3"]] {
        assert_eq!(run(args, &script), plain, "with {args:?}");
    }
    let (_, timing) =
        run(&["--time"], &script).0.split_once("time:").map(|(a, b)| (a.to_string(), b.to_string())).unwrap();
    // The third product reads `p`, which the second computed inside itself: its
    // plan keeps `p` first (a kernel of its own), so it takes the usual path.
    assert!(timing.contains("2 transposed products computed in one pass"), "{timing}");
    std::fs::remove_dir_all(&dir).ok();
}

/// A loop-carried value read through broadcast views of itself
/// (Floyd-Warshall's `d = minimum(d, d[:, k:k+1] + d[k:k+1, :])`) must not be
/// recomputed once per view in the next step's kernel: its plan grew as
/// 3^steps (8 steps took 0.5 s to plan, 14 did not finish in a minute). The
/// plan's fused ops now grow linearly with the steps.
#[test]
fn loop_carried_broadcast_updates_plan_in_linear_size() {
    for steps in [8, 20, 40] {
        let program = format!(
            "d = rand(8, 8) * 10 + 1\nfor k in range({steps}) {{ d = minimum(d, d[:, k % 8:k % 8 + 1] + d[k % 8:k % 8 + 1, :]) }}\nprint(explain(d))\n"
        );
        let out = Command::new(env!("CARGO_BIN_EXE_darr")).args(["-e", &program]).output().expect("run darr");
        let plan = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let ops = plan.lines().filter(|l| l.starts_with("    t")).count();
        assert!(ops > 0 && ops <= 10 * steps, "{steps} steps planned {ops} fused ops:\n{plan}");
    }
}

/// A named pending value that one plan computed inside itself is materialized
/// (and kept) by the next plan that needs it, and only it: not its unnamed
/// intermediates, and not on its first use.
#[test]
fn a_named_value_computed_again_is_kept_the_second_time() {
    let program = "a = rand(100)\nb = rand(100)\neval(a); eval(b)\nv = a * 2 + b\n\
                   print(explain(sum(v)))\nprint(\"--\")\nprint(explain(v * 3))\n";
    let out = Command::new(env!("CARGO_BIN_EXE_darr")).args(["-e", program]).output().expect("run darr");
    let text = String::from_utf8_lossy(&out.stdout);
    let (first, second) = text.split_once("--").expect("two plans");
    assert_eq!(first.matches("(materialized").count(), 0, "{text}");
    assert_eq!(second.matches("(materialized").count(), 1, "{text}");
    let kept = second.lines().find(|l| l.contains("(materialized")).expect("a kept kernel");
    assert!(kept.contains("(materialized: an earlier plan computed it too, and a name holds it)"), "{text}");
    assert!(kept.contains("2 fused ops"), "the kept kernel should compute v = a * 2 + b:\n{text}");
}
