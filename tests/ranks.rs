//! The binary as a job of several ranks: every example prints exactly what one
//! process prints and writes the same files; random programs give the same
//! results on 1 and 3 ranks; an error on one rank is reported once and ends every
//! rank; the REPL reads on rank 0 and every rank runs each input.
//!
//! Built with `--features mpi` (as `.ci/run` does, with Open MPI installed) the
//! jobs run under `mpiexec`; otherwise as threads of one process (`darr --ranks
//! N`), so the default `cargo test` runs the distributed code without MPI.

mod common;

use common::{agree, Rng};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// `darr` on `ranks` ranks, with `args` still to add: under `mpiexec` with the
/// `mpi` feature, else as a job of threads in one process.
fn job(ranks: usize) -> Command {
    if cfg!(feature = "mpi") {
        let mut command = Command::new("mpiexec");
        command
            .args(["--oversubscribe", "-n", &ranks.to_string()])
            .arg(env!("CARGO_BIN_EXE_darr"))
            .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
            .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
        command
    } else {
        let mut command = Command::new(env!("CARGO_BIN_EXE_darr"));
        command.args(["--ranks", &ranks.to_string()]);
        command
    }
}

/// Runs `darr ARGS` on `ranks` ranks in `dir`. Small arrays are split too
/// (`--replicate-below 0`), so small programs test the split code.
fn on_ranks(ranks: usize, args: &[&str], dir: &Path) -> Output {
    on_ranks_replicating(ranks, Some("0"), args, dir)
}

/// `on_ranks`, arrays of fewer than `below` elements (by default, darr's
/// threshold) made whole on every rank.
fn on_ranks_replicating(ranks: usize, below: Option<&str>, args: &[&str], dir: &Path) -> Output {
    let mut job = job(ranks);
    if let Some(below) = below {
        job.args(["--replicate-below", below]);
    }
    job.args(args).current_dir(dir).env("NO_COLOR", "1");
    job.stdin(Stdio::null()).output().expect("run darr")
}

