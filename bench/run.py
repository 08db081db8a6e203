#!/usr/bin/env python3
"""darr's benchmark suite (../shared/guide/performance.md): each workload as a darr
script and as the program a NumPy/numexpr/CPython user would write, run side by side
in one session. Every script times its own region (inputs are made outside it) and
prints seconds; B8 times whole processes. The table shows medians, the darr/peer
ratio and peak memory (max RSS); the same numbers go to a JSON file.

B9 (MPI scaling) runs B1-B3 with a darr built with `--features mpi` (by default
target/mpi/release/darr, as .ci/run builds it) three ways: one rank with one
thread, `mpiexec -n 2` ranks with one thread each, one rank with two threads; it
reports the scaling efficiency t(1 rank) / (2 t(2 ranks)) and the cost of ranks
over threads t(2 ranks) / t(2 threads). Skipped when that binary or mpiexec is
missing.

`bench/run.py apps [NAMES...]` runs the application benchmarks instead
(bench/apps.py): whole programs in darr and NumPy, alternately.
`bench/run.py scaling` runs some of them on 1 and 2 MPI ranks (bench/scaling.py):
efficiency, peak memory per rank, bytes sent per iteration against a lower bound.

usage: bench/run.py [--darr BIN] [--mpi-darr BIN] [--repeat N] [--small] [--json FILE] [IDS...]
       bench/run.py apps [--repeat N] [--small] [NAMES...]
       bench/run.py scaling [--mpi-darr BIN] [--repeat N] [--small]
       (IDS such as B1 B4 B9; default all. --small shrinks sizes for a quick check.)
"""
import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
W = os.path.join(HERE, "workloads")

# id, name, darr script, [(peer label, peer script)], size argument, small size
SUITE = [
    ("B1", "fused elementwise", "b1_fused.da", [("numpy", "b1_fused.py"), ("numexpr", "b1_fused_numexpr.py")], "20000000", "200000"),
    ("B2", "fused reduction", "b2_reduce.da", [("numpy", "b2_reduce.py")], "20000000", "200000"),
    ("B3", "2-D Jacobi, 50 steps", "b3_jacobi.da", [("numpy", "b3_jacobi.py")], "2000", "200"),
    ("B4", "matrix product", "b4_matmul.da", [("numpy", "b4_matmul.py")], "2000", "200"),
    ("B5", "Black-Scholes", "b5_black_scholes.da", [("numpy+scipy", "b5_black_scholes.py")], "10000000", "100000"),
    ("B6", "k-means assignment", "b6_kmeans.da", [("numpy", "b6_kmeans.py")], "1000000", "10000"),
    ("B7", "scalar loop", "b7_scalar_loop.da", [("cpython", "b7_scalar_loop.py")], "1000000", "10000"),
]


def run_isolated(cmd):
    """Runs one timed script in a fresh helper process, so the peak memory measured
    is this command's own; returns (seconds the script reports, peak RSS in MiB)."""
    helper = [sys.executable, "-c", (
        "import resource, subprocess, sys;"
        "o = subprocess.run(sys.argv[1:], capture_output=True, text=True);"
        "sys.stderr.write(o.stderr); print(o.stdout.strip().splitlines()[-1] if o.returncode == 0 else 'FAIL');"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )] + cmd
    out = subprocess.run(helper, capture_output=True, text=True)
    lines = out.stdout.split()
    if not lines or lines[0] == "FAIL":
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{out.stderr[-2000:]}")
    return float(lines[0]), int(lines[1]) / 1024


