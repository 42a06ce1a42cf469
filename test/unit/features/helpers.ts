import { decodeAudio } from '../../../src/main/core/audio'
import type { FrameMatrix } from '../../../src/main/core/features'

/** A mono file's samples as the studio decodes them (int16 / 32768, as soundfile and PARAMS.md scale). */
export async function readMonoWav(path: string): Promise<{ sampleRate: number; samples: Float32Array }> {
  const audio = await decodeAudio(path)
  const [samples] = audio.channels
  if (!samples || audio.channels.length !== 1) throw new Error(`${path}: not mono`)
  return { sampleRate: audio.sampleRate, samples }
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