fn solo(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_darr")).args(args).current_dir(dir).env("NO_COLOR", "1").output().unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("darr-mpi-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn text_of(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The example programs (`examples/*.da`).
fn examples() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let entries = std::fs::read_dir(dir).unwrap().map(|entry| entry.unwrap().path());
    entries.filter(|path| path.extension().is_some_and(|e| e == "da")).collect()
}

#[test]
fn every_example_prints_and_writes_the_same_on_four_ranks() {
    let mut ran = 0;
    for path in examples() {
        let source = std::fs::read_to_string(&path).unwrap();
        let test_args: Vec<&str> = source
            .lines()
            .find_map(|l| l.strip_prefix("# test:"))
            .map(|a| a.split_whitespace().collect())
            .unwrap_or_default();
        let mut args = vec![path.to_str().unwrap()];
        args.extend(&test_args);
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let (one_dir, four_dir) = (scratch(&format!("{name}-1")), scratch(&format!("{name}-4")));
        let one = solo(&args, &one_dir);
        let four = on_ranks(4, &args, &four_dir);
        assert!(one.status.success(), "{name} alone: {}", text_of(&one.stderr));
        assert!(four.status.success(), "{name} on 4 ranks: {}", text_of(&four.stderr));
        assert_eq!(text_of(&four.stdout), text_of(&one.stdout), "{name}: output on 4 ranks differs from one process");
        for file in std::fs::read_dir(&one_dir).unwrap() {
            let file = file.unwrap().path();
            let written = four_dir.join(file.file_name().unwrap());
            assert_eq!(
                std::fs::read(&written).ok(),
                std::fs::read(&file).ok(),
                "{name}: {} differs on 4 ranks",
                written.display()
            );
        }
        ran += 1;
    }
    assert!(ran >= 8, "expected the examples, ran {ran}");
}

/// At their default sizes and settings, the examples join no split value whole
/// on 4 ranks: small arrays (a plot's axis, k-means' centres, a model's
/// weights) are made whole on every rank, large ones never gathered.
#[test]
fn the_examples_join_nothing_whole_on_four_ranks() {
    let mut ran = 0;
    for path in examples() {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let dir = scratch(&format!("{name}-default"));
        let four = on_ranks_replicating(4, None, &["--time", path.to_str().unwrap()], &dir);
        let timing = text_of(&four.stderr);
        assert!(four.status.success(), "{name}: {timing}");
        assert_eq!(counted(&timing, "split values joined whole"), 0, "{name}: {timing}");
        ran += 1;
    }
    assert!(ran >= 8, "expected the examples, ran {ran}");
}

/// A failure on some ranks: exit status 1, the diagnostic printed once, and every
/// rank ended within seconds.
fn assert_fails_once(program: &str, code: &str) {
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let dir = scratch(&format!("fail-{}", RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)));
    // `part0.npy` exists; the other ranks' parts do not.
    assert!(solo(&["-e", "save(\"part0.npy\", arange(5.0))"], &dir).status.success());
    let started = Instant::now();
    let out = on_ranks(3, &["-e", program], &dir);
    let stderr = text_of(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{program}: {stderr}");
    assert_eq!(stderr.matches(code).count(), 1, "{program}: the diagnostic must be printed once:\n{stderr}");
    assert!(stderr.contains("<eval>:1:"), "{program}: the report points at the source:\n{stderr}");
    assert!(started.elapsed() < Duration::from_secs(30), "{program}: took {:?}", started.elapsed());
}

#[test]
fn a_gather_index_out_of_range_is_reported_once() {
    assert_fails_once("x = arange(100); i = [1, 2, 300]; print(x[i])", "darr::index");
}

#[test]
fn an_integer_power_failing_on_one_rank_is_reported_once() {
    // Only the first rank's rows have negative exponents.
    assert_fails_once("x = arange(30); print(sum(x ** (x - 5)))", "darr::value");
}

#[test]
fn a_missing_file_on_one_rank_ends_every_rank() {
    // Every rank reads its own part; ranks 1 and 2 do not find theirs.
    assert_fails_once("a = load(f\"part{rank()}.npy\"); print(sum(a))", "darr::io");
}

#[test]
fn an_error_on_one_rank_while_the_others_wait_ends_every_rank() {
    // Ranks other than 2 wait in the collective that shares the clock reading.
    assert_fails_once("if rank() == 2 { x = 1 // 0 }; t = clock(); print(t >= 0)", "darr::zero_division");
    // Rank 0 fails while the others wait for its clock reading.
    assert_fails_once("if rank() == 0 { x = 1 // 0 }; t = clock(); print(t >= 0)", "darr::zero_division");
}

#[test]
fn ranks_that_take_different_paths_are_stopped_with_one_diagnostic() {
    // Only rank 0 reduces a split array; the others finish the program.
    assert_fails_once("a = rand(100000); if rank() == 0 { print(sum(a) > 0) }; print(1)", "darr::dist");
    // Rank 1 sorts while the others go on to a reduction: two different collectives.
    assert_fails_once("a = rand(100000); if rank() == 1 { b = sort(a) }; print(float(sum(a)) > 0)", "darr::dist");
    // The same statement, run more often on higher ranks.
    assert_fails_once("a = rand(100000); for i in range(rank() + 1) { print(sum(a) > 0) }", "darr::dist");
    // Reading a file is a step of every rank too (they agree on its outcome).
    assert_fails_once("if rank() == 1 { a = load(\"part0.npy\") }; print(sum(arange(10)))", "darr::dist");
    // Printing is a collective too: only rank 0 prints anyway.
    assert_fails_once("a = rand(100000); if rank() == 0 { print(a) }", "darr::dist");
}

#[test]
fn ranks_that_make_arrays_of_different_shapes_are_stopped_with_one_diagnostic() {
    // Each would sum, sort or multiply its own idea of the array: rows that do
    // not fit together (wrong sums, or a crash in the exchange).
    assert_fails_once("a = rand(100 + rank()); print(sum(a))", "darr::dist");
    assert_fails_once("a = rand(10 * (rank() + 1)); print(sort(a)[0])", "darr::dist");
    assert_fails_once("a = zeros(30, rank() + 2); b = a @ ones(rank() + 2); print(sum(b))", "darr::dist");
    let dir = scratch("shapes");
    let out = on_ranks(3, &["-e", "a = rand(100 + rank()); print(sum(a))"], &dir);
    let stderr = text_of(&out.stderr);
    assert!(stderr.contains("different shapes"), "{stderr}");
}

#[test]
fn results_of_combined_reductions_are_used_without_joining_split_values() {
    let program = "a = rand(100000); eval(a); print(sum(a) > 0); print(f\"{float(sqrt(mean(a * a)) * 2):.9f}\"); \
                   print(max(a) - min(a) < 1, (sum(a) / 100000 - 0.5) < 0.01)";
    let runs = one_and_three_ranks("combined", program);
    assert_eq!(text_of(&runs.three.stdout), text_of(&runs.one.stdout));
    let timing = text_of(&runs.three.stderr);
    assert_eq!(counted(&timing, "split values joined whole"), 0, "{timing}");
    assert!(counted(&timing, "plans split over 3 ranks") >= 3, "{timing}");
    // A sort of a 2-D array has no split form: it is joined, and counted.
    let joined = one_and_three_ranks("joined", "a = rand(3000, 4); print(sum(sort(a, axis=0)[0]))");
    assert_eq!(counted(&text_of(&joined.three.stderr), "split values joined whole"), 1);
}

#[test]
fn explain_shows_placement_and_communication_with_bytes() {
    let program = r#"
        x = rand(1000, 1000)
        y = x * 1.0
        y[1:-1, 1:-1] = 0.25 * (x[:-2, 1:-1] + x[2:, 1:-1] + x[1:-1, :-2] + x[1:-1, 2:])
        print(explain(y))
        print(explain(sum(x, axis=0)))
        print(explain(redistribute(x, dist=("c", "n"))))
        print(explain(x * 2))
    "#;
    let dir = scratch("explain");
    let three = on_ranks(3, &["-e", program], &dir);
    let text = text_of(&three.stdout);
    assert!(three.status.success(), "{}", text_of(&three.stderr));
    assert!(text.contains("placed over 3 ranks"), "{text}");
    assert!(text.contains("[split by rows]") && text.contains("[each rank its own rows]"), "{text}");
    // The stencil's halo: the middle rank sends a row to each neighbour, the
    // others one row; a row is 1000 float64.
    assert!(
        text.contains(
            "halo: %12 reads rows of %0 owned by other ranks (one all-to-all); \
             sent: rank 0 1 row, 8.0 kB; rank 1 2 rows, 16.0 kB; rank 2 1 row, 8.0 kB"
        ),
        "{text}"
    );
    // The column sums: 1000 partial sums to each of the 2 other ranks.
    assert!(text.contains("(1000 values) to every other rank; sent: 16.0 kB by each rank"), "{text}");
    // Blocks of 334, 333, 333 rows to cyclic: each rank keeps a third of its rows.
    assert!(text.contains("redistribute: from (\"b\", \"n\") to (\"c\", \"n\"), one all-to-all; sent: "), "{text}");
    // Elementwise work on rows sends nothing.
    assert!(text.trim_end().ends_with("communication: none"), "{text}");
    // What the ranks really send for the stencil step is what explain said.
    let step = "x = eval(rand(1000, 1000)); y = x * 1.0\n\
        y[1:-1, 1:-1] = 0.25 * (x[:-2, 1:-1] + x[2:, 1:-1] + x[1:-1, :-2] + x[1:-1, 2:]); eval(y)";
    let timed = on_ranks(3, &["--time", "-e", step], &dir);
    assert!(
        text_of(&timed.stderr).contains(
            "sent to other ranks: rank 0: 1 message (8.0 kB), rank 1: 2 messages (16.0 kB), rank 2: 1 message (8.0 kB)"
        ),
        "{}",
        text_of(&timed.stderr)
    );
    // One process: no placement, no communication.
    let one = on_ranks(1, &["-e", program], &dir);
    let text = text_of(&one.stdout);
    assert!(!text.contains("communication") && !text.contains("placed over"), "{text}");
}

#[test]
fn time_reports_what_each_rank_sent() {
    let sent = |program: &str| -> Vec<(u64, f64)> {
        let runs = one_and_three_ranks("traffic", program);
        let timing = text_of(&runs.three.stderr);
        let list = timing.split("sent to other ranks: ").nth(1).unwrap_or_else(|| panic!("no traffic in {timing}"));
        list.trim()
            .split(", ")
            .map(|each| {
                let words: Vec<&str> = each.split_whitespace().collect();
                // "rank R: M messages (X kB)"
                let scale = match words[5].trim_end_matches(')') {
                    "B" => 1.0,
                    "kB" => 1e3,
                    "MB" => 1e6,
                    unit => panic!("unit {unit} in {timing}"),
                };
                (words[2].parse().unwrap(), words[4].trim_start_matches('(').parse::<f64>().unwrap() * scale)
            })
            .collect()
    };
    // A sum: each rank sends its partial result to the others, a few bytes.
    let small = sent("a = rand(300000); print(sum(a) > 0)");
    assert_eq!(small.len(), 3);
    assert!(small.iter().all(|&(messages, bytes)| messages >= 2 && bytes < 1000.0), "{small:?}");
    // A 2-D sort along the first axis has no split form: every rank's rows go to
    // every other rank, 2 * 8 bytes of 100000 rows each.
    let joined = sent("a = rand(300000, 2); print(sum(sort(a, axis=0)[0]) > 0)");
    assert!(joined.iter().all(|&(_, bytes)| bytes > 2.0 * 1.6e6 * 0.9), "{joined:?}");
}

#[test]
fn cyclic_placements_hold_their_own_rows_and_agree_with_one_process() {
    // Every dtype, uneven lengths, blocks that do not divide the length, and
    // round trips between the placements; saved whole and compared byte for byte.
    let program = "\
        a = rand(1001, 3, dist=(\"c\", \"n\")); b = arange(999, dist=(\"bc\",), block=7)\n\
        f = rand(500) * 100; g = redistribute(f > 50, dist=\"c\")\n\
        k = redistribute(astype(arange(300), \"float32\"), dist=(\"bc\",), block=4); save(\"k.npy\", k)\n\
        c = redistribute(redistribute(b, dist=(\"c\",)), dist=(\"bc\",), block=3)\n\
        c2 = redistribute(c, dist=\"b\"); d = a * 2 + a[:, 0:1]; e = sum(a, axis=1)\n\
        h = redistribute(f, dist=(\"bc\",), block=64) * 3\n\
        eval(g); eval(c2); eval(d); eval(e); eval(h)\n\
        save(\"a.npy\", a); save(\"b.npy\", b); save(\"c.npy\", c2); save(\"d.npy\", d)\n\
        save(\"e.npy\", e); save(\"g.npy\", g); save(\"h.npy\", h)\n\
        print(a[5], b[500], int(sum(b)), float(max(a)), float(sum(g)))\n\
        m = rand(1001, 3, dist=(\"c\", \"n\")); n = arange(999, dist=(\"bc\",), block=7)\n\
        print(m[700, 1] + 1, n[998] * 2)";
    let runs = one_and_three_ranks("cyclic", program);
    runs.assert_same_npy(&["a", "b", "c", "d", "e", "g", "h", "k"]);
    let timing = text_of(&runs.three.stderr);
    // Rows really move: into each cyclic placement, between them, and back to
    // blocks for the plans that read cyclic values.
    assert!(counted(&timing, "values dealt out to new owners") >= 10, "{timing}");
    assert!(counted(&timing, "plans split over 3 ranks") >= 3, "{timing}");
}

#[test]
fn tiles_on_a_process_grid_hold_their_own_part_and_agree_with_one_process() {
    // On 4 ranks ("b", "b") is a 2 x 2 grid; ("n", "b") splits columns; a 3-d
    // grid; every dtype; round trips between tiles and rows; saved whole and
    // compared byte for byte.
    let program = "\
        a = rand(601, 37, dist=(\"b\", \"b\")); b = redistribute(a, dist=(\"n\", \"b\"))\n\
        c = redistribute(reshape(astype(arange(3000), \"int32\"), (600, 5)), dist=(\"b\", \"b\"))\n\
        d = a * 2 + b[:, 0:1]; e = sum(b, axis=1); f = redistribute(b, dist=(\"b\", \"n\"))\n\
        m = redistribute(a > 0.5, dist=(\"n\", \"b\")); k = redistribute(astype(b, \"float32\"), dist=(\"b\", \"b\"))\n\
        z = ones(9, 4, 30, dtype=\"int64\", dist=(\"b\", \"n\", \"b\")) * 3; y = redistribute(z, dist=(\"n\", \"b\", \"b\"))\n\
        eval(d); eval(e); eval(f); eval(k)\n\
        save(\"a.npy\", a); save(\"b.npy\", b); save(\"c.npy\", c); save(\"d.npy\", d); save(\"e.npy\", e)\n\
        save(\"f.npy\", f); save(\"m.npy\", m); save(\"k.npy\", k); save(\"y.npy\", y)\n\
        print(a[5, 7], float(max(b)), int(sum(m)), int(sum(c)), int(sum(y)), float(min(k)))";
    let runs = one_and_more_ranks("tiles", program, 4);
    runs.assert_same_npy(&["a", "b", "c", "d", "e", "f", "m", "k", "y"]);
    let timing = text_of(&runs.three.stderr);
    // Tiles really move: into each placement, between them, and into rows for
    // the plans that read them.
    assert!(counted(&timing, "values dealt out to new owners") >= 12, "{timing}");
    assert!(counted(&timing, "plans split over 4 ranks") >= 5, "{timing}");

    // A computation on tiles joins nothing.
    let program = "a = rand(1000, 60, dist=(\"b\", \"b\")); b = redistribute(a, dist=(\"n\", \"b\"))\n\
        print(float(max(a * 2 - b)), int(count_nonzero(b > 0.5)))";
    let runs = one_and_more_ranks("tiles-unjoined", program, 4);
    assert_eq!(text_of(&runs.three.stdout), text_of(&runs.one.stdout));
    let timing = text_of(&runs.three.stderr);
    assert_eq!(counted(&timing, "split values joined whole"), 0, "{timing}");
    // Into the two placements, then each tiled value into rows for each plan
    // reading it (a and b for the first, b for the second).
    assert_eq!(counted(&timing, "values dealt out to new owners"), 5, "{timing}");
}

#[test]
fn scatters_by_index_into_split_values_agree_on_one_and_three_ranks() {
    // Whole indices and values (no communication), split values (one all-to-all),
    // repeated indices (the last assignment wins), negative indices, 2-D rows.
    let program = "\
        x = rand(1000); x[[5, 999, 5, 0, -1]] = [1.0, 2.0, 3.0, 4.0, 5.0]; save(\"x.npy\", x)\n\
        y = rand(1000, 3); y[permutation(1000)] = rand(1000, 3) * 10; save(\"y.npy\", y)\n\
        z = arange(2000); z[randint(0, 2000, 2000)] = arange(2000) * -1; save(\"z.npy\", z)\n\
        w = rand(500, 2); w[[1, 2, 499]] = [7.0, 8.0]; save(\"w.npy\", w)\n\
        v = zeros(1000, dtype=\"int32\"); v[[3, 3, 998]] = [1, 2, 3]; save(\"v.npy\", v)\n\
        print(x[5], x[999], int(sum(z)))";
    let runs = one_and_three_ranks("scatter", program);
    runs.assert_same_npy(&["x", "y", "z", "w", "v"]);
    let timing = text_of(&runs.three.stderr);
    // Constant arrays (`zeros`) are created split too. A few positions (x, w,
    // v) are written in place, each rank writing those in its own rows; y and z
    // move values to their owners.
    assert_eq!(counted(&timing, "scatters by index into split values"), 2, "{timing}");
    assert_eq!(counted(&timing, "indexed assignments written in place"), 3, "{timing}");
}

#[test]
fn a_scatter_index_out_of_range_is_reported_once() {
    assert_fails_once("x = rand(100); i = [1, 2, 300]; x[i] = 5.0; print(sum(x))", "darr::index");
    assert_fails_once("x = rand(100); x[[1, 2, 300]] = rand(3) * 2; print(sum(x))", "darr::index");
}

/// `mpiexec` with environment variables set on every rank.
#[cfg(feature = "mpi")]
fn mpiexec_with(ranks: usize, args: &[&str], dir: &Path, vars: &[(&str, &str)]) -> Output {
    let forwarded: Vec<String> = vars.iter().flat_map(|(k, _)| ["-x".to_string(), k.to_string()]).collect();
    Command::new("mpiexec")
        .args(["--oversubscribe", "-n", &ranks.to_string()])
        .args(&forwarded)
        .arg(env!("CARGO_BIN_EXE_darr"))
        .envs(vars.iter().copied())
        .args(args)
        .current_dir(dir)
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("mpiexec (Open MPI) is installed")
}

#[cfg(feature = "mpi")]
#[test]
fn exchanges_too_large_for_one_mpi_call_run_in_rounds() {
    // MPI counts are 32-bit, so messages over 2 GiB go in rounds; a tiny round
    // size makes every exchange here take many rounds: broadcasts (the program,
    // clock readings), all-gathers (joins, combined sums), all-to-alls (halos,
    // gathers, sorts, placements, scatters).
    let program = "\
        t = clock(); a = rand(3001, 2); b = sort(a[:, 0]); i = randint(0, 3001, 500)\n\
        c = a[i]; u = a[1:-1] + a[:-2] + a[2:]; z = redistribute(a, dist=(\"c\", \"n\"))\n\
        a[i] = c * 2\n\
        save(\"b.npy\", b); save(\"c.npy\", c); save(\"u.npy\", u); save(\"z.npy\", z * 1); save(\"a.npy\", a)\n\
        print(a[7], b[100], f\"{float(sum(u)):.9f}\", clock() >= t)";
    let (one_dir, three_dir) = (scratch("rounds-1"), scratch("rounds-3"));
    let one = solo(&["-e", program], &one_dir);
    let three = mpiexec_with(3, &["-e", program], &three_dir, &[("DARR_MPI_ROUND_BYTES", "100")]);
    assert!(one.status.success(), "alone: {}", text_of(&one.stderr));
    assert!(three.status.success(), "on 3 ranks: {}", text_of(&three.stderr));
    assert_eq!(text_of(&three.stdout), text_of(&one.stdout));
    for name in ["a", "b", "c", "u", "z"] {
        let file = format!("{name}.npy");
        let expected = std::fs::read(one_dir.join(&file)).unwrap();
        assert_eq!(std::fs::read(three_dir.join(&file)).unwrap(), expected, "{file} differs on 3 ranks");
    }
}

#[test]
fn masks_of_split_values_agree_on_one_and_three_ranks() {
    // Element masks, row masks of a 2-D array, a full-shape mask of a 2-D array,
    // a split mask of a whole-length result, and an empty selection.
    let program = "\
        a = rand(1001); s = a[a > 0.7]; save(\"s.npy\", s)\n\
        b = rand(333, 4); save(\"t.npy\", b[b[:, 0] > 0.5]); save(\"u.npy\", b[b > 0.9])\n\
        i = arange(5000.0); save(\"v.npy\", i[i % 7 == 0])\n\
        w = a[a > 2]; print(s.shape, f\"{float(sum(s)):.9f}\", w.shape, sum(w))";
    let runs = one_and_three_ranks("masks", program);
    runs.assert_same_npy(&["s", "t", "u", "v"]);
    let timing = text_of(&runs.three.stderr);
    assert_eq!(counted(&timing, "masks applied to split values"), 5, "{timing}");
}

#[test]
fn reductions_of_empty_split_values_agree_on_one_and_three_ranks() {
    let runs = one_and_three_ranks(
        "empty",
        "print(sum(rand(0)), mean(zeros((0, 3)), axis=0), count_nonzero(rand(0)), prod(ones(0)))",
    );
    assert_eq!(text_of(&runs.three.stdout), text_of(&runs.one.stdout));
}

#[test]
fn the_repl_reads_on_rank_zero_and_every_rank_runs_the_input() {
    let mut child = job(2).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"x = arange(6)\nfn f(v) {\n  return v * 7\n}\nf(sum(x))\nnranks()\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = text_of(&out.stdout);
    assert!(out.status.success(), "{}", text_of(&out.stderr));
    assert_eq!(stdout.matches("105").count(), 1, "{stdout}");
    assert!(stdout.contains("...> "), "continuation prompts: {stdout}");
    assert!(stdout.lines().any(|l| l.ends_with("> 2")), "two ranks: {stdout}");
}

/// A random program over arrays whose first axis splits unevenly over 3 ranks:
/// elementwise chains with broadcasts and views, stencil updates, reductions over
/// each axis, saved and printed.
fn program(rng: &mut Rng) -> String {
    let mut text = String::from("seed(5)\na = rand(37, 23) * 4 - 2\nb = rand(23) - 0.5\nc = rand(37, 1)\n");
    let unary = ["sqrt(abs({x}))", "exp(-abs({x}))", "sin({x})", "-{x}", "{x} ** 2", "norm_cdf({x})"];
    let binary = [
        "{x} + {y}",
        "{x} * {y}",
        "{x} / (1 + abs({y}))",
        "maximum({x}, {y})",
        "{x} * b + c",
        "where({x} > {y}, {x}, 0.5)",
    ];
    let mut names = vec!["a".to_string()];
    for k in 0..2 + rng.below(4) {
        let x = names[rng.below(names.len())].clone();
        let y = names[rng.below(names.len())].clone();
        let form = if rng.below(2) == 0 { rng.pick(&unary) } else { rng.pick(&binary) };
        let name = format!("t{k}");
        text.push_str(&format!("{name} = {}\n", form.replace("{x}", &x).replace("{y}", &y)));
        if rng.below(2) == 0 {
            text.push_str(&format!(
                "for i in range({}) {{ {name}[1:-1, 1:-1] = 0.25 * ({name}[:-2, 1:-1] + {name}[2:, 1:-1] + {name}[1:-1, :-2] + {name}[1:-1, 2:]) }}\n",
                // Long loops pass the pending-depth limit, which computes values mid-loop.
                [1, 2, 17, 20][rng.below(4)]
            ));
        }
        if rng.below(3) == 0 {
            text.push_str(&format!("eval({name})\n"));
        }
        names.push(name);
    }
    let last = names.last().unwrap();
    text.push_str(&format!("save(\"r.npy\", {last})\n"));
    let reductions = [
        "sum({x})",
        "mean({x}, axis=0)",
        "max({x}, axis=1)",
        "min({x})",
        "count_nonzero({x} > 0.5)",
        "sum({x} * {x}, axis=0)",
        "mean({x})",
    ];
    for _ in 0..3 {
        let x = names[rng.below(names.len())].clone();
        text.push_str(&format!("print({})\n", rng.pick(&reductions).replace("{x}", &x)));
    }
    text
}

#[test]
fn random_programs_agree_on_one_and_three_ranks() {
    let mut rng = Rng(0xD15_7A11);
    let mut split_plans = 0;
    for case in 0..25 {
        let text = program(&mut rng);
        let (one_dir, three_dir) = (scratch(&format!("prop{case}-1")), scratch(&format!("prop{case}-3")));
        for dir in [&one_dir, &three_dir] {
            std::fs::write(dir.join("case.da"), &text).unwrap();
        }
        let one = solo(&["case.da"], &one_dir);
        let three = on_ranks(3, &["--time", "case.da"], &three_dir);
        assert!(one.status.success(), "case {case}:\n{text}\n{}", text_of(&one.stderr));
        assert!(three.status.success(), "case {case} on 3 ranks:\n{text}\n{}", text_of(&three.stderr));
        let (printed_one, printed_three) = (text_of(&one.stdout), text_of(&three.stdout));
        assert!(
            agree(&printed_one, &printed_three),
            "case {case} prints differently:\n{text}\n{printed_one}\n---\n{printed_three}"
        );
        assert_eq!(
            std::fs::read(one_dir.join("r.npy")).unwrap(),
            std::fs::read(three_dir.join("r.npy")).unwrap(),
            "case {case} saves different bytes:\n{text}"
        );
        split_plans += counted(&text_of(&three.stderr), "plans split over 3 ranks");
    }
    // The comparison means something only if plans actually ran split.
    assert!(split_plans > 25, "only {split_plans} plans ran split over the ranks");
}

/// One program run by one process and on 3 ranks (with `--time`), each in its
/// own folder.
struct Runs {
    one_dir: PathBuf,
    three_dir: PathBuf,
    one: Output,
    three: Output,
}

impl Runs {
    /// Both runs printed the same and wrote these `.npy` files byte for byte alike.
    fn assert_same_npy(&self, names: &[&str]) {
        assert_eq!(text_of(&self.three.stdout), text_of(&self.one.stdout));
        for name in names {
            let file = format!("{name}.npy");
            let one = std::fs::read(self.one_dir.join(&file)).unwrap();
            assert_eq!(std::fs::read(self.three_dir.join(&file)).unwrap(), one, "{file} differs on 3 ranks");
        }
    }
}

fn one_and_three_ranks(name: &str, program: &str) -> Runs {
    one_and_more_ranks(name, program, 3)
}

/// `program` alone and on `ranks` ranks (with `--time`; in `Runs::three`).
fn one_and_more_ranks(name: &str, program: &str, ranks: usize) -> Runs {
    let (one_dir, three_dir) = (scratch(&format!("{name}-1")), scratch(&format!("{name}-{ranks}")));
    let one = solo(&["-e", program], &one_dir);
    let three = on_ranks(ranks, &["--time", "-e", program], &three_dir);
    assert!(one.status.success(), "{name} alone: {}", text_of(&one.stderr));
    assert!(three.status.success(), "{name} on {ranks} ranks: {}", text_of(&three.stderr));
    Runs { one_dir, three_dir, one, three }
}

/// The number before `suffix` in a `--time` report.
fn counted(timing: &str, suffix: &str) -> usize {
    timing.split(';').find_map(|part| part.trim().strip_suffix(suffix)).and_then(|n| n.trim().parse().ok()).unwrap_or(0)
}

#[test]
fn npy_files_are_read_and_written_in_parts_byte_for_byte() {
    // Uneven row counts on 3 ranks, every dtype, views, a file with fewer rows
    // than ranks, and a 0-d array (saved whole).
    let program = r#"
        seed(11)
        a = rand(7, 5)
        save("a.npy", a)
        save("ints.npy", astype(randint(0, 1000, 10, 3), int32))
        save("flags.npy", rand(9) > 0.5)
        save("view.npy", a[1:6, 2])
        save("few.npy", arange(2.0))
        save("scalar.npy", a[6, 4])
        b = load("a.npy")
        print(sum(b), b[6, 4], b[0, 0])
        print(load("ints.npy")[9], load("flags.npy"), load("few.npy"), load("scalar.npy"))
        save("twice.npy", load("a.npy") * 2 + load("view.npy")[4])
    "#;
    let Runs { one_dir, three_dir, one, three } = one_and_three_ranks("npy", program);
    // Sums over split rows add per-rank partials: equal to the last bits.
    assert!(
        agree(&text_of(&one.stdout), &text_of(&three.stdout)),
        "{}\n---\n{}",
        text_of(&one.stdout),
        text_of(&three.stdout)
    );
    let mut files = 0;
    for file in std::fs::read_dir(&one_dir).unwrap() {
        let name = file.unwrap().file_name();
        let theirs = std::fs::read(three_dir.join(&name)).ok();
        assert_eq!(theirs, std::fs::read(one_dir.join(&name)).ok(), "{name:?} differs on 3 ranks");
        files += 1;
    }
    assert_eq!(files, 7, "the program writes 7 files");
    // No temporary file is left beside them.
    assert_eq!(std::fs::read_dir(&three_dir).unwrap().count(), 7);
    // Every load but the 0-d one went in parts (6), and every save but the 0-d
    // one (6; the int32 cast is computed split too).
    let in_parts = counted(&text_of(&three.stderr), ".npy files read or written in parts");
    assert_eq!(in_parts, 12, "{}", text_of(&three.stderr));
}

#[test]
fn gathers_by_index_from_split_values_agree_on_one_and_three_ranks() {
    // Indices repeated, negative, unsorted, 2-D, longer and shorter than the
    // source, whole or split themselves; float, int and bool sources.
    let program = r#"
        seed(5)
        x = rand(11, 3)
        i = randint(-11, 11, 17)
        save("g1.npy", x[i])
        save("g2.npy", x[[10, 0, -1, 5]] * 2)
        k = arange(10) * 7 % 11
        save("g3.npy", x[k][:, 1] + x[k[::-1], 2])
        n = arange(11)
        save("g4.npy", n[[[3, 4], [10, 0], [-2, 1]]])
        save("g5.npy", (x > 0.5)[i])
        print(sum(x[i]), x[[2]])
    "#;
    let Runs { one_dir, three_dir, one, three } = one_and_three_ranks("take", program);
    assert!(
        agree(&text_of(&one.stdout), &text_of(&three.stdout)),
        "{}\n---\n{}",
        text_of(&one.stdout),
        text_of(&three.stdout)
    );
    for k in 1..=5 {
        let name = format!("g{k}.npy");
        assert_eq!(std::fs::read(three_dir.join(&name)).ok(), std::fs::read(one_dir.join(&name)).ok(), "{name}");
    }
    let gathers = counted(&text_of(&three.stderr), "gathers by index from split values");
    assert!(gathers >= 7, "only {gathers} gathers read split values:\n{}", text_of(&three.stderr));
}

#[test]
fn sorts_of_split_values_agree_on_one_and_three_ranks() {
    // Many ties (0.0 and -0.0 compare equal: their order shows in the bytes; in
    // argsort, ties keep their positions' order), nan, bools, fewer elements
    // than ranks, data already in reverse order.
    let program = r#"
        seed(9)
        r = rand(5000)
        x = where(r < 0.1, nan, where(r < 0.3, -0.0, floor(rand(5000) * 50) * where(r < 0.5, 1.0, 0.0)))
        save("s1.npy", sort(x))
        save("s2.npy", sort(randn(4001)))
        save("s3.npy", sort(rand(7) > 0.5))
        save("s4.npy", sort(arange(2.0)))
        save("s5.npy", sort(arange(1000.0)[::-1] * 2))
        save("s6.npy", argsort(x)); save("s7.npy", argsort(randint(0, 4, 2001)))
        save("s8.npy", argsort(rand(2) > 0.5)); save("s9.npy", argsort(arange(1000.0)[::-1]))
        print(sort(x)[:4], sort(x)[-3:], sort(randn(6)))
    "#;
    let runs = one_and_three_ranks("sort", program);
    runs.assert_same_npy(&["s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9"]);
    let sorts = counted(&text_of(&runs.three.stderr), "split sorts");
    assert!(sorts >= 12, "only {sorts} sorts ran split:\n{}", text_of(&runs.three.stderr));
}

#[test]
fn integer_arithmetic_and_reductions_run_split_and_agree_with_one_process() {
    // int64 and int32 arithmetic, comparisons, where, casts, broadcasting along
    // later axes and along the first; reductions over every axis, exact beyond
    // 2**53; empty arrays.
    let program = r#"
        seed(8)
        i = arange(1001); j = i % 7 + i // 3 - 500; k = where(j > 100, j, -j)
        labels = randint(0, 5, 1001, 4); c = labels == 2; d = labels * arange(4) + [[1, 2, 3, 4]]
        p = astype(randint(-3, 3, 999), "int32") * 3; big = i + 9007199254740993
        save("k.npy", k); save("c.npy", c); save("d.npy", d); save("p.npy", p)
        print(sum(k), sum(labels, axis=0), count_nonzero(c), min(labels * -1), max(p), prod(p > -100))
        print(all(labels >= 0), any(labels > 4), sum(labels, axis=1)[0], sum(big), max(big))
        z = arange(0); print(sum(z * 2), all(z > 1), any(z > 1))
    "#;
    let runs = one_and_three_ranks("ints", program);
    runs.assert_same_npy(&["k", "c", "d", "p"]);
    let timing = text_of(&runs.three.stderr);
    // Joined: `arange(4)` (split, and broadcast to every row of `labels`);
    // `sum(labels, axis=1)[0]` is sent by the rank owning row 0.
    assert_eq!(counted(&timing, "split values joined whole"), 1, "{timing}");
    assert!(counted(&timing, "plans split over 3 ranks") >= 14, "{timing}");
}

#[test]
fn a_reduction_of_a_fused_reduction_runs_on_each_ranks_rows() {
    // k-means' assignment: the argmin of distances, both stages in one kernel.
    let program = r#"
        seed(2); x = rand(1000, 8); c = rand(16, 8)
        labels = argmin(sum((x[:, newaxis, :] - c[newaxis, :, :]) ** 2, axis=2), axis=1)
        nearest = min(sum((x[:, newaxis, :] - c[newaxis, :, :]) ** 2, axis=2), axis=1)
        save("labels.npy", labels); save("nearest.npy", nearest); print(sum(labels))
    "#;
    let runs = one_and_three_ranks("assign", program);
    runs.assert_same_npy(&["labels", "nearest"]);
    let timing = text_of(&runs.three.stderr);
    assert_eq!(counted(&timing, "split values joined whole"), 0, "{timing}");
}

#[test]
fn scans_of_split_values_stay_split_and_equal_one_process_bit_for_bit() {
    // Float sums and products (the ranks in turn, same order of additions),
    // int64 with wrapping, float32, bools, 2-D along the first axis, fewer rows
    // than ranks.
    let program = r#"
        seed(3)
        save("a.npy", cumsum(rand(1001) - 0.5)); b = randint(-5, 5, 1001, 3)
        save("b.npy", cumsum(b, axis=0)); save("c.npy", cumprod(b % 3 - 1, axis=0))
        save("d.npy", cumprod(astype(rand(999, 2), "float32") + 0.5, axis=0))
        save("e.npy", cumsum(rand(5) > 0.5)); save("f.npy", cumsum(arange(2.0) * 0.1))
        save("g.npy", cumprod(randint(1, 1000, 300)))
    "#;
    let runs = one_and_three_ranks("scan", program);
    runs.assert_same_npy(&["a", "b", "c", "d", "e", "f", "g"]);
    let timing = text_of(&runs.three.stderr);
    assert_eq!(counted(&timing, "split values joined whole"), 0, "{timing}");
    assert_eq!(counted(&timing, ".npy files read or written in parts"), 7, "{timing}");
}

#[test]
fn printing_a_large_split_array_gathers_only_the_edges_it_shows() {
    // Summarized prints of every kind (1-d, 2-d with few or many columns, bools,
    // float32, an f-string, str and an echo) print what one process prints, and
    // join nothing; a small array is gathered to print it whole (output, not a
    // join for computing).
    let program = "seed(1); a = rand(5000); print(a); c = rand(2000, 3) > 0.5; print(c)\n\
        d = astype(rand(1001) * 100, \"float32\"); print(d, f\"{a}\", str(c)[:30]); print(rand(7, 400))\n\
        print(rand(4000, 10) * 2)\na";
    let runs = one_and_three_ranks("print", program);
    assert_eq!(text_of(&runs.three.stdout), text_of(&runs.one.stdout));
    assert!(text_of(&runs.one.stdout).contains("..."), "the arrays print summarized");
    assert_eq!(
        counted(&text_of(&runs.three.stderr), "split values joined whole"),
        0,
        "{}",
        text_of(&runs.three.stderr)
    );
    let runs = one_and_three_ranks("print-small", "a = rand(1000); print(a[::-1][:2], a)");
    assert_eq!(text_of(&runs.three.stdout), text_of(&runs.one.stdout));
    let timing = text_of(&runs.three.stderr);
    assert_eq!(counted(&timing, "split values joined whole"), 0, "{timing}");
    assert_eq!(counted(&timing, "split values gathered whole for output (printed, or written as text or an image)"), 2);
}

#[test]
fn unique_of_split_values_agrees_on_one_and_three_ranks() {
    // Repeats within and across ranks, several nans (one is kept), -0.0 next to
    // 0.0, 2-D input, all equal, empty, fewer elements than ranks, bools.
    let program = r#"
        seed(4)
        r = rand(3000)
        x = where(r < 0.05, nan, where(r < 0.2, -0.0, floor(rand(3000) * 40)))
        save("u1.npy", unique(x))
        save("u2.npy", unique(floor(rand(700, 3) * 100) / 4))
        save("u3.npy", unique(zeros(1000)))
        save("u4.npy", unique(arange(0.0)))
        save("u5.npy", unique(rand(2) > 0.5))
        save("u6.npy", unique(randint(-5, 5, 999)))
        print(unique(x)[:3], len(unique(x)), unique(randint(0, 7, 10000)))
    "#;
    let runs = one_and_three_ranks("unique", program);
    runs.assert_same_npy(&["u1", "u2", "u3", "u4", "u5", "u6"]);
    let sorts = counted(&text_of(&runs.three.stderr), "split sorts");
    assert!(sorts >= 8, "only {sorts} unique ran split:\n{}", text_of(&runs.three.stderr));
}

#[test]
fn matrix_products_of_split_values_agree_on_one_and_three_ranks() {
    // Right operands split (broadcast block by block) and whole, a vector, uneven
    // and empty blocks; printed as full-precision scalars.
    let program = r#"
        seed(21)
        a = rand(50, 40)
        b = randn(40, 30)
        c = a @ b
        print(float(sum(c)), float(c[0, 0]), float(c[49, 29]), float(c[17, 3]))
        d = (a * 2 - 1) @ rand(40)
        print(float(sum(d)), float(d[33]))
        e = c @ ones(30, 2)
        print(float(e[10, 1]), float(sum(e)))
        f = rand(2, 4) @ rand(4, 3)
        print(float(sum(f)), float(f[1, 2]))
        g = (a @ b)[::7, 5]
        print(float(sum(g)))
    "#;
    let Runs { one, three, .. } = one_and_three_ranks("matmul", program);
    // Sums over the inner axis are added block by block: equal within 1e-9.
    assert!(
        agree(&text_of(&one.stdout), &text_of(&three.stdout)),
        "{}\n---\n{}",
        text_of(&one.stdout),
        text_of(&three.stdout)
    );
    let products = counted(&text_of(&three.stderr), "split matrix products");
    // c, d, e and f (g reads the same product as c).
    assert!(products >= 4, "only {products} products ran split:\n{}", text_of(&three.stderr));
}

#[test]
fn dots_of_split_vectors_combine_partial_results_without_joining() {
    // Split alike, one split and one replicated, float32, uneven blocks, and a
    // vector shorter than the number of ranks.
    let program = r#"
        seed(6)
        a = rand(100001) - 0.5; b = randn(100001)
        w = redistribute(randn(100001), dist="n")
        print(float(dot(a, b)), float(dot(a, w)), float(dot(w, b)))
        print(float(dot(rand(2), rand(2))), float(a @ b))
        c = astype(a, "float32"); print(float(dot(c, c)))
    "#;
    let runs = one_and_three_ranks("dot", program);
    let (one, three) = (text_of(&runs.one.stdout), text_of(&runs.three.stdout));
    // float64 to 1e-9; the float32 dot (last line) is summed in float32 on one
    // process: reassociated, it agrees to float32's precision.
    let (one64, one32) = one.trim_end().rsplit_once('\n').unwrap();
    let (three64, three32) = three.trim_end().rsplit_once('\n').unwrap();
    assert!(agree(one64, three64), "{one}\n---\n{three}");
    let (x, y): (f64, f64) = (one32.parse().unwrap(), three32.parse().unwrap());
    assert!((x - y).abs() <= 1e-5 * x.abs(), "float32 dot: {x} on one process, {y} on 3 ranks");
    let timing = text_of(&runs.three.stderr);
    // One join: making `w` replicated gathers it; the dots join nothing.
    assert_eq!(counted(&timing, "split values joined whole"), 1, "{timing}");
    assert!(counted(&timing, "split matrix products") >= 5, "{timing}");
}

#[test]
fn a_power_iteration_over_a_split_matrix_joins_nothing() {
    // PageRank as ml.pagerank runs it: an update of a split bool matrix, a
    // vector times the split matrix each step, rows picked by a sorted order.
    let program = r#"
        seed(2)
        n = 301
        links = rand(n, n) < 0.02
        links[:, 0] = true
        links[5:40:7, 3] = false
        rank = ml.pagerank(links, damping=0.85, iters=20)
        order = argsort(-rank)
        print(f"{float(sum(rank)):.12f} {int(order[0])} {float(rank[order[1]]):.12f}")
        print(f"{float(sum(ones(n) @ astype(links, float64))):.1f} {count_nonzero(links[7])}")
    "#;
    let runs = one_and_three_ranks("power", &format!("import ml\n{program}"));
    let (one, three) = (text_of(&runs.one.stdout), text_of(&runs.three.stdout));
    assert!(agree(&one, &three), "{one}\n---\n{three}");
    let timing = text_of(&runs.three.stderr);
    assert_eq!(counted(&timing, "split values joined whole"), 0, "{timing}");
    // 20 steps of `r @ weights`, and the last line's product.
    assert!(counted(&timing, "split matrix products") >= 21, "{timing}");
    // explain says who sends a picked row.
    let dir = scratch("pick");
    let out = on_ranks(3, &["-e", "a = rand(30, 4) * 2; eval(a); print(explain(a[20, 1]))"], &dir);
    let text = text_of(&out.stdout);
    assert!(
        text.contains(
            "pick: the rank owning the row of %0 that %1 picks sends it to every other rank; \
                       sent: rank 0 0 B; rank 1 0 B; rank 2 64 B"
        ),
        "{text}"
    );
}

#[test]
fn concatenations_and_gradients_of_split_values_join_nothing() {
    // hstack lines up the ranks' rows; concatenate along the first axis moves
    // only rows whose owner changes (uneven pieces, a whole piece, an empty one);
    // `X.T @ r` adds one partial product per rank.
    let program = r#"
        seed(4)
        n = 20001
        x = hstack((ones((n, 1)), randn(n, 2), astype(randint(0, 3, n, 1), float64)))
        r = randn(n) - 0.1
        g = x.T @ r
        G = x.T @ hstack((r[:, newaxis], r[:, newaxis] * 2))
        print(g, G[2], float(sum(x)))
        v = concatenate((x[:7001], x[5000:] * 2, ones((1, 4)), x[:0]))
        save("v.npy", v)
        print(v.shape, float(sum(v * arange(v.shape[0])[:, newaxis])))
    "#;
    let runs = one_and_three_ranks("concat", program);
    let (one, three) = (text_of(&runs.one.stdout), text_of(&runs.three.stdout));
    assert!(agree(&one, &three), "{one}\n---\n{three}");
    let file = |dir: &Path| std::fs::read(dir.join("v.npy")).unwrap();
    assert!(file(&runs.one_dir) == file(&runs.three_dir), "v.npy differs on 3 ranks");
    let timing = text_of(&runs.three.stderr);
    assert_eq!(counted(&timing, "split values joined whole"), 0, "{timing}");
    assert!(counted(&timing, "split matrix products") >= 2, "{timing}");
}

#[test]
fn kernels_reading_through_reshapes_run_split_and_equal_one_process() {
    // 1-D into rows (blocks that line up, and ones that do not: 7 columns of
    // 3001 elements' rows over 3 ranks), rows into 1-D, a reshape of a transpose
    // (strides cannot express it: every rank reads all rows), and a reduction.
    let program = r#"
        i = arange(21007)
        a = reshape((i * 1103515245 + 12345) % 2147483648 / 2147483648.0, (3001, 7))
        save("a.npy", a * 2)
        b = reshape(rand(400, 30) + 1, (12000,)) * 3
        save("b.npy", b)
        c = reshape(transpose(rand(40, 30)), (60, 20)) - 1
        save("c.npy", c)
        print(float(sum(reshape(arange(6000.0), (60, 100)) * 2, axis=0)[7]))
    "#;
    let runs = one_and_three_ranks("reshape", program);
    runs.assert_same_npy(&["a", "b", "c"]);
    let timing = text_of(&runs.three.stderr);
    assert_eq!(counted(&timing, "split values joined whole"), 0, "{timing}");
    assert!(counted(&timing, "plans split over 3 ranks") >= 4, "{timing}");
}

#[test]
fn a_failed_save_in_parts_fails_every_rank_and_leaves_nothing() {
    let dir = scratch("npy-fail");
    std::fs::create_dir(dir.join("taken")).unwrap();
    // The rename onto a directory fails after every rank wrote its rows.
    let out = on_ranks(3, &["-e", "save(\"taken\", rand(9, 2)); print(1)"], &dir);
    let stderr = text_of(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.matches("darr::io").count(), 1, "{stderr}");
    assert!(text_of(&out.stdout).is_empty());
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|f| f.unwrap().file_name()).collect();
    assert_eq!(left, vec![std::ffi::OsString::from("taken")], "files left behind");
    // A directory that does not exist: rank 0 cannot create the file.
    let out = on_ranks(3, &["-e", "save(\"no/such/dir/a.npy\", rand(9, 2))"], &dir);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text_of(&out.stderr).matches("cannot write `no/such/dir/a.npy`").count(), 1, "{}", text_of(&out.stderr));
}

