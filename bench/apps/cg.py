import sys, time
import numpy as np
import appdata
n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
b = appdata.uniform(n, 15)
def apply(p):
    padded = np.pad(p, 1)
    return 2 * p - padded[:-2] - padded[2:]
t0 = time.perf_counter()
x = np.zeros(n)
r = b - apply(x)
p = r
rr = float(np.dot(r, r))
for it in range(200):
    ap = apply(p)
    alpha = rr / float(np.dot(p, ap))
    x = x + alpha * p
    r = r - alpha * ap
    rr_new = float(np.dot(r, r))
    p = r + (rr_new / rr) * p
    rr = rr_new
print(f"{rr:.6e} {float(np.sum(x)):.10e}")
print(time.perf_counter() - t0)
