import sys, time
import numpy as np
import appdata
rows = int(sys.argv[1]) if len(sys.argv) > 1 else 4000
cols = 200
b = appdata.matrix(rows, cols, 11)
t0 = time.perf_counter()
z = np.zeros((rows, cols))
z[0] = b[0]
for j in range(rows - 1):
    z[j + 1] = z[j] * 0.5 + b[j + 1]
print(f"{float(np.sum(z)):.10e} {float(np.sum(z[-1])):.10e}")
print(time.perf_counter() - t0)
