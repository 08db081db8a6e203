import sys, time
import numpy as np
import appdata
n = int(sys.argv[1]) if len(sys.argv) > 1 else 50000
d = 32
k = 10
x = appdata.matrix(n, d, 30) - 0.5
labels = np.argmax(x @ (appdata.matrix(d, k, 31) - 0.5), axis=1)
onehot = (labels[:, np.newaxis] == np.arange(k)[np.newaxis, :]).astype(np.float64)
t0 = time.perf_counter()
w = np.zeros((d, k))
for it in range(30):
    z = x @ w
    z = z - np.max(z, axis=1)[:, np.newaxis]
    e = np.exp(z)
    p = e / np.sum(e, axis=1)[:, np.newaxis]
    w = w - 1.0 * (x.T @ (p - onehot)) / n
print(f"{float(np.sum(w * w)):.10e} {float(np.mean(np.argmax(x @ w, axis=1) == labels)):.10e}")
print(time.perf_counter() - t0)
