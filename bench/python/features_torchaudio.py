"""torchaudio's reference figures for bench/features.bench.ts: log-mel + MFCC of every WAV in a folder.

Usage: features_torchaudio.py FOLDER ROUNDS PROCESSES

Same parameters as test/data/reference-features/PARAMS.md (sr 8000, n_fft 256, hop 128, 64 Slaney mels
with Slaney norm, power 2, centre with zero padding, power_to_db ref 1 / amin 1e-10 / top_db 80, 20
orthonormal DCT-II MFCCs), computed per file as torchaudio.transforms.MFCC does internally
(MelSpectrogram, then AmplitudeToDB, then the DCT matrix), keeping both the log-mel and the MFCC.

Files are read and decoded before any timing (as on the Earmark side), and every process runs torch on
one thread. Two ways, as Earmark runs them:
- "one": this process alone, one pass over all the files per round;
- "all": PROCESSES worker processes (one per core), process w holding every PROCESSES-th file from the
  w-th (as Earmark's worker threads share them); a round starts them all and ends when all are done.
Each way does one untimed pass first. Prints one JSON line: files, audio seconds, and the seconds of
every round of each way (and the CPU seconds of the one-thread rounds, "oneCpu", which a loaded
machine disturbs less than the wall clock).
"""

import json
import multiprocessing
import sys
import time
import wave
from pathlib import Path

import numpy as np
import torch
import torchaudio


def read_pcm16(path):
    with wave.open(str(path)) as w:
        if w.getsampwidth() != 2 or w.getnchannels() != 1:
            raise ValueError(f"{path}: expected mono 16-bit PCM")
        frames = w.readframes(w.getnframes())
        return w.getframerate(), np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32768.0


def make_pass():
    mel = torchaudio.transforms.MelSpectrogram(
        sample_rate=8000, n_fft=256, hop_length=128, n_mels=64, f_min=0.0, f_max=4000.0,
        center=True, pad_mode="constant", power=2.0, norm="slaney", mel_scale="slaney",
    )
    to_db = torchaudio.transforms.AmplitudeToDB(stype="power", top_db=80.0)
    dct = torchaudio.functional.create_dct(20, 64, norm="ortho")

    def one_pass(tensors):
        with torch.inference_mode():
            for y in tensors:
                logmel = to_db(mel(y))
                mfcc = torch.matmul(logmel.transpose(-1, -2), dct).transpose(-1, -2)
        return logmel, mfcc

    return one_pass


def worker(conn, tensors):
    """One of the worker processes: warms up on its files, then does one pass per 'go'."""
    torch.set_num_threads(1)
    one_pass = make_pass()
    one_pass(tensors)
    conn.send("ready")
    while conn.recv() == "go":
        one_pass(tensors)
        conn.send("done")


def main():
    folder, rounds, count = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(1)
    clips = [read_pcm16(p) for p in sorted(folder.glob("*.wav"))]
    if {sr for sr, _ in clips} != {8000}:
        raise ValueError("expected every file at 8000 Hz")
    tensors = [torch.from_numpy(y) for _, y in clips]
    seconds = {}

    # The worker processes first, forked before this one runs any torch computation.
    context = multiprocessing.get_context("fork")
    pipes, processes = [], []
    for w in range(count):
        here, there = context.Pipe()
        process = context.Process(target=worker, args=(there, tensors[w::count]))
        process.start()
        pipes.append(here)
        processes.append(process)
    for pipe in pipes:
        pipe.recv()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for pipe in pipes:
            pipe.send("go")
        for pipe in pipes:
            pipe.recv()
        times.append(time.perf_counter() - start)
    seconds["all"] = times
    for pipe in pipes:
        pipe.send("stop")
    for process in processes:
        process.join()

    one_pass = make_pass()
    one_pass(tensors)
    times, cpu = [], []
    for _ in range(rounds):
        start, start_cpu = time.perf_counter(), time.process_time()
        one_pass(tensors)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    seconds["one"] = times
    seconds["oneCpu"] = cpu

    audio = sum(len(y) for _, y in clips) / 8000
    print(json.dumps({"files": len(clips), "audioSeconds": audio, "seconds": seconds, "torch": torch.__version__,
                      "torchaudio": torchaudio.__version__}))


if __name__ == "__main__":
    main()
