import { EarmarkError } from '../errors'
import { frameMatrix, type FrameMatrix } from './frames'
import { isPowerOfTwo, planRealFft, type RealFft } from './fft'
import { memoize } from './memo'
import { logmelKernels } from './wasm-power'

/** Frames of a DCT (input and output values together) taken through the WebAssembly kernel at most. */
const MOST_KERNEL_VALUES = 1 << 21

/**
 * The orthonormal DCT-II basis (`scipy.fftpack.dct(x, type=2, norm='ortho')`) truncated to its
 * first `nOut` coefficients: row k, column n is `s_k cos(pi k (2n + 1) / 2N)` with
 * `s_0 = sqrt(1/N)`, `s_k = sqrt(2/N)`. Float64, row-major `(nOut, nIn)`.
 */
export const dctMatrix: (size: { nOut: number; nIn: number }) => Float64Array = memoize(
  ({ nOut, nIn }: { nOut: number; nIn: number }) => `${nOut}x${nIn}`,
  ({ nOut, nIn }: { nOut: number; nIn: number }) => {
    const basis = new Float64Array(nOut * nIn)
    for (let k = 0; k < nOut; k++) {
      const scale = Math.sqrt((k === 0 ? 1 : 2) / nIn)
      // (2n + 1) k mod 4N keeps the cosine's argument small and exact.
      for (let n = 0; n < nIn; n++)
        basis[k * nIn + n] = scale * Math.cos((Math.PI * (((2 * n + 1) * k) % (4 * nIn))) / (2 * nIn))
    }
    return basis
  },
)

/** Parameters of `mfcc`, named and defaulted as `librosa.feature.mfcc` (with dct_type=2, norm='ortho'). */
export interface MfccOptions {
  /** `n_mfcc`: number of coefficients kept; at most the number of mel bands (librosa keeps min(n_mfcc, n_mels)). Default 20. */
  nMfcc?: number
  /** `lifter`: if > 0, scale coefficient k by `1 + (lifter / 2) sin(pi (k + 1) / lifter)` (librosa's indexing). Default 0 (none). */
  lifter?: number
}

/**
 * `librosa.feature.mfcc(S=log_mel, n_mfcc=…, lifter=…)`: the orthonormal DCT-II of each frame of a
 * log-mel spectrogram (dB, as from `powerToDb`), frame-major in and out.
 */
export function mfcc(logMel: FrameMatrix, options: MfccOptions = {}): FrameMatrix {
  const nMfcc = options.nMfcc ?? 20
  const lifter = options.lifter ?? 0
  if (!Number.isInteger(nMfcc) || nMfcc < 1) throw invalid(`n_mfcc must be a whole number >= 1 (got ${nMfcc})`)
  if (!(lifter >= 0)) throw invalid(`lifter must be a non-negative number (got ${lifter})`)
  const nIn = logMel.nValues
  const nOut = Math.min(nMfcc, nIn)
  const out = frameMatrix(logMel.nFrames, nOut)
  dctFrames(logMel.data, out.data, logMel.nFrames, planDct({ nOut, nIn }), lifterWeights(nOut, lifter))
  return out
}

/** The per-coefficient lifter scale, or null for none. */
export function lifterWeights(nOut: number, lifter: number): Float64Array | null {
  if (lifter <= 0) return null
  const weights = new Float64Array(nOut)
  for (let k = 0; k < nOut; k++) weights[k] = 1 + (lifter / 2) * Math.sin((Math.PI * (k + 1)) / lifter)
  return weights
}

/** A planned truncated DCT-II for one input and output size. */
export interface DctPlan {
  /** Coefficients kept. */
  readonly nOut: number
  /** Values per input frame. */
  readonly nIn: number
  /** Row k holds the first ceil(nIn / 2) entries of basis row k, float64 (the folded-matrix method). */
  readonly folded: Float64Array
  /**
   * For power-of-two inputs of 32 or more, the FFT that computes the DCT faster than the
   * TypeScript matrix (used without WebAssembly).
   */
  readonly viaFft: { fft: RealFft; cos: Float64Array; sin: Float64Array } | null
}

/**
 * Without the WebAssembly kernel, inputs from this length (a power of two) take the FFT route:
 * measured faster than the TypeScript product from 32 on.
 */
const FFT_DCT_MIN = 32

/** The (cached) DCT plan for `nOut` coefficients of `nIn` values. */
export const planDct: (size: { nOut: number; nIn: number }) => DctPlan = memoize(
  ({ nOut, nIn }: { nOut: number; nIn: number }) => `${nOut}x${nIn}`,
  ({ nOut, nIn }: { nOut: number; nIn: number }) => {
    const basis = dctMatrix({ nOut, nIn })
    const width = (nIn + 1) >> 1
    const folded = new Float64Array(nOut * width)
    for (let k = 0; k < nOut; k++) for (let n = 0; n < width; n++) folded[k * width + n] = basis[k * nIn + n] as number
    let viaFft: DctPlan['viaFft'] = null
    if (isPowerOfTwo(nIn) && nIn >= FFT_DCT_MIN) {
      // Makhoul's DCT: X_k = s_k Re(exp(-i pi k / 2N) V_k), V the DFT of the even samples followed
      // by the odd ones reversed; the orthonormal scale s_k is folded into the rotation.
      const cos = new Float64Array(nOut)
      const sin = new Float64Array(nOut)
      for (let k = 0; k < nOut; k++) {
        const scale = Math.sqrt((k === 0 ? 1 : 2) / nIn)
        cos[k] = scale * Math.cos((Math.PI * k) / (2 * nIn))
        sin[k] = scale * Math.sin((Math.PI * k) / (2 * nIn))
      }
      viaFft = { fft: planRealFft(nIn), cos, sin }
    }
    return { nOut, nIn, folded, viaFft }
  },
)

