import sys, time
import numpy as np
import appdata
n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000000
s = np.cumsum(appdata.uniform(n, 32) - 0.5)
t0 = time.perf_counter()
c = np.cumsum(s)
best = 0
best_err = -1.0
for w in range(2, 40):
    avg = (c[w:] - c[:-w]) / w
    err = float(np.mean((s[w:] - avg) ** 2))
    if best_err < 0 or err < best_err:
        best_err = err
        best = w
print(f"{best} {best_err:.10e}")
print(time.perf_counter() - t0)
