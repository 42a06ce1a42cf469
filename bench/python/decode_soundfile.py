"""Decode every file named on stdin with soundfile (libsndfile), as librosa does; print files/s as JSON."""
import json
import sys
import time

import soundfile

paths = [line.strip() for line in sys.stdin if line.strip()]
best = None
for _ in range(3):
    start = time.perf_counter()
    seconds = 0.0
    for path in paths:
        data, rate = soundfile.read(path, dtype="float32", always_2d=True)
        seconds += data.shape[0] / rate
    elapsed = time.perf_counter() - start
    best = elapsed if best is None else min(best, elapsed)
print(json.dumps({"files": len(paths), "seconds": best, "audioSeconds": seconds}))