/**
 * The truncated orthonormal DCT-II of each frame, `input` (nFrames x nIn) into `out`
 * (nFrames x nOut), optionally liftered. Folds each frame first: basis row k is symmetric about
 * the middle for even k and antisymmetric for odd k, so each coefficient is a dot product of half
 * the length (a 20 x 64 MFCC costs 640 multiply-adds per frame instead of 1280).
 */
export function dctFrames(
  input: Float32Array,
  out: Float32Array,
  nFrames: number,
  plan: DctPlan,
  lifter: Float64Array | null = null,
): void {
  // The folded product in WebAssembly SIMD: a 20 x 64 MFCC in ~150 ns a frame where the FFT
  // route takes ~300-400 and the TypeScript product ~530; every path to MFCCs takes it, so all
  // compute the same numbers.
  const kernels = logmelKernels()
  if (kernels && nFrames * (plan.nIn + plan.nOut) <= MOST_KERNEL_VALUES) {
    kernels.dct(input, out, nFrames, plan, lifter)
    return
  }
  if (plan.viaFft) {
    dctFramesViaFft(input, out, nFrames, plan, plan.viaFft, lifter)
    return
  }
  foldedDct(input, out, nFrames, plan, lifter)
}

/** dctFrames by the folded matrix in TypeScript: what the WebAssembly kernel computes, bit for bit. */
export function foldedDct(
  input: Float32Array,
  out: Float32Array,
  nFrames: number,
  plan: DctPlan,
  lifter: Float64Array | null,
): void {
  const { nIn, nOut, folded } = plan
  const half = nIn >> 1
  const width = (nIn + 1) >> 1
  const sum = new Float64Array(width)
  const diff = new Float64Array(width)
  for (let t = 0; t < nFrames; t++) {
    const base = t * nIn
    for (let n = 0; n < half; n++) {
      const a = input[base + n] as number
      const b = input[base + nIn - 1 - n] as number
      sum[n] = a + b
      diff[n] = a - b
    }
    // The middle value of an odd-length frame counts once in even rows; odd rows are 0 there.
    if (width > half) {
      sum[half] = input[base + half] as number
      diff[half] = 0
    }
    const outBase = t * nOut
    for (let k = 0; k < nOut; k++) {
      const v = k & 1 ? diff : sum
      const row = k * width
      // Four running sums: one sum's add latency, not the multiplies, would bound a single chain.
      let a0 = 0
      let a1 = 0
      let a2 = 0
      let a3 = 0
      let n = 0
      for (; n + 3 < width; n += 4) {
        a0 += (folded[row + n] as number) * (v[n] as number)
        a1 += (folded[row + n + 1] as number) * (v[n + 1] as number)
        a2 += (folded[row + n + 2] as number) * (v[n + 2] as number)
        a3 += (folded[row + n + 3] as number) * (v[n + 3] as number)
      }
      for (; n < width; n++) a0 += (folded[row + n] as number) * (v[n] as number)
      const acc = a0 + a1 + (a2 + a3)
      out[outBase + k] = lifter ? acc * (lifter[k] as number) : acc
    }
  }
}

function dctFramesViaFft(
  input: Float32Array,
  out: Float32Array,
  nFrames: number,
  plan: DctPlan,
  { fft, cos, sin }: NonNullable<DctPlan['viaFft']>,
  lifter: Float64Array | null,
): void {
  const { nIn, nOut } = plan
  const half = nIn >> 1
  const v = new Float64Array(nIn)
  const re = new Float64Array(fft.nBins)
  const im = new Float64Array(fft.nBins)
  for (let t = 0; t < nFrames; t++) {
    const base = t * nIn
    for (let n = 0; n < half; n++) {
      v[n] = input[base + 2 * n] as number
      v[nIn - 1 - n] = input[base + 2 * n + 1] as number
    }
    fft.forward(v, re, im)
    const outBase = t * nOut
    for (let k = 0; k < nOut; k++) {
      // Above Nyquist the spectrum of the real v is the conjugate mirror: V_k = conj(V_{N-k}).
      const vr = k <= half ? (re[k] as number) : (re[nIn - k] as number)
      const vi = k <= half ? (im[k] as number) : -(im[nIn - k] as number)
      const x = (cos[k] as number) * vr + (sin[k] as number) * vi
      out[outBase + k] = lifter ? x * (lifter[k] as number) : x
    }
  }
}

function invalid(message: string): EarmarkError {
  return new EarmarkError('invalid-input', message)
}
