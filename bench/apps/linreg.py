import sys, time
import numpy as np
import appdata
n = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
d = 16
x = appdata.matrix(n, d, 5)
y = x @ (appdata.uniform(d, 6) - 0.5) + 0.01 * appdata.uniform(n, 7)
t0 = time.perf_counter()
w = np.zeros(d)
for it in range(50):
    grad = x.T @ (x @ w - y) / n
    w = w - 0.5 * grad
print(f"{float(np.sum(w)):.10e} {float(np.linalg.norm(x @ w - y)):.10e}")
print(time.perf_counter() - t0)
