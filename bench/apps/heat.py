import sys, time
import numpy as np
import appdata
n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
u = appdata.matrix(n, n, 14)
t0 = time.perf_counter()
log = 0.0
for step in range(200):
    u[1:-1, 1:-1] = u[1:-1, 1:-1] + 0.2 * (u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:] - 4 * u[1:-1, 1:-1])
    if step % 10 == 0:
        log = log + float(np.sum(u))
print(f"{log:.10e} {float(np.max(u)):.10e}")
print(time.perf_counter() - t0)
