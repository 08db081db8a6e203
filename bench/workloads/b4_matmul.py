import sys, time
import numpy as np
n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
a = np.random.rand(n, n); b = np.random.rand(n, n)
t0 = time.perf_counter()
c = a @ b
print(time.perf_counter() - t0)
