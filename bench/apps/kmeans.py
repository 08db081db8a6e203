import sys, time
import numpy as np
import appdata
n = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
k = 8
x = appdata.matrix(n, 8, 1)
t0 = time.perf_counter()
c = x[:k]
for it in range(10):
    labels = np.argmin(np.sum((x[:, np.newaxis, :] - c[np.newaxis, :, :]) ** 2, axis=2), axis=1)
    moved = np.zeros((k, 8))
    for j in range(k):
        members = labels == j
        count = np.count_nonzero(members)
        moved[j] = np.sum(x[members], axis=0) / count if count > 0 else c[j]
    c = moved
print(f"{float(np.sum(c)):.10e} {float(np.sum(c[0] * c[1])):.10e}")
print(time.perf_counter() - t0)
