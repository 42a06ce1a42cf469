import { EarmarkError } from '../errors'
import { ComplexFft } from '../features/fft'
import { planStft, stftWithPlan, type ComplexSpectrogram } from '../features/stft'
import { monoOf, type Audio } from './levels'

/** Where the noise profile comes from: the quietest share of the frames, or a noise-only span (seconds). */
export type NoiseSource = { from: 'quietest'; fraction: number } | { from: 'range'; start: number; end: number }

/** Parameters of `spectralGate`, named after noisereduce's `reduce_noise(stationary=True, …)`. */
export interface SpectralGateOptions {
  noise: NoiseSource
  /** `prop_decrease`: 1 removes gated bins fully, 0 changes nothing. */
  propDecrease: number
  /** `n_std_thresh_stationary`: the gate sits at the noise's mean + this many standard deviations, per bin, in dB. */
  nStdThresh: number
  /** `freq_mask_smooth_hz`: the mask is smoothed over this many Hz (triangle filter); 0: not at all. */
  freqSmoothHz: number
  /** `time_mask_smooth_ms`: and over this many milliseconds. */
  timeSmoothMs: number
  /** `n_fft` (a power of two); Hann window of that length, hop nFft / 4. */
  nFft: number
}

// noisereduce's _amp_to_db: 20 log10(|X| + eps) floored per bin at its maximum over time - 80 dB.
const EPS = 2.220446049250313e-16
const TOP_DB = 80

/** A spectrogram held as re/im, frame-major, float32 (a minute of 44.1 kHz audio is ~40 MB). */
type Spectrum = ComplexSpectrogram

/**
 * Stationary spectral gating, in the manner of the `noisereduce` package (Sainburg 2020, after
 * Audacity's noise reduction): a per-frequency threshold (mean + nStdThresh standard deviations
 * of the noise's dB spectrum) gates the clip's STFT; the 0/1 mask is softened by propDecrease,
 * smoothed with noisereduce's triangular filter over frequency and time, applied, and the clip
 * resynthesised by overlap-add (librosa's istft: window-sum-square normalised, centred frames).
 * The noise profile comes from the mono mix; every channel is gated with it.
 */
export function spectralGate(audio: Audio, options: SpectralGateOptions): Audio {
  const n = audio.channels[0]?.length ?? 0
  const { nFft } = options
  const hop = Math.floor(nFft / 4)
  if (n === 0) return audio
  const plan = planStft({ nFft, hopLength: hop, winLength: nFft, window: 'hann', center: true, padMode: 'constant' })
  const noiseSpectrum = stftWithPlan(plan, monoOf(audio.channels))
  const frames = noiseFrames(noiseSpectrum, options.noise, hop, audio.sampleRate)
  const noiseDb = rawDb(noiseSpectrum)
  const threshold = noiseThreshold(noiseDb, noiseSpectrum.nBins, frames, options.nStdThresh)
  const sr = audio.sampleRate
  // noisereduce: n_grad_freq = int(hz / (sr / (n_fft / 2))), n_grad_time = int(ms / (hop / sr * 1000)).
  const nGradFreq = Math.max(0, Math.floor(options.freqSmoothHz / (sr / (nFft / 2))))
  const nGradTime = Math.max(0, Math.floor(options.timeSmoothMs / ((hop / sr) * 1000)))
  const channels = audio.channels.map((channel) => {
    const mono = audio.channels.length === 1
    const spectrum = mono ? noiseSpectrum : stftWithPlan(plan, channel)
    const mask = gateMask(spectrum, mono ? noiseDb : rawDb(spectrum), threshold, options.propDecrease)
    smooth(mask, spectrum.nFrames, spectrum.nBins, nGradFreq, nGradTime)
    for (let i = 0; i < mask.length; i++) {
      spectrum.re[i] = (spectrum.re[i] as number) * (mask[i] as number)
      spectrum.im[i] = (spectrum.im[i] as number) * (mask[i] as number)
    }
    return istft(spectrum, plan.window, nFft, hop, n)
  })
  return { ...audio, channels }
}

/** 20 log10(|X| + eps) of every bin, frame-major: computed once per spectrogram. */
function rawDb(s: Spectrum): Float32Array {
  const db = new Float32Array(s.re.length)
  for (let i = 0; i < db.length; i++) {
    const re = s.re[i] as number
    const im = s.im[i] as number
    db[i] = 20 * Math.log10(Math.sqrt(re * re + im * im) + EPS)
  }
  return db
}

/**
 * noisereduce's `_amp_to_db` of some frames (all by default) of a spectrogram's raw dB: floored
 * per bin at its maximum over those frames - 80 dB.
 */
