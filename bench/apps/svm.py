import sys, time
import numpy as np
import appdata
n = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
d = 16
x = appdata.matrix(n, d, 40) - 0.5
y = np.where(x @ (appdata.uniform(d, 41) - 0.5) > 0, 1.0, -1.0)
t0 = time.perf_counter()
w = np.zeros(d)
lam = 0.001
for it in range(50):
    margin = y * (x @ w)
    active = np.where(margin < 1.0, y, 0.0)
    grad = lam * w - x.T @ active / n
    w = w - 0.5 * grad
accuracy = np.mean(np.where(y * (x @ w) > 0, 1.0, 0.0))
print(f"{float(np.sum(w)):.10e} {float(accuracy):.10e}")
print(time.perf_counter() - t0)
