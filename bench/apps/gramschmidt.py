import sys, time
import numpy as np
import appdata
n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
m = 60
a = appdata.matrix(n, m, 33)
t0 = time.perf_counter()
q = np.zeros((n, m))
for j in range(m):
    v = a[:, j]
    for i in range(j):
        v = v - float(np.dot(q[:, i], v)) * q[:, i]
    q[:, j] = v / np.linalg.norm(v)
print(f"{float(np.sum(np.abs(q.T @ q))):.10e} {float(np.sum(q[:, -1])):.10e}")
print(time.perf_counter() - t0)