def startup(cmd, repeat):
    times = []
    for _ in range(repeat * 5):
        t0 = time.perf_counter()
        subprocess.run(cmd, capture_output=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def mpi_scaling(args):
    """B9: B1-B3 on one rank, on two ranks and on one rank with two threads."""
    import shlex
    if not os.path.exists(args.mpi_darr) or shutil.which(shlex.split(args.mpiexec)[0]) is None:
        print(f"B9: skipped (needs {args.mpi_darr}, built with --features mpi, and mpiexec)", file=sys.stderr)
        return []
    mpiexec = shlex.split(args.mpiexec)
    out = []
    for bid, name, script, _, size, small in SUITE[:3]:
        cmd = [os.path.join(W, script), small if args.small else size]
        median = lambda prefix: statistics.median(run_isolated(prefix + cmd)[0] for _ in range(args.repeat))
        one = median([args.mpi_darr, "--threads", "1"])
        ranks2 = median(mpiexec + ["-n", "2", args.mpi_darr, "--threads", "1"])
        threads2 = median([args.mpi_darr, "--threads", "2"])
        out.append({"id": bid, "workload": name, "size": cmd[1], "one_s": one, "ranks2_s": ranks2,
                    "threads2_s": threads2, "efficiency": one / (2 * ranks2), "ranks_over_threads": ranks2 / threads2})
    return out


def write_results(args, name, results):
    """Writes `results` as JSON beside `--json`, in a file called `name`."""
    json_path = args.json.replace("latest.json", name)
    os.makedirs(os.path.dirname(json_path), exist_ok=True)
    with open(json_path, "w") as f:
        json.dump(results, f, indent=2)
    print(f"wrote {json_path}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("ids", nargs="*")
    ap.add_argument("--darr", default=os.path.join(HERE, "..", "target", "release", "darr"))
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--small", action="store_true", help="small sizes, for a quick check that everything runs")
    ap.add_argument("--json", default=os.path.join(HERE, "results", "latest.json"))
    ap.add_argument("--mpi-darr", default=os.path.join(HERE, "..", "target", "mpi", "release", "darr"))
    ap.add_argument("--mpiexec", default="mpiexec --oversubscribe --allow-run-as-root")
    args = ap.parse_args()
    if args.ids[:1] == ["apps"]:
        import apps
        print(f"{'app':<12} {'size':>8} {'darr (s)':>10} {'numpy (s)':>10} {'ratio':>7} {'darr MiB':>9} {'numpy MiB':>9} same")
        rows = apps.run_apps(os.path.abspath(args.darr), args.repeat, args.small, set(args.ids[1:]))
        write_results(args, "apps.json", {"repeat": args.repeat, "small": args.small, "apps": rows})
        return
    if args.ids[:1] == ["scaling"]:
        import scaling
        if not os.path.exists(args.mpi_darr) or shutil.which(args.mpiexec.split()[0]) is None:
            sys.exit(f"scaling needs {args.mpi_darr} (built with --features mpi) and mpiexec")
        print(scaling.HEADER)
        rows = scaling.run_scaling(os.path.abspath(args.mpi_darr), args.mpiexec, args.repeat, args.small)
        write_results(args, "scaling.json", {"repeat": args.repeat, "small": args.small, "programs": rows})
        return
    wanted = {i.upper() for i in args.ids}
    rows = []
    for bid, name, script, peers, size, small in SUITE:
        if wanted and bid not in wanted:
            continue
        arg = small if args.small else size
        darr_runs = [run_isolated([args.darr, os.path.join(W, script), arg]) for _ in range(args.repeat)]
        for label, peer in peers:
            try:
                peer_runs = [run_isolated([sys.executable, os.path.join(W, peer), arg]) for _ in range(args.repeat)]
            except RuntimeError as e:
                print(f"{bid}: peer {label} unavailable ({str(e).splitlines()[-1] if str(e) else e})", file=sys.stderr)
                continue
            d, p = statistics.median(t for t, _ in darr_runs), statistics.median(t for t, _ in peer_runs)
            rows.append({
                "id": bid, "workload": name, "size": arg, "peer": label,
                "darr_s": d, "peer_s": p, "ratio": d / p,
                "darr_peak_mib": max(m for _, m in darr_runs), "peer_peak_mib": max(m for _, m in peer_runs),
            })
    if not wanted or "B8" in wanted:
        d = startup([args.darr, "-e", "print(1)"], args.repeat)
        p = startup([sys.executable, "-c", "import numpy; print(1)"], args.repeat)
        rows.append({"id": "B8", "workload": "start-up", "size": "-", "peer": "python+numpy",
                     "darr_s": d, "peer_s": p, "ratio": d / p, "darr_peak_mib": None, "peer_peak_mib": None})
    scaling = mpi_scaling(args) if (not wanted or "B9" in wanted) else []
    print(f"{'id':<4} {'workload':<22} {'peer':<12} {'darr (s)':>10} {'peer (s)':>10} {'ratio':>7} {'darr MiB':>9} {'peer MiB':>9}")
    for r in rows:
        mem = lambda v: f"{v:9.0f}" if v is not None else f"{'-':>9}"
        print(f"{r['id']:<4} {r['workload']:<22} {r['peer']:<12} {r['darr_s']:10.4f} {r['peer_s']:10.4f} {r['ratio']:7.2f} {mem(r['darr_peak_mib'])} {mem(r['peer_peak_mib'])}")
    if scaling:
        print()
        print(f"{'B9':<4} {'workload':<22} {'1 rank (s)':>11} {'2 ranks (s)':>12} {'2 threads (s)':>14} {'efficiency':>11} {'ranks/threads':>14}")
        for r in scaling:
            print(f"{'':<4} {r['workload']:<22} {r['one_s']:11.4f} {r['ranks2_s']:12.4f} {r['threads2_s']:14.4f} {r['efficiency']:11.2f} {r['ranks_over_threads']:14.2f}")
    os.makedirs(os.path.dirname(args.json), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump({"repeat": args.repeat, "small": args.small, "results": rows, "mpi_scaling": scaling}, f, indent=2)
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