function amplitudeDb(raw: Float32Array, nBins: number, frames?: Int32Array): Float32Array {
  const nFrames = raw.length / nBins
  const rows = frames ?? Int32Array.from({ length: nFrames }, (_, t) => t)
  const db = new Float32Array(rows.length * nBins)
  const top = new Float64Array(nBins).fill(-Infinity)
  rows.forEach((t, r) => {
    for (let k = 0; k < nBins; k++) {
      const v = raw[t * nBins + k] as number
      db[r * nBins + k] = v
      if (v > (top[k] as number)) top[k] = v
    }
  })
  for (let r = 0; r < rows.length; r++) {
    for (let k = 0; k < nBins; k++) {
      const floor = (top[k] as number) - TOP_DB
      if ((db[r * nBins + k] as number) < floor) db[r * nBins + k] = floor
    }
  }
  return db
}

/** The frames the noise profile is measured on. */
function noiseFrames(s: Spectrum, source: NoiseSource, hop: number, sampleRate: number): Int32Array {
  if (source.from === 'range') {
    const picked: number[] = []
    for (let t = 0; t < s.nFrames; t++) {
      const centre = (t * hop) / sampleRate
      if (centre >= source.start && centre <= source.end) picked.push(t)
    }
    if (picked.length === 0) {
      throw new EarmarkError(
        'invalid-input',
        `the noise range ${source.start}–${source.end} s holds no STFT frame of this clip (${((s.nFrames - 1) * hop) / sampleRate} s)`,
      )
    }
    return Int32Array.from(picked)
  }
  const energy = new Float64Array(s.nFrames)
  for (let t = 0; t < s.nFrames; t++) {
    let sum = 0
    for (let k = 0; k < s.nBins; k++) {
      const i = t * s.nBins + k
      sum += (s.re[i] as number) ** 2 + (s.im[i] as number) ** 2
    }
    energy[t] = sum
  }
  const order = Array.from({ length: s.nFrames }, (_, t) => t).sort(
    (a, b) => (energy[a] as number) - (energy[b] as number),
  )
  const count = Math.max(1, Math.min(s.nFrames, Math.round(source.fraction * s.nFrames)))
  return Int32Array.from(order.slice(0, count)).sort()
}

/** Per bin: mean + nStd * std (ddof 0) of the noise frames' dB values. */
function noiseThreshold(raw: Float32Array, nBins: number, frames: Int32Array, nStd: number): Float64Array {
  const db = amplitudeDb(raw, nBins, frames)
  const out = new Float64Array(nBins)
  const count = frames.length
  for (let k = 0; k < nBins; k++) {
    let sum = 0
    for (let r = 0; r < count; r++) sum += db[r * nBins + k] as number
    const mean = sum / count
    let squares = 0
    for (let r = 0; r < count; r++) squares += ((db[r * nBins + k] as number) - mean) ** 2
    out[k] = mean + nStd * Math.sqrt(squares / count)
  }
  return out
}

/** 1 where the clip's dB value is above the threshold, scaled to `prop * mask + (1 - prop)`. */
function gateMask(s: Spectrum, raw: Float32Array, threshold: Float64Array, prop: number): Float32Array {
  const db = amplitudeDb(raw, s.nBins)
  const mask = new Float32Array(db.length)
  for (let t = 0; t < s.nFrames; t++) {
    for (let k = 0; k < s.nBins; k++) {
      const i = t * s.nBins + k
      mask[i] = ((db[i] as number) > (threshold[k] as number) ? 1 : 0) * prop + (1 - prop)
    }
  }
  return mask
}

/** noisereduce's smoothing kernel along one axis: 1/(n+1) … 1 … 1/(n+1), 2n + 1 taps, summing to 1. */
export function triangle(n: number): Float64Array {
  const taps = new Float64Array(2 * n + 1)
  for (let j = 0; j <= 2 * n; j++) taps[j] = 1 - Math.abs(j - n) / (n + 1)
  const sum = taps.reduce((a, b) => a + b, 0)
  return taps.map((v) => v / sum)
}

/**
 * The mask convolved with the outer product of the two triangles, done as two 1-D passes since the
 * kernel is separable. Where the kernel runs past the spectrogram's edges it is renormalised over
 * the taps inside (noisereduce's fftconvolve pads with zeros, which gates the first and last
 * frames and the lowest and highest bins even at propDecrease 0; this keeps a mask of ones at one).
 * Each triangle of 2n + 1 taps is two boxes of n + 1 taps, so a pass costs two running sums per
 * value whatever n is.
 */
