import sys, time
import numpy as np
from scipy.special import ndtr
n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
rng = np.random.default_rng(0)
s = rng.uniform(50, 150, n); k = rng.uniform(50, 150, n); t = rng.uniform(0.1, 2.0, n)
r, v = 0.02, 0.3
t0 = time.perf_counter()
d1 = (np.log(s / k) + (r + 0.5 * v * v) * t) / (v * np.sqrt(t))
d2 = d1 - v * np.sqrt(t)
call = s * ndtr(d1) - k * np.exp(-r * t) * ndtr(d2)
put = k * np.exp(-r * t) * ndtr(-d2) - s * ndtr(-d1)
total = float(call.sum() + put.sum())
print(time.perf_counter() - t0)
