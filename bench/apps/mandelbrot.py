import sys, time
import numpy as np
n = int(sys.argv[1]) if len(sys.argv) > 1 else 800
cr = np.linspace(-2.0, 0.6, n)[np.newaxis, :] + np.zeros((n, 1))
ci = np.linspace(-1.2, 1.2, n)[:, np.newaxis] + np.zeros((1, n))
t0 = time.perf_counter()
zr = np.zeros((n, n))
zi = np.zeros((n, n))
count = np.zeros((n, n))
for it in range(60):
    inside = zr * zr + zi * zi <= 4.0
    zr, zi = np.where(inside, zr * zr - zi * zi + cr, zr), np.where(inside, 2 * zr * zi + ci, zi)
    count = count + inside
print(f"{float(np.sum(count)):.10e}")
print(time.perf_counter() - t0)
