import { EarmarkError } from '../errors'
import { planRealFft, type RealFft } from './fft'
import { frameMatrix, type FrameMatrix } from './frames'
import { memoize } from './memo'
import { padSignal } from './padding'
import { wasmFramePower } from './wasm-power'
import { getWindow, padCenter, type WindowName } from './windows'

/** Padding modes `stft` accepts when `center` is true (librosa's `pad_mode`). */
export const STFT_PAD_MODES = ['constant', 'reflect'] as const
/** librosa's `pad_mode` for the STFT. */
export type StftPadMode = (typeof STFT_PAD_MODES)[number]

/** STFT parameters, named and defaulted as `librosa.stft`. */
export interface StftOptions {
  /** `n_fft`: FFT length, any whole number >= 1 (powers of two are fastest). Default 2048. */
  nFft?: number
  /** `hop_length`: samples between frame starts. Default `floor(winLength / 4)`. */
  hopLength?: number
  /** `win_length`: window length, <= nFft, zero-padded to nFft in the middle. Default nFft. */
  winLength?: number
  /** `window`: periodic window as scipy's `get_window(window, win_length, fftbins=True)`. Default 'hann'. */
  window?: WindowName
  /** `center`: pad `nFft // 2` samples on both sides so frame t is centred on sample `t * hopLength`. Default true. */
  center?: boolean
  /** `pad_mode`: how `center` pads: zeros ('constant', librosa >= 0.10's default) or mirror ('reflect'). */
  padMode?: StftPadMode
}

/** STFT parameters with every default filled in. */
export type ResolvedStftOptions = Required<StftOptions>

/** The complex STFT, frame-major: bin k of frame t is `(re, im)[t * nBins + k]`. */
export interface ComplexSpectrogram {
  /** Real parts, frame after frame. */
  readonly re: Float32Array
  /** Imaginary parts, frame after frame. */
  readonly im: Float32Array
  /** Number of frames. */
  readonly nFrames: number
  /** Bins per frame, `1 + floor(nFft / 2)`. */
  readonly nBins: number
}

/** Fills in librosa's defaults and checks the parameters. */
export function resolveStftOptions(options: StftOptions = {}): ResolvedStftOptions {
  const nFft = options.nFft ?? 2048
  const winLength = options.winLength ?? nFft
  const resolved: ResolvedStftOptions = {
    nFft,
    winLength,
    hopLength: options.hopLength ?? Math.floor(winLength / 4),
    window: options.window ?? 'hann',
    center: options.center ?? true,
    padMode: options.padMode ?? 'constant',
  }
  const whole = (v: number, min: number): boolean => Number.isInteger(v) && v >= min
  if (!whole(nFft, 1)) throw invalid(`n_fft must be a whole number >= 1 (got ${nFft})`)
  if (!whole(winLength, 1) || winLength > nFft) {
    throw invalid(`win_length must be a whole number in [1, n_fft=${nFft}] (got ${winLength})`)
  }
  if (!whole(resolved.hopLength, 1)) throw invalid(`hop_length must be a whole number >= 1 (got ${resolved.hopLength})`)
  return resolved
}

/** Number of frames librosa gives for a signal of `length` samples. */
export function frameCount(length: number, frameLength: number, hopLength: number, center: boolean): number {
  const padded = center ? length + 2 * Math.floor(frameLength / 2) : length
  if (padded < frameLength) {
    throw invalid(
      `input is too short (${length} samples) for frame_length=${frameLength}` +
        (center ? '' : ' with center=False; pad the clip or use center=True'),
    )
  }
  return 1 + Math.floor((padded - frameLength) / hopLength)
}

/**
 * A planned STFT: window, FFT tables and scratch buffers built once per parameter set (and
 * cached), so the per-clip work is the transforms alone.
 */
export interface StftPlan {
  /** The parameters, defaults filled in. */
  readonly options: ResolvedStftOptions
  /** Bins per frame, `1 + floor(nFft / 2)`. */
  readonly nBins: number
  /** The window of length nFft (win_length window centred in zeros), float64. */
  readonly window: Float64Array
  /**
   * The padded signal (float64) and the number of frames in it. The array is the plan's own for
   * clips up to `REUSED_PADDING` samples (a feature job's clips would otherwise each allocate one),
   * so it is valid only until the next call: use it at once.
   */
  frames(y: ArrayLike<number>): { padded: Float64Array; nFrames: number }
  /** Transforms frame `t` of a padded signal: its spectrum lands in `re`/`im` (length nBins, float64). */
  transformFrame(padded: Float64Array, t: number, re: Float64Array, im: Float64Array): void
  /** The power spectrum `|X|^2` of frame `t` of a padded signal into `out` (length nBins, float64). */
  powerFrame(padded: Float64Array, t: number, out: Float64Array): void
}

/** Longest padded clip (samples) whose buffer a plan keeps for the next clip: 2 MB of float64. */
export const REUSED_PADDING = 1 << 18

/** The (cached) STFT plan for these parameters. */
export const planStft: (options?: StftOptions) => StftPlan = memoize(
  (options?: StftOptions) => JSON.stringify(resolveStftOptions(options)),
  (options?: StftOptions) => buildPlan(resolveStftOptions(options)),
)

