import sys, time
import numpy as np
import appdata
n = int(sys.argv[1]) if len(sys.argv) > 1 else 1500
links = (appdata.matrix(n, n, 4) < 0.01).astype(np.float64)
t0 = time.perf_counter()
out = np.sum(links, axis=1)
out = np.where(out == 0, 1.0, out)
m = (links / out[:, np.newaxis]).T
r = np.ones(n) / n
for it in range(40):
    r = 0.85 * (m @ r) + 0.15 / n
print(f"{float(np.sum(r)):.10e} {float(np.max(r)):.10e} {int(np.argmax(r))}")
print(time.perf_counter() - t0)
