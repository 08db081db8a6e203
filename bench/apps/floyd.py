import sys, time
import numpy as np
import appdata
n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
dist = appdata.matrix(n, n, 10) * 10 + 1
t0 = time.perf_counter()
for k in range(n):
    dist = np.minimum(dist, dist[:, k:k + 1] + dist[k:k + 1, :])
print(f"{float(np.sum(dist)):.10e} {float(np.max(dist)):.10e}")
print(time.perf_counter() - t0)
