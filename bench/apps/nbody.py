import sys, time
import numpy as np
import appdata
n = int(sys.argv[1]) if len(sys.argv) > 1 else 600
pos = appdata.matrix(n, 3, 2)
mass = appdata.uniform(n, 3) + 0.5
vel = np.zeros((n, 3))
t0 = time.perf_counter()
for step in range(20):
    d = pos[np.newaxis, :, :] - pos[:, np.newaxis, :]
    r2 = np.sum(d * d, axis=2) + 0.01
    weight = r2 ** -1.5 * mass[np.newaxis, :]
    acc = np.sum(d * weight[:, :, np.newaxis], axis=1)
    vel = vel + acc * 0.001
    pos = pos + vel * 0.001
print(f"{float(np.sum(pos)):.10e} {float(np.sum(vel * vel)):.10e}")
print(time.perf_counter() - t0)
