import sys, time
import numpy as np
import appdata
m = int(sys.argv[1]) if len(sys.argv) > 1 else 4000
d = 16
train = appdata.matrix(m, d, 50)
queries = appdata.matrix(m, d, 51)
labels = (np.sum(train, axis=1) > d / 2).astype(np.int64)
t0 = time.perf_counter()
train_sq = np.sum(train * train, axis=1)
batch = m // 4
agree = 0
checksum = 0
for b in range(4):
    q = queries[b * batch:(b + 1) * batch]
    d2 = np.sum(q * q, axis=1)[:, np.newaxis] - 2.0 * (q @ train.T) + train_sq[np.newaxis, :]
    nearest = np.argmin(d2, axis=1)
    predicted = labels[nearest]
    truth = (np.sum(q, axis=1) > d / 2).astype(np.int64)
    agree = agree + int(np.sum(predicted == truth))
    checksum = checksum + int(np.sum(nearest))
print(f"{agree} {checksum}")
print(time.perf_counter() - t0)