export function smooth(mask: Float32Array, nFrames: number, nBins: number, nFreq: number, nTime: number): void {
  if (nFreq > 0) {
    const line = new Float64Array(nBins)
    const weights = triangleWeights(nBins, nFreq)
    const scratch = new Float64Array(nBins + nFreq)
    for (let t = 0; t < nFrames; t++) {
      const base = t * nBins
      for (let k = 0; k < nBins; k++) line[k] = mask[base + k] as number
      triangleSum(line, nFreq, scratch, line)
      for (let k = 0; k < nBins; k++) mask[base + k] = (line[k] as number) / (weights[k] as number)
    }
  }
  if (nTime > 0) {
    const line = new Float64Array(nFrames)
    const weights = triangleWeights(nFrames, nTime)
    const scratch = new Float64Array(nFrames + nTime)
    for (let k = 0; k < nBins; k++) {
      for (let t = 0; t < nFrames; t++) line[t] = mask[t * nBins + k] as number
      triangleSum(line, nTime, scratch, line)
      for (let t = 0; t < nFrames; t++) mask[t * nBins + k] = (line[t] as number) / (weights[t] as number)
    }
  }
}

/**
 * `out[i] = sum_{j=-n..n} (n + 1 - |j|) x[i + j]`, x zero outside: a backward box of n + 1 taps
 * (into `scratch`, which must hold x.length + n values) then a forward one. `out` may be `x`.
 */
function triangleSum(x: Float64Array, n: number, scratch: Float64Array, out: Float64Array): void {
  const length = x.length
  let run = 0
  for (let m = 0; m < length + n; m++) {
    if (m < length) run += x[m] as number
    if (m - n - 1 >= 0 && m - n - 1 < length) run -= x[m - n - 1] as number
    scratch[m] = run
  }
  run = 0
  for (let m = 0; m <= n && m < length + n; m++) run += scratch[m] as number
  for (let i = 0; i < length; i++) {
    out[i] = run
    run -= scratch[i] as number
    if (i + n + 1 < length + n) run += scratch[i + n + 1] as number
  }
}

/** The triangle's taps that fall inside a line of `length` values, summed, at each position. */
function triangleWeights(length: number, n: number): Float64Array {
  const ones = new Float64Array(length).fill(1)
  triangleSum(ones, n, new Float64Array(length + n), ones)
  return ones
}

/**
 * `librosa.istft(D, hop_length, n_fft, window, center=True, length)`: each frame's inverse FFT,
 * windowed and overlap-added, divided by the summed squared window where it is not tiny, with the
 * centring padding removed.
 */
export function istft(s: Spectrum, window: Float64Array, nFft: number, hop: number, length: number): Float32Array {
  // A real inverse FFT of n_fft points as one complex inverse FFT of n_fft / 2 (even samples in
  // the real parts, odd in the imaginary), as numpy's irfft: the DC and Nyquist bins' imaginary
  // parts are ignored.
  const half = nFft / 2
  const fft = new ComplexFft(half)
  const twiddle = new Float64Array(2 * half)
  for (let k = 0; k < half; k++) {
    twiddle[2 * k] = Math.cos((2 * Math.PI * k) / nFft)
    twiddle[2 * k + 1] = Math.sin((2 * Math.PI * k) / nFft)
  }
  const z = new Float64Array(nFft)
  const total = nFft + hop * (s.nFrames - 1)
  const y = new Float64Array(total)
  const envelope = new Float64Array(total)
  for (let t = 0; t < s.nFrames; t++) {
    const base = t * s.nBins
    for (let k = 0; k < half; k++) {
      const ar = s.re[base + k] as number
      const ai = k === 0 ? 0 : (s.im[base + k] as number)
      // conj(X[half - k]), with X[half] (Nyquist) taken as real.
      const br = s.re[base + half - k] as number
      const bi = k === 0 ? 0 : -(s.im[base + half - k] as number)
      const eRe = 0.5 * (ar + br)
      const eIm = 0.5 * (ai + bi)
      const dRe = 0.5 * (ar - br)
      const dIm = 0.5 * (ai - bi)
      const wr = twiddle[2 * k] as number
      const wi = twiddle[2 * k + 1] as number
      const oRe = dRe * wr - dIm * wi
      const oIm = dRe * wi + dIm * wr
      z[2 * k] = eRe - oIm
      z[2 * k + 1] = eIm + oRe
    }
    // z now holds the frame: sample i at z[i].
    fft.inverse(z)
    const start = t * hop
    for (let i = 0; i < nFft; i++) {
      const w = window[i] as number
      y[start + i] = (y[start + i] as number) + (z[i] as number) * w
      envelope[start + i] = (envelope[start + i] as number) + w * w
    }
  }
  const out = new Float32Array(length)
  const pad = Math.floor(nFft / 2)
  const tiny = 1.1754943508222875e-38
  for (let i = 0; i < length; i++) {
    const j = i + pad
    if (j >= total) break
    const e = envelope[j] as number
    out[i] = e > tiny ? (y[j] as number) / e : (y[j] as number)
  }
  return out
}
