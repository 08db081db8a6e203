"""Scaling out (`bench/run.py scaling`): whole programs from bench/apps on one MPI
rank and on two, each with one thread (this machine has two cores), with a darr
built with `--features mpi`. For each program it prints

- the scaling efficiency t(1 rank) / (2 t(2 ranks)), from medians of runs of the
  two alternating;
- the peak resident memory of the largest rank at `-n 4` against `-n 1`;
- the bytes the busiest rank sent per iteration on 2 ranks (from `--time`) and,
  where the algorithm fixes one, the lower bound: Jacobi sends each neighbour
  one boundary row per step; k-means all-reduces k × (d + 1) numbers per round.
"""
import os
import re
import shlex
import statistics
import subprocess
import sys

from apps import APPS, run

# name, size, iterations of its loop, the bound on bytes one of 2 ranks sends per
# iteration (None: none derived), what the bound is.
PROGRAMS = [
    ("heat", 1000, 200, lambda n: n * 8, "one boundary row of n float64 to the neighbour"),
    ("kmeans", 200000, 10, lambda n: 8 * (8 + 1) * 8, "an all-reduce of k x (d + 1) = 8 x 9 float64"),
    ("cg", 1000000, 200, None, ""),
    ("pagerank", 1500, 40, None, ""),
    ("logreg", 200000, 50, None, ""),
]

SENT = re.compile(r"rank (\d+): (\d+) messages? \(([\d.]+) (B|kB|MB|GB)\)")
UNIT = {"B": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9}


def bytes_sent(darr, mpiexec, name, size):
    """The most bytes any rank sent, from `--time` on 2 ranks."""
    cmd = mpiexec + ["-n", "2", darr, "--threads", "1", "--time", f"{name}.da", str(size)]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=APPS)
    sent = [float(v) * UNIT[u] for _, _, v, u in SENT.findall(out.stderr)]
    if out.returncode != 0 or not sent:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{out.stderr[-2000:]}")
    return max(sent)


def run_scaling(darr, mpiexec, repeat, small):
    mpiexec = shlex.split(mpiexec)
    rows = []
    for name, size, iterations, bound, why in PROGRAMS:
        size = max(size // 100, 10) if small else size
        one, two = [], []
        for _ in range(repeat):
            one.append(run([darr, "--threads", "1", f"{name}.da", str(size)])[1])
            two.append(run(mpiexec + ["-n", "2", darr, "--threads", "1", f"{name}.da", str(size)])[1])
        mem1 = run([darr, "--threads", "1", f"{name}.da", str(size)])[2]
        mem4 = run(mpiexec + ["-n", "4", darr, "--threads", "1", f"{name}.da", str(size)])[2]
        sent = bytes_sent(darr, mpiexec, name, size) / iterations
        row = {
            "app": name, "size": size, "one_rank_s": statistics.median(one), "two_ranks_s": statistics.median(two),
            "peak_mib_1": mem1, "peak_mib_4": mem4, "sent_per_iteration": sent,
            "bound_per_iteration": bound(size) if bound else None, "bound": why,
        }
        row["efficiency"] = row["one_rank_s"] / (2 * row["two_ranks_s"])
        row["memory_4_over_1"] = mem4 / mem1
        rows.append(row)
        bound_text = f"{row['bound_per_iteration']:>12.0f}" if bound else f"{'-':>12}"
        ratio = f"{sent / row['bound_per_iteration']:6.2f}" if bound else f"{'-':>6}"
        print(f"{name:<10} {size:>8} {row['one_rank_s']:9.4f} {row['two_ranks_s']:9.4f} {row['efficiency']:6.2f} "
              f"{mem1:8.0f} {mem4:8.0f} {row['memory_4_over_1']:6.2f} {sent:12.0f} {bound_text} {ratio}", flush=True)
    return rows


HEADER = (f"{'program':<10} {'size':>8} {'1 rank':>9} {'2 ranks':>9} {'eff.':>6} {'MiB n=1':>8} {'MiB n=4':>8} "
          f"{'4/1':>6} {'B/iter':>12} {'bound':>12} {'/bound':>6}")

if __name__ == "__main__":
    sys.exit("run it as: bench/run.py scaling")
