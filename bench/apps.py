"""The application benchmarks (bench/apps): whole programs written as a NumPy user
writes them, each in darr and in NumPy with the same inputs (computed inside both
by the same exact formula, apps/appdata.*). `bench/run.py apps` runs them, darr
and NumPy alternately, and prints median times, the darr/NumPy ratio, peak memory
and whether the two printed the same results (numbers to a relative 1e-6)."""
import math
import os
import re
import statistics
import subprocess
import sys

APPS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "apps")
NUMBER = re.compile(r"-?\d+(\.\d+)?(e[-+]?\d+)?")


def table():
    """(name, size, small size, description) for each application."""
    rows = []
    with open(os.path.join(APPS, "apps.txt")) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                name, size, small, what = line.split(None, 3)
                rows.append((name, size, small, what.strip()))
    return rows


def run(cmd):
    """Runs one application in a helper process; returns (its result lines, the
    seconds it reports, its peak RSS in MiB)."""
    helper = [sys.executable, "-c", (
        "import resource, subprocess, sys;"
        "o = subprocess.run(sys.argv[1:], capture_output=True, text=True);"
        "sys.stderr.write(o.stderr); sys.stdout.write(o.stdout if o.returncode == 0 else 'FAIL\\n');"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )] + cmd
    out = subprocess.run(helper, capture_output=True, text=True, cwd=APPS)
    lines = out.stdout.strip().splitlines()
    if len(lines) < 3 or lines[0] == "FAIL":
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{out.stderr[-2000:]}")
    return lines[:-2], float(lines[-2]), int(lines[-1]) / 1024


def same_results(a, b):
    """Whether two programs printed the same results: the same text around the
    numbers, and the numbers equal to a relative 1e-6."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if NUMBER.sub("#", x) != NUMBER.sub("#", y):
            return False
        for p, q in zip(NUMBER.finditer(x), NUMBER.finditer(y)):
            u, v = float(p.group()), float(q.group())
            if not math.isclose(u, v, rel_tol=1e-6, abs_tol=1e-12):
                return False
    return True


def run_apps(darr, repeat, small, wanted=()):
    rows = []
    for name, size, small_size, what in table():
        if wanted and name not in wanted:
            continue
        arg = small_size if small else size
        darr_runs, numpy_runs = [], []
        for _ in range(repeat):  # alternately, so both see the same machine
            darr_runs.append(run([darr, f"{name}.da", arg]))
            numpy_runs.append(run([sys.executable, f"{name}.py", arg]))
        d = statistics.median(t for _, t, _ in darr_runs)
        p = statistics.median(t for _, t, _ in numpy_runs)
        rows.append({
            "app": name, "what": what, "size": arg, "darr_s": d, "numpy_s": p, "ratio": d / p,
            "darr_peak_mib": max(m for _, _, m in darr_runs), "numpy_peak_mib": max(m for _, _, m in numpy_runs),
            "same": same_results(darr_runs[0][0], numpy_runs[0][0]),
        })
        r = rows[-1]
        print(f"{name:<12} {arg:>8} {d:10.4f} {p:10.4f} {r['ratio']:7.2f} {r['darr_peak_mib']:9.0f} "
              f"{r['numpy_peak_mib']:9.0f} {'yes' if r['same'] else 'NO'}", flush=True)
    ratios = [r["ratio"] for r in rows]
    if ratios:
        print(f"geometric mean of the ratios: {math.exp(sum(map(math.log, ratios)) / len(ratios)):.2f}")
    return rows
