"""Decode every file named on stdin (WAV, FLAC, MP3) with soundfile (libsndfile), as librosa does; best of 3 passes,
one thread.

With --small-pages, numpy is told not to ask the kernel for transparent huge pages for its arrays (numpy does by
default on Linux): allocating the output is then what it is in Node, which has no such request, so the figure shows
how much of soundfile's lead on a long file is page faults rather than decoding.

Prints one JSON line: files, the best pass's seconds, audio seconds, soundfile's and libsndfile's versions.
"""
import json
import sys
import time

import numpy
import soundfile

if "--small-pages" in sys.argv[1:]:
    numpy.core.multiarray._set_madvise_hugepage(False)

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
print(json.dumps({"files": len(paths), "seconds": best, "audioSeconds": seconds, "soundfile": soundfile.__version__,
                  "libsndfile": soundfile.__libsndfile_version__}))
