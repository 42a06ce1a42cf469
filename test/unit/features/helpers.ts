import { readFileSync } from 'node:fs'
import type { FrameMatrix } from '../../../src/main/core/features'

/** Mono 16-bit PCM WAV samples scaled by 1/32768 (until src/main/core/audio's loadAudio lands). */
export function readPcm16Wav(path: string): { sampleRate: number; samples: Float32Array } {
  const bytes = readFileSync(path)
  let sampleRate = 0
  for (let offset = 12; offset + 8 <= bytes.length;) {
    const id = bytes.toString('ascii', offset, offset + 4)
    const size = bytes.readUInt32LE(offset + 4)
    if (id === 'fmt ') {
      if (
        bytes.readUInt16LE(offset + 8) !== 1 ||
        bytes.readUInt16LE(offset + 10) !== 1 ||
        bytes.readUInt16LE(offset + 22) !== 16
      ) {
        throw new Error(`${path}: not mono 16-bit PCM`)
      }
      sampleRate = bytes.readUInt32LE(offset + 12)
    } else if (id === 'data') {
      const samples = new Float32Array(Math.floor(size / 2))
      for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(offset + 8 + 2 * i) / 32768
      return { sampleRate, samples }
    }
    offset += 8 + size + (size & 1)
  }
  throw new Error(`${path}: no data chunk`)
}

/** Largest |ours - expected| over a frame-major matrix and librosa-layout rows; throws on a shape mismatch. */
export function maxAbsDiff(ours: FrameMatrix, expected: readonly (readonly number[])[]): number {
  if (ours.nValues !== expected.length || ours.nFrames !== (expected[0]?.length ?? 0)) {
    throw new Error(`shape ${ours.nValues}x${ours.nFrames}, expected ${expected.length}x${expected[0]?.length ?? 0}`)
  }
  let worst = 0
  expected.forEach((row, i) =>
    row.forEach((v, t) => {
      const d = Math.abs((ours.data[t * ours.nValues + i] as number) - v)
      worst = Number.isNaN(d) ? Infinity : Math.max(worst, d)
    }),
  )
  return worst
}

/** Largest |ours - expected| / max(|expected|, floor): relative error, absolute near zero. */
export function maxRelDiff(ours: FrameMatrix, expected: readonly (readonly number[])[], floor = 1e-6): number {
  let worst = 0
  expected.forEach((row, i) =>
    row.forEach((v, t) => {
      const d = Math.abs((ours.data[t * ours.nValues + i] as number) - v) / Math.max(Math.abs(v), floor)
      worst = Number.isNaN(d) ? Infinity : Math.max(worst, d)
    }),
  )
  return worst
}

/** A sine of `frequency` Hz, amplitude `amplitude`, `length` samples at `sr`. */
export function sine(frequency: number, sr: number, length: number, amplitude = 1, phase = 0): Float32Array {
  return Float32Array.from({ length }, (_, n) => amplitude * Math.sin((2 * Math.PI * frequency * n) / sr + phase))
}