/// The distributed run of the tutorial (docs/tutorial.md, section 9) prints what
/// the tutorial says it prints on 4 ranks.
#[test]
fn the_tutorial_run_on_four_ranks_prints_what_the_tutorial_says() {
    let tutorial = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/tutorial.md")).unwrap();
    let start = tutorial.find("# file: where.da").expect("the tutorial's where.da");
    let program = &tutorial[start..start + tutorial[start..].find("```").unwrap()];
    let dir = scratch("tutorial");
    std::fs::write(dir.join("where.da"), program).unwrap();
    let out = on_ranks(4, &["where.da"], &dir);
    assert!(out.status.success(), "{}", text_of(&out.stderr));
    let expected =
        "rank 0 of 4\n({'dist_type': 'b', 'size': 1000, 'proc_grid_size': 4, 'proc_grid_rank': 0, 'start': 0, \
                    'stop': 250}, {'dist_type': 'n', 'size': 1000})\n0.500\n";
    assert_eq!(text_of(&out.stdout), expected);
}

/// The most bytes any rank reports sending, from `--time`.
fn most_bytes_sent(timing: &str) -> f64 {
    let sent = timing.split("sent to other ranks:").nth(1).unwrap_or("");
    sent.split("rank ")
        .filter_map(|r| {
            let inside = r.split_once('(')?.1.split_once(')')?.0;
            let (value, unit) = inside.split_once(' ')?;
            let scale = match unit {
                "B" => 1.0,
                "kB" => 1e3,
                "MB" => 1e6,
                "GB" => 1e9,
                _ => return None,
            };
            Some(value.parse::<f64>().ok()? * scale)
        })
        .fold(0.0, f64::max)
}

