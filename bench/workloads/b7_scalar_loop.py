import sys, time
n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
t0 = time.perf_counter()
s = 0
for i in range(n):
    s = s + i * 2
print(time.perf_counter() - t0)
