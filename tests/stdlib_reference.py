#!/usr/bin/env python3
"""Computes the expected output of tests/golden/stdlib/stdlib.da independently, with
NumPy (no darr code involved), and writes tests/golden/stdlib/stdlib.out.
Run it from the repository root after changing the stdlib test: python3 tests/stdlib_reference.py
"""
import math
import os
import numpy as np

out = []


def show(a):
    a = np.round(np.asarray(a, dtype=float), 6) + 0.0
    out.append(str(a) if a.ndim else repr(float(a)))


x = np.array([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0])
y = np.array([2.0, 7.0, 1.0, 8.0, 2.0, 8.0, 1.0, 8.0])
m = np.array([[4.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 2.0]])
show(np.linalg.norm(x))
a = np.array([[1.0, 3.0], [2.0, 2.0]]); show(a / a.sum(axis=1, keepdims=True))
show(np.linalg.solve(m, [1.0, 2.0, 3.0]))
w, vecs = np.linalg.eigh(m)
show(w[-1]); show(np.abs(vecs[:, -1]))
q, _ = np.linalg.qr(np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]])); show(np.abs(q))
show((x - x.mean()) / x.std())
show(np.cov(x, y)); show(np.corrcoef(x, y))
show(np.median(x)); show(np.percentile(x, 30))
show(np.convolve(x, np.ones(3) / 3, "valid"))
show((x - x.min()) / (x.max() - x.min()))
show(1 / (1 + np.exp(-np.array([-2.0, 0.0, 3.0]))))
s = np.array([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]]); e = np.exp(s - s.max(axis=1, keepdims=True)); show(e / e.sum(axis=1, keepdims=True))
pts = np.array([[0.0, 0.0], [0.5, 0.2], [9.0, 9.0], [8.5, 9.5], [0.2, 0.4], [9.2, 8.8]])
centers = pts[:2].copy()
for _ in range(10):
    labels = np.array([np.argmin([np.sum((p - c) ** 2) for c in centers]) for p in pts])
    for j in range(2):
        if np.any(labels == j):
            centers[j] = pts[labels == j].mean(axis=0)
show(centers); out.append(str(labels))
xs = np.array([[1.0, 0.5], [1.0, -1.0], [1.0, 2.0], [1.0, -0.5], [1.0, 1.5], [1.0, -2.0]])
ys = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 0.0])
wt = np.zeros(2)
for _ in range(50):
    p = 1 / (1 + np.exp(-xs @ wt))
    wt = wt - 0.5 * xs.T @ (p - ys) / len(ys)
show(wt)
show(np.linalg.lstsq(xs, np.array([2.0, -1.0, 5.0, 0.0, 4.0, -3.0]), rcond=None)[0])
adj = np.array([[0, 1, 1, 0], [0, 0, 1, 0], [1, 0, 0, 0], [0, 0, 0, 0]], dtype=float)
n = len(adj); r = np.full(n, 1 / n)
for _ in range(50):
    new = np.full(n, 0.15 / n)
    for i in range(n):
        targets = np.nonzero(adj[i])[0] if adj[i].any() else np.arange(n)
        new[targets] += 0.85 * r[i] / len(targets)
    r = new
show(r)
ncdf = np.vectorize(lambda v: 0.5 * math.erfc(-v / math.sqrt(2)))
S = np.array([90.0, 100.0, 110.0]); K, T, rate, vol = 100.0, 0.5, 0.03, 0.25
d1 = (np.log(S / K) + (rate + vol * vol / 2) * T) / (vol * math.sqrt(T)); d2 = d1 - vol * math.sqrt(T)
show(S * ncdf(d1) - K * math.exp(-rate * T) * ncdf(d2)); show(K * math.exp(-rate * T) * ncdf(-d2) - S * ncdf(-d1))
counts = np.zeros((5, 8), dtype=np.int64)
for i, ci in enumerate(np.linspace(-1.1, 1.1, 5)):
    for j, cr in enumerate(np.linspace(-2.0, 0.6, 8)):
        z, c = 0j, complex(cr, ci)
        for _ in range(12):
            z = z * z + c
            if abs(z) > 2:
                break
            counts[i, j] += 1
out.append(str(counts))
radius = math.ceil(3 * 0.7); t = np.arange(-radius, radius + 1); g = np.exp(-t * t / (2 * 0.7 ** 2)); g /= g.sum()
kern = np.outer(g, g); img = np.eye(4); pad = np.pad(img, radius); blur = np.zeros_like(img)
for i in range(4):
    for j in range(4):
        blur[i, j] = np.sum(pad[i:i + 2 * radius + 1, j:j + 2 * radius + 1] * kern[::-1, ::-1])
show(blur)
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "stdlib", "stdlib.out")
with open(path, "w") as f:
    f.write("\n".join(out) + "\n")
print(f"wrote {path}")