/// K-means' centre updates, `sum(x[labels == j], axis=0)`, reduce each rank's
/// selected rows and combine one row per rank; the first centres, `x[:k]`, are
/// gathered whole (a few rows) instead of stretching what each rank fetches for
/// the distance kernel. Results equal one process's (to the last bits of sums).
#[test]
fn masked_centre_updates_and_small_slices_send_rows_not_matrices() {
    let program = r#"
        seed(3)
        x = rand(30000, 4)
        c = x[:5]
        labels = argmin(sum((x[:, newaxis, :] - c[newaxis, :, :]) ** 2, axis=2), axis=1)
        for j in range(5) {
            members = labels == j
            print(j, count_nonzero(members), sum(x[members], axis=0), mean(x[members], axis=0))
            print(max(x[members], axis=0), min(x[members], axis=0, keepdims=true))
        }
        print(x[9:2:-3] - x[7], x[newaxis, :2, 1])
        print(sum(x[labels == 9], axis=0), isnan(mean(x[labels == 9], axis=0)))
    "#;
    let (_, timing) = agreeing_on_one_and_three_ranks("masked-reductions", program);
    assert_eq!(counted(&timing, "split values joined whole"), 0, "{timing}");
    // Each rank holds 320 kB of x; the rows and sums sent are a few kB.
    assert!(most_bytes_sent(&timing) < 8e3, "{timing}");
}