function buildPlan(options: ResolvedStftOptions): StftPlan {
  const { nFft, hopLength, center, padMode } = options
  const fft: RealFft = planRealFft(nFft)
  const window = padCenter(getWindow(options.window, options.winLength), nFft)
  const frame = new Float64Array(nFft)
  let reused = new Float64Array(0)
  // Power-of-two frames go through the WebAssembly SIMD kernel (same numbers, ~3x faster), the
  // padded clip written straight into its memory; other lengths and very long clips stay here.
  const kernel = wasmFramePower(window, REUSED_PADDING)
  return {
    options,
    nBins: fft.nBins,
    window,
    frames(y) {
      const nFrames = frameCount(y.length, nFft, hopLength, center)
      const pad = center ? Math.floor(nFft / 2) : 0
      const length = y.length + 2 * pad
      if (length > REUSED_PADDING) return { padded: padSignal(y, pad, pad, padMode), nFrames }
      if (kernel) return { padded: padSignal(y, pad, pad, padMode, kernel.reserve(length)), nFrames }
      if (reused.length < length)
        reused = new Float64Array(Math.min(REUSED_PADDING, Math.max(length, 2 * reused.length)))
      return { padded: padSignal(y, pad, pad, padMode, reused), nFrames }
    },
    transformFrame(padded, t, re, im) {
      const start = t * hopLength
      for (let i = 0; i < nFft; i++) frame[i] = (padded[start + i] as number) * (window[i] as number)
      fft.forward(frame, re, im)
    },
    powerFrame(padded, t, out) {
      if (kernel?.holds(padded)) kernel.power(t * hopLength, out)
      else fft.power(padded, t * hopLength, window, out)
    },
  }
}

/** `librosa.stft(y, …)`: the complex STFT, frame-major (the transpose of librosa's `(1 + n_fft/2, t)`). */
export function stft(y: ArrayLike<number>, options: StftOptions = {}): ComplexSpectrogram {
  return stftWithPlan(planStft(options), y)
}

/** The STFT of `y` under a plan already made (callers that transform several signals alike). */
export function stftWithPlan(plan: StftPlan, y: ArrayLike<number>): ComplexSpectrogram {
  const { padded, nFrames } = plan.frames(y)
  const nBins = plan.nBins
  const re = new Float32Array(nFrames * nBins)
  const im = new Float32Array(nFrames * nBins)
  const fr = new Float64Array(nBins)
  const fi = new Float64Array(nBins)
  for (let t = 0; t < nFrames; t++) {
    plan.transformFrame(padded, t, fr, fi)
    re.set(fr, t * nBins)
    im.set(fi, t * nBins)
  }
  return { re, im, nFrames, nBins }
}

/** Options of `spectrogram`: the STFT's, plus the exponent. */
export interface SpectrogramOptions extends StftOptions {
  /** `power`: 1 for the magnitude |X|, 2 for the power |X|^2 (default), any p > 0 for |X|^p. */
  power?: number
}

/**
 * `np.abs(librosa.stft(y, …)) ** power` (librosa's `_spectrogram`), frame-major. Computed from the
 * float64 spectrum, stored as float32.
 */
export function spectrogram(y: ArrayLike<number>, options: SpectrogramOptions = {}): FrameMatrix {
  const power = options.power ?? 2
  if (!(power > 0)) throw invalid(`power must be > 0 (got ${power})`)
  const plan = planStft(options)
  const { padded, nFrames } = plan.frames(y)
  const nBins = plan.nBins
  const out = frameMatrix(nFrames, nBins)
  const frame = new Float64Array(nBins)
  for (let t = 0; t < nFrames; t++) {
    plan.powerFrame(padded, t, frame)
    const offset = t * nBins
    if (power === 2) out.data.set(frame, offset)
    else
      for (let k = 0; k < nBins; k++)
        out.data[offset + k] = power === 1 ? Math.sqrt(frame[k] as number) : (frame[k] as number) ** (power / 2)
  }
  return out
}

/** Magnitude from a complex STFT (`np.abs(D)`), frame-major. */
export function magnitude(spec: ComplexSpectrogram): FrameMatrix {
  const out = frameMatrix(spec.nFrames, spec.nBins)
  for (let i = 0; i < out.data.length; i++) out.data[i] = Math.hypot(spec.re[i] as number, spec.im[i] as number)
  return out
}

/** `fft_frequencies(sr, n_fft)`: the centre frequency in Hz of each STFT bin, `k * sr / n_fft`. */
export function fftFrequencies(sr: number, nFft: number): Float64Array {
  const nBins = Math.floor(nFft / 2) + 1
  const out = new Float64Array(nBins)
  // numpy.fft.rfftfreq multiplies by 1 / (n * d): same rounding as here.
  const step = 1 / (nFft * (1 / sr))
  for (let k = 0; k < nBins; k++) out[k] = k * step
  return out
}

function invalid(message: string): EarmarkError {
  return new EarmarkError('invalid-input', message)
}
