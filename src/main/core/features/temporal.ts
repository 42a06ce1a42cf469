import { EarmarkError } from '../errors'
import { frameMatrix, type FrameMatrix } from './frames'
import { sourceIndex, type PadMode } from './padding'
import { frameCount } from './stft'

/** Parameters of `zeroCrossingRate`, named and defaulted as `librosa.feature.zero_crossing_rate`. */
export interface ZeroCrossingOptions {
  /** `frame_length`: samples per frame. Default 2048. */
  frameLength?: number
  /** `hop_length`: samples between frames. Default 512. */
  hopLength?: number
  /** `center`: pad `frameLength // 2` copies of the edge samples on both sides (librosa pads zcr with 'edge'). Default true. */
  center?: boolean
  /** `threshold`: samples with |y| <= threshold count as 0 (librosa.zero_crossings). Default 1e-10. */
  threshold?: number
}

/**
 * `librosa.feature.zero_crossing_rate(y, …)`: per frame, the fraction of its `frameLength`
 * positions where the sign differs from the previous sample within the frame (0 counts as
 * positive; the first position of a frame never counts, librosa's `pad=False`).
 */
export function zeroCrossingRate(y: ArrayLike<number>, options: ZeroCrossingOptions = {}): FrameMatrix {
  const frameLength = options.frameLength ?? 2048
  const hopLength = options.hopLength ?? 512
  const center = options.center ?? true
  const threshold = options.threshold ?? 1e-10
  checkFraming(frameLength, hopLength)
  const nFrames = frameCount(y.length, frameLength, hopLength, center)
  const pad = center ? Math.floor(frameLength / 2) : 0
  if (pad > 0 && y.length === 0) throw new EarmarkError('invalid-input', 'cannot edge-pad an empty signal')
  // Sign bit per padded sample (1: negative), after clipping small values to +0.
  const negative = new Uint8Array(y.length + 2 * pad)
  for (let i = 0; i < negative.length; i++) {
    const v = y[pad > 0 ? sourceIndex(i - pad, y.length, 'edge') : i] as number
    negative[i] = Math.abs(v) <= threshold ? 0 : v < 0 ? 1 : 0
  }
  const out = frameMatrix(nFrames, 1)
  for (let t = 0; t < nFrames; t++) {
    const start = t * hopLength
    let crossings = 0
    for (let i = start + 1; i < start + frameLength; i++) crossings += negative[i] !== negative[i - 1] ? 1 : 0
    out.data[t] = crossings / frameLength
  }
  return out
}

/** Parameters of `rms`, named and defaulted as `librosa.feature.rms` on a signal. */
export interface RmsOptions {
  /** `frame_length`: samples per frame. Default 2048. */
  frameLength?: number
  /** `hop_length`: samples between frames. Default 512. */
  hopLength?: number
  /** `center`: pad `frameLength // 2` samples on both sides with `padMode`. Default true. */
  center?: boolean
  /** `pad_mode`: 'constant' (zeros, librosa >= 0.10's default), 'reflect' or 'edge'. */
  padMode?: PadMode
}

/** `librosa.feature.rms(y=y, …)`: the root mean square of each frame of the signal (no window). */
export function rms(y: ArrayLike<number>, options: RmsOptions = {}): FrameMatrix {
  const frameLength = options.frameLength ?? 2048
  const hopLength = options.hopLength ?? 512
  const center = options.center ?? true
  const padMode = options.padMode ?? 'constant'
  checkFraming(frameLength, hopLength)
  const nFrames = frameCount(y.length, frameLength, hopLength, center)
  const pad = center ? Math.floor(frameLength / 2) : 0
  if (pad > 0 && y.length === 0 && padMode !== 'constant') {
    throw new EarmarkError('invalid-input', `cannot ${padMode}-pad an empty signal`)
  }
  const sample = (i: number): number => {
    const j = i - pad
    if (j >= 0 && j < y.length) return y[j] as number
    return padMode === 'constant' ? 0 : (y[sourceIndex(j, y.length, padMode)] as number)
  }
  const out = frameMatrix(nFrames, 1)
  for (let t = 0; t < nFrames; t++) {
    let sum = 0
    for (let i = t * hopLength; i < t * hopLength + frameLength; i++) sum += sample(i) ** 2
    out.data[t] = Math.sqrt(sum / frameLength)
  }
  return out
}

/**
 * `librosa.feature.rms(S=magnitude, frame_length=…)`: RMS from a magnitude spectrogram by
 * Parseval, `sqrt(2 sum |S|^2 / frame_length^2)` with the DC (and, for even lengths, Nyquist) bin
 * counted half. Matches `rms(y)` for a rectangular window without centring.
 */
export function rmsFromSpectrogram(magnitude: FrameMatrix, frameLength: number): FrameMatrix {
  const { data, nFrames, nValues } = magnitude
  if (nValues !== Math.floor(frameLength / 2) + 1) {
    throw new EarmarkError(
      'invalid-input',
      `the spectrogram has ${nValues} bins; frame_length=${frameLength} gives ${Math.floor(frameLength / 2) + 1}`,
    )
  }
  const out = frameMatrix(nFrames, 1)
  for (let t = 0; t < nFrames; t++) {
    let sum = 0
    for (let k = 0; k < nValues; k++) {
      const p = (data[t * nValues + k] as number) ** 2
      sum += k === 0 || (k === nValues - 1 && frameLength % 2 === 0) ? 0.5 * p : p
    }
    out.data[t] = Math.sqrt((2 * sum) / frameLength ** 2)
  }
  return out
}

function checkFraming(frameLength: number, hopLength: number): void {
  if (!Number.isInteger(frameLength) || frameLength < 1) {
    throw new EarmarkError('invalid-input', `frame_length must be a whole number >= 1 (got ${frameLength})`)
  }
  if (!Number.isInteger(hopLength) || hopLength < 1) {
    throw new EarmarkError('invalid-input', `hop_length must be a whole number >= 1 (got ${hopLength})`)
  }
}
