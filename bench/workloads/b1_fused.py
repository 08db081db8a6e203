import sys, time
import numpy as np
n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000_000
a = np.random.rand(n); b = np.random.rand(n)
t0 = time.perf_counter()
c = a * b + 2 * a - b / 3
print(time.perf_counter() - t0)
