import sys, time
import numpy as np
import appdata
n = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
d = 32
x = appdata.matrix(n, d, 60) - 0.5
y = x @ (appdata.uniform(d, 61) - 0.5) + 0.1 * (appdata.uniform(n, 62) - 0.5)
t0 = time.perf_counter()
fit = n * 3 // 4
xf = x[:fit]
gram = xf.T @ xf
rhs = xf.T @ y[:fit]
held_x = x[fit:]
held_y = y[fit:]
best = 1.0e300
best_penalty = 0.0
for k in range(40):
    penalty = 10.0 ** (k / 8.0 - 2.0)
    w = np.linalg.solve(gram + penalty * np.eye(d), rhs)
    err = float(np.mean((held_x @ w - held_y) ** 2))
    if err < best:
        best = err
        best_penalty = penalty
print(f"{best:.10e} {best_penalty:.10e}")
print(time.perf_counter() - t0)
