// The fixed-shape inputs of the deep models: each clip cut or zero-padded to a fixed duration, then
// its log-mel image (CNN, CRNN) or its MFCC + delta sequence (LSTM / GRU), frames × features,
// frame-major, computed with core/features (librosa's numerics); or, for a base model that takes
// audio itself (YAMNet and other hub models), its samples as [samples × 1].
import { z } from 'zod'
import { computeLogmelMfcc, delta, type FrameMatrix } from '../features'

/** How a clip becomes a deep model's input. */
export const deepFeatureSchema = z.strictObject({
  kind: z
    .enum(['logmel', 'mfcc', 'waveform'])
    .describe(
      'logmel: log-mel image; mfcc: MFCC (+ delta) sequence; waveform: the samples themselves, for a base model that takes audio (as YAMNet).',
    ),
  sampleRate: z.number().int().positive().describe('Clips are resampled to this rate (Hz).'),
  seconds: z.number().positive().describe('Clips are cut or zero-padded at the end to this duration.'),
  nFft: z.number().int().min(16).default(2048).describe('FFT size of the STFT (librosa’s default, 2048).'),
  hop: z.number().int().min(1).default(512).describe('Hop between frames, in samples (librosa’s default, 512).'),
  nMels: z.number().int().min(1).default(128).describe('Mel bands (librosa’s default, 128).'),
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

/**
 * The recipe for a base model that takes audio: samples at `sampleRate` (16 kHz, as YAMNet,
 * VGGish and most audio models of the hubs take it), `seconds` long.
 */
export function waveformFeatures(seconds: number, sampleRate = 16000): DeepFeatureConfig {
  return deepFeatureSchema.parse({ kind: 'waveform', sampleRate, seconds })
}

/** Frames and features per frame a recipe produces (a waveform: samples × 1). */
export function deepFeatureShape(c: DeepFeatureConfig): [frames: number, features: number] {
  const samples = Math.round(c.seconds * c.sampleRate)
  if (c.kind === 'waveform') return [samples, 1]
  const frames = 1 + Math.floor(samples / c.hop)
  return [frames, c.kind === 'logmel' ? c.nMels : Math.min(c.nMfcc, c.nMels) * (1 + c.deltas)]
}

/** A clip's input for a deep model (samples at `c.sampleRate`), frame-major [frames × features]. */
export function deepFeatures(samples: Float32Array, c: DeepFeatureConfig): Float32Array {
  const length = Math.round(c.seconds * c.sampleRate)
  const fixed = new Float32Array(length)
  fixed.set(samples.subarray(0, Math.min(length, samples.length)))
  if (c.kind === 'waveform') return fixed
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
