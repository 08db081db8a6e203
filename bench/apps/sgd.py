import sys, time
import numpy as np
import appdata
n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
d = 8
x = appdata.matrix(n, d, 12)
y = x @ (appdata.uniform(d, 13) - 0.5)
t0 = time.perf_counter()
w = np.zeros(d)
for epoch in range(2):
    for i in range(n):
        xi = x[i]
        err = float(np.dot(xi, w)) - float(y[i])
        w = w - 0.05 * err * xi
print(f"{float(np.sum(w)):.10e} {float(np.linalg.norm(x @ w - y)):.10e}")
print(time.perf_counter() - t0)
