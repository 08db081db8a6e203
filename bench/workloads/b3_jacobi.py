import sys, time
import numpy as np
n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
u = np.random.rand(n, n)
t0 = time.perf_counter()
for i in range(50):
    u[1:-1, 1:-1] = 0.25 * (u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:])
print(time.perf_counter() - t0)
