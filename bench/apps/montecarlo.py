import sys, time
import numpy as np
import appdata
n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000000
t0 = time.perf_counter()
inside = 0
for batch in range(10):
    x = appdata.uniform(n, 2 * batch + 20)
    y = appdata.uniform(n, 2 * batch + 21)
    inside = inside + int(np.count_nonzero(x * x + y * y < 1.0))
print(f"{4.0 * inside / (10 * n):.10e}")
print(time.perf_counter() - t0)
