import sys, time
import numpy as np
import appdata
n = int(sys.argv[1]) if len(sys.argv) > 1 else 1500
a = appdata.matrix(n, n, 16)
a = a + a.T
t0 = time.perf_counter()
v = np.ones(n) / np.sqrt(n)
lam = 0.0
for it in range(100):
    w = a @ v
    lam = float(np.dot(v, w))
    v = w / np.linalg.norm(w)
print(f"{lam:.10e} {float(np.sum(np.abs(v))):.10e}")
print(time.perf_counter() - t0)
