import sys, time
import numpy as np
import appdata
n = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
d = 50
x = appdata.matrix(n, d, 34)
x = x + 0.5 * x[:, :1]
t0 = time.perf_counter()
z = (x - np.mean(x, axis=0)) / np.std(x, axis=0)
c = z.T @ z / (n - 1)
off = c - np.eye(d) * 2
print(f"{float(np.sum(c)):.10e} {int(np.argmax(off))}")
print(time.perf_counter() - t0)
