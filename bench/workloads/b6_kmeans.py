import sys, time
import numpy as np
n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
x = np.random.rand(n, 8); c = np.random.rand(16, 8)
t0 = time.perf_counter()
labels = np.argmin(np.sum((x[:, np.newaxis, :] - c[np.newaxis, :, :]) ** 2, axis=2), axis=1)
print(time.perf_counter() - t0)
