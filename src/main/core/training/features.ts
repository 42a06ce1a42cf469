// The fixed-shape inputs of the deep models: each clip cut or zero-padded to a fixed duration, then
// its log-mel image (CNN, CRNN) or its MFCC + delta sequence (LSTM / GRU), frames × features,
// frame-major, computed with core/features (librosa's numerics).
import { z } from 'zod'
import { computeLogmelMfcc, delta, type FrameMatrix } from '../features'

/** How a clip becomes a deep model's input. */
export const deepFeatureSchema = z.strictObject({
  kind: z.enum(['logmel', 'mfcc']).describe('logmel: log-mel image; mfcc: MFCC (+ delta) sequence.'),
  sampleRate: z.number().int().positive().describe('Clips are resampled to this rate (Hz).'),
  seconds: z.number().positive().describe('Clips are cut or zero-padded at the end to this duration.'),
  nFft: z.number().int().min(16).describe('FFT size of the STFT.'),
  hop: z.number().int().min(1).describe('Hop between frames, in samples.'),
  nMels: z.number().int().min(1).describe('Mel bands.'),
  nMfcc: z.number().int().min(1).default(20).describe('MFCCs per frame (mfcc only).'),
  deltas: z
    .number()
    .int()
    .min(0)
    .max(2)
    .default(1)
    .describe('Delta orders appended to the MFCCs: 0, 1 (delta) or 2 (delta + delta-delta).'),
})

/** A feature recipe, complete. */
export type DeepFeatureConfig = z.output<typeof deepFeatureSchema>

/** The default recipe of each model kind (8 kHz speech-sized: 64 mel bands × 63 frames per second for the CNN). */
export function defaultDeepFeatures(model: 'cnn' | 'crnn' | 'lstm', sampleRate = 8000): DeepFeatureConfig {
  const nFft = sampleRate <= 8000 ? 512 : sampleRate <= 16000 ? 1024 : 2048
  if (model === 'lstm') {
    return { kind: 'mfcc', sampleRate, seconds: 1, nFft, hop: nFft / 2, nMels: 40, nMfcc: 20, deltas: 1 }
  }
  return { kind: 'logmel', sampleRate, seconds: 1, nFft, hop: nFft / 4, nMels: 64, nMfcc: 20, deltas: 0 }
}

/** Frames and features per frame a recipe produces. */
export function deepFeatureShape(c: DeepFeatureConfig): [frames: number, features: number] {
  const samples = Math.round(c.seconds * c.sampleRate)
  const frames = 1 + Math.floor(samples / c.hop)
  return [frames, c.kind === 'logmel' ? c.nMels : Math.min(c.nMfcc, c.nMels) * (1 + c.deltas)]
}

/** A clip's input for a deep model (samples at `c.sampleRate`), frame-major [frames × features]. */
export function deepFeatures(samples: Float32Array, c: DeepFeatureConfig): Float32Array {
  const length = Math.round(c.seconds * c.sampleRate)
  const fixed = new Float32Array(length)
  fixed.set(samples.subarray(0, Math.min(length, samples.length)))
  const { logmel, mfcc } = computeLogmelMfcc(fixed, c.sampleRate, {
    nFft: c.nFft,
    hop: c.hop,
    nMels: c.nMels,
    nMfcc: Math.min(c.nMfcc, c.nMels),
  })
  if (c.kind === 'logmel') return logmel.data
  const parts: FrameMatrix[] = [mfcc]
  if (c.deltas >= 1) parts.push(delta(mfcc, { order: 1 }))
  if (c.deltas >= 2) parts.push(delta(mfcc, { order: 2 }))
  const per = parts.reduce((n, m) => n + m.nValues, 0)
  const out = new Float32Array(mfcc.nFrames * per)
  for (let t = 0; t < mfcc.nFrames; t++) {
    let o = t * per
    for (const m of parts) {
      out.set(m.data.subarray(t * m.nValues, (t + 1) * m.nValues), o)
      o += m.nValues
    }
  }
  return out
}