/// Gradients `transpose(x) @ f(x @ w)` of a split `x`: each rank reads its own
/// rows once (the products, the residual and the scaled rows block by block)
/// and the partial gradients are added in rank order. Equal to one process's
/// (to the last bits of sums), joining nothing.
#[test]
fn gradients_of_split_matrices_are_computed_in_one_pass_per_rank() {
    let program = r#"
        seed(8)
        x = rand(40000, 4) - 0.5
        y = astype(x @ array([0.5, -1.0, 0.25, 2.0]) > 0, float64)
        eval(x); eval(y)
        w = zeros(4)
        for it in range(5) {
            p = 1 / (1 + exp(-(x @ w)))
            w = w - 2.0 * (transpose(x) @ (p - y)) / 40000
        }
        r = x @ w - y
        print(w, transpose(x) @ r, float(sum(r * r)))
    "#;
    let (one, timing) = agreeing_on_one_and_three_ranks("gradients", program);
    assert!(counted(&timing, "transposed products computed in one pass with their operand") >= 5, "{timing}");
    assert!(counted(&one, "transposed products computed in one pass with their operand") >= 5, "{one}");
    assert_eq!(counted(&timing, "split values joined whole"), 0, "{timing}");
}

/// Runs `program` in one process and on 3 ranks (arrays below darr's threshold
/// whole on every rank), both with `--time`; asserts both succeed and print
/// the same (to the last bits of sums). Returns both timing summaries.
fn agreeing_on_one_and_three_ranks(name: &str, program: &str) -> (String, String) {
    let dir = scratch(name);
    let one = solo(&["--time", "-e", program], &dir);
    let three = on_ranks_replicating(3, None, &["--time", "-e", program], &dir);
    let (one_timing, timing) = (text_of(&one.stderr), text_of(&three.stderr));
    assert!(one.status.success() && three.status.success(), "{one_timing}\n{timing}");
    let (a, b) = (text_of(&one.stdout), text_of(&three.stdout));
    assert!(agree(&a, &b), "{a}\n---\n{b}");
    (one_timing, timing)
}
