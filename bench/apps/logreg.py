import sys, time
import numpy as np
import appdata
n = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
d = 10
x = appdata.matrix(n, d, 8) - 0.5
y = (x @ (appdata.uniform(d, 9) - 0.5) > 0).astype(np.float64)
t0 = time.perf_counter()
w = np.zeros(d)
for it in range(50):
    p = 1 / (1 + np.exp(-(x @ w)))
    w = w - 2.0 * (x.T @ (p - y)) / n
p = 1 / (1 + np.exp(-(x @ w)))
loss = -np.mean(y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12))
print(f"{float(np.sum(w)):.10e} {float(loss):.10e}")
print(time.perf_counter() - t0)
