import { EarmarkError } from '../errors'

/*
 * Why our own FFT rather than fft.js: measured by bench/features.bench.ts (its FFT section) on the
 * 2-core AMD EPYC build VM, Node 20, each implementation in its own worker, µs per STFT frame
 * (Hann-windowed frame in, power spectrum out, what the features need), median of 5 runs, the
 * middle of three bench runs:
 *
 *   n_fft   fft.js realTransform   this module
 *    256          1.61 µs            1.35 µs
 *    512          6.17 µs            2.74 µs
 *   2048         27.05 µs           13.06 µs
 *
 * Ours runs a half-size complex FFT on the packed real signal, with the windowing fused into its
 * first pass and the power computed in the final split, on interleaved Float64Arrays with each
 * radix-4 pass's twiddles stored contiguously; fft.js works on plain number arrays and needs a
 * separate windowing pass and read-out. Lengths that are not a power of two use Bluestein's
 * chirp-z algorithm on top of the same power-of-two FFT, exact in float64 to ~1e-13 relative, so
 * the n_fft=400 or 1000 librosa users pass give librosa's numbers (slower: two FFTs of >= 2n).
 */

/** A real-input FFT of one size, planned once: tables are precomputed and a call allocates nothing. */
export interface RealFft {
  /** The transform length (librosa's `n_fft`). */
  readonly size: number
  /** Number of non-negative frequency bins, `1 + floor(size / 2)`. */
  readonly nBins: number
  /**
   * The non-negative-frequency half of the DFT of `input` (length `size`, read only):
   * `X[k] = sum_n input[n] * exp(-2 pi i k n / size)` into `re` and `im` (length `nBins` each).
   */
  forward(input: Float64Array, re: Float64Array, im: Float64Array): void
  /**
   * The power spectrum `|X[k]|^2` (k < nBins) of `signal[offset + n] * window[n]`, n < size, into
   * `out`: the STFT's inner loop, with the windowing fused into the FFT's first pass.
   */
  power(signal: Float64Array, offset: number, window: Float64Array, out: Float64Array): void
}

/** `RealFft.power` through `forward`, for the transforms without a fused version. */
abstract class UnfusedPower {
  abstract readonly size: number
  abstract readonly nBins: number
  abstract forward(input: Float64Array, re: Float64Array, im: Float64Array): void
  private scratch: { frame: Float64Array; re: Float64Array; im: Float64Array } | null = null

  power(signal: Float64Array, offset: number, window: Float64Array, out: Float64Array): void {
    this.scratch ??= {
      frame: new Float64Array(this.size),
      re: new Float64Array(this.nBins),
      im: new Float64Array(this.nBins),
    }
    const { frame, re, im } = this.scratch
    for (let n = 0; n < this.size; n++) frame[n] = (signal[offset + n] as number) * (window[n] as number)
    this.forward(frame, re, im)
    for (let k = 0; k < this.nBins; k++) out[k] = (re[k] as number) ** 2 + (im[k] as number) ** 2
  }
}

/** Plans a real-input FFT of any length of at least 1 (Bluestein's algorithm when it is not a power of two). */
export function planRealFft(size: number): RealFft {
  if (!Number.isInteger(size) || size < 1) {
    throw new EarmarkError('invalid-input', `an FFT needs a whole length of at least 1 (got ${size})`)
  }
  if (size === 1) return new SingleRealFft()
  if (size === 2) return new TinyRealFft()
  return isPowerOfTwo(size) ? new PowerOfTwoRealFft(size) : new BluesteinRealFft(size)
}

/** Whether `n` is 1, 2, 4, 8, … */
export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0
}

/**
 * An in-place complex FFT of a power-of-two length on interleaved storage (`z[2j]` real,
 * `z[2j + 1]` imaginary part of point j): decimation in time, a first radix-2 pass when log2(size)
 * is odd, then radix-4 passes (3 complex multiplications per 4 points where two radix-2 passes
 * need 4). Interleaving keeps a butterfly's operands on one cache line and halves bounds checks.
 */
export class ComplexFft {
  readonly size: number
  /** Input point j goes to position `bitReversed[j]` before the butterflies. */
  readonly bitReversed: Int32Array
  /** Whether the first pass is radix-2 (log2(size) odd) rather than a twiddle-free radix-4. */
  readonly radix2First: boolean
  /**
   * Radix-4 passes after the first, by quarter span q: twiddles w, w^2, w^3 (w = exp(-2 pi i j / 4q))
   * for each j < q, interleaved so a butterfly reads 6 neighbouring numbers. Read by the
   * WebAssembly kernel's tables (wasm-power.ts), which must hold the very same numbers.
   */
  readonly passes: readonly { readonly quarter: number; readonly twiddles: Float64Array }[]

  constructor(size: number) {
    if (!isPowerOfTwo(size) || size < 2) {
      throw new EarmarkError('invalid-input', `ComplexFft needs a power of two >= 2 (got ${size})`)
    }
    this.size = size
    const bits = Math.round(Math.log2(size))
    this.bitReversed = new Int32Array(size)
    for (let i = 0; i < size; i++) {
      let r = 0
      for (let b = 0, v = i; b < bits; b++, v >>= 1) r = (r << 1) | (v & 1)
      this.bitReversed[i] = r
    }
    this.radix2First = bits % 2 === 1
    const passes: { quarter: number; twiddles: Float64Array }[] = []
    for (let quarter = this.radix2First ? 2 : 4; quarter * 4 <= size; quarter *= 4) {
      const twiddles = new Float64Array(6 * quarter)
      for (let j = 0; j < quarter; j++) {
        for (let p = 1; p <= 3; p++) {
          const angle = (-2 * Math.PI * j * p) / (4 * quarter)
          twiddles[6 * j + 2 * p - 2] = Math.cos(angle)
          twiddles[6 * j + 2 * p - 1] = Math.sin(angle)
        }
      }
      passes.push({ quarter, twiddles })
    }
    this.passes = passes
  }

  /** The forward DFT of z in place. */
  forward(z: Float64Array): void {
    const n = this.size
    const rev = this.bitReversed
    for (let i = 0; i < n; i++) {
      const j = rev[i] as number
      if (j > i) {
        const tr = z[2 * i] as number
        const ti = z[2 * i + 1] as number
        z[2 * i] = z[2 * j] as number
        z[2 * i + 1] = z[2 * j + 1] as number
        z[2 * j] = tr
        z[2 * j + 1] = ti
      }
    }
    if (this.radix2First) {
      for (let p = 0; p < 2 * n; p += 4) {
        const ar = z[p] as number
        const ai = z[p + 1] as number
        const br = z[p + 2] as number
        const bi = z[p + 3] as number
        z[p] = ar + br
        z[p + 1] = ai + bi
        z[p + 2] = ar - br
        z[p + 3] = ai - bi
      }
    } else {
      for (let p = 0; p < 2 * n; p += 8) {
        radix4Trivial(
          z,
          p,
          z[p] as number,
          z[p + 1] as number,
          z[p + 2] as number,
          z[p + 3] as number,
          z[p + 4] as number,
          z[p + 5] as number,
          z[p + 6] as number,
          z[p + 7] as number,
        )
      }
    }
    this.laterPasses(z)
  }

  /** The inverse DFT of z in place, scaled by 1/size so that it undoes `forward`. */
  inverse(z: Float64Array): void {
    const n = this.size
    // conj(FFT(conj(z))) / n: no second twiddle table needed.
    for (let i = 1; i < 2 * n; i += 2) z[i] = -(z[i] as number)
    this.forward(z)
    const scale = 1 / n
    for (let i = 0; i < 2 * n; i += 2) {
      z[i] = (z[i] as number) * scale
      z[i + 1] = -(z[i + 1] as number) * scale
    }
  }

  /** The radix-4 passes after the first one (for callers that fuse the first pass into their load). */
  laterPasses(z: Float64Array): void {
    const end = 2 * this.size
    // Indexed rather than for-of: no iterator object on the per-frame path.
    for (let p = 0; p < this.passes.length; p++) {
      const { quarter, twiddles } = this.passes[p] as { quarter: number; twiddles: Float64Array }
      const span = 8 * quarter
      const q2 = 2 * quarter
      // j = 0: all three twiddles are 1.
      for (let a = 0; a < end; a += span) {
        const b = a + q2
        const c = b + q2
        const d = c + q2
        radix4Trivial(
          z,
          a,
          z[a] as number,
          z[a + 1] as number,
          z[b] as number,
          z[b + 1] as number,
          z[c] as number,
          z[c + 1] as number,
          z[d] as number,
          z[d + 1] as number,
          q2,
        )
      }
      for (let j = 1; j < quarter; j++) {
        const t = 6 * j
        const w1r = twiddles[t] as number
        const w1i = twiddles[t + 1] as number
        const w2r = twiddles[t + 2] as number
        const w2i = twiddles[t + 3] as number
        const w3r = twiddles[t + 4] as number
        const w3i = twiddles[t + 5] as number
        for (let a = 2 * j; a < end; a += span) {
          const b = a + q2
          const c = b + q2
          const d = c + q2
          // Bit-reversed order puts the operand that takes w^2 second and the one that takes w third.
          let xr = z[b] as number
          let xi = z[b + 1] as number
          const x1r = w2r * xr - w2i * xi
          const x1i = w2r * xi + w2i * xr
          xr = z[c] as number
          xi = z[c + 1] as number
          const x2r = w1r * xr - w1i * xi
          const x2i = w1r * xi + w1i * xr
          xr = z[d] as number
          xi = z[d + 1] as number
          const x3r = w3r * xr - w3i * xi
          const x3i = w3r * xi + w3i * xr
          radix4Trivial(z, a, z[a] as number, z[a + 1] as number, x1r, x1i, x2r, x2i, x3r, x3i, q2)
        }
      }
    }
  }
}

/**
 * A radix-4 butterfly whose operands are already rotated, written back at a, a+step, a+2step,
 * a+3step (step 2: four consecutive complex points).
 */
function radix4Trivial(
  z: Float64Array,
  a: number,
  x0r: number,
  x0i: number,
  x1r: number,
  x1i: number,
  x2r: number,
  x2i: number,
  x3r: number,
  x3i: number,
  step = 2,
): void {
  const s0r = x0r + x1r
  const s0i = x0i + x1i
  const d0r = x0r - x1r
  const d0i = x0i - x1i
  const s1r = x2r + x3r
  const s1i = x2i + x3i
  const d1r = x2r - x3r
  const d1i = x2i - x3i
  const b = a + step
  const c = b + step
  const d = c + step
  z[a] = s0r + s1r
  z[a + 1] = s0i + s1i
  z[c] = s0r - s1r
  z[c + 1] = s0i - s1i
  // -i * (d1r + i d1i) = d1i - i d1r
  z[b] = d0r + d1i
  z[b + 1] = d0i - d1r
  z[d] = d0r - d1i
  z[d + 1] = d0i + d1r
}

/**
 * A power-of-two real FFT as a half-size complex FFT of the packed signal z[j] = x[2j] + i x[2j+1]
 * (loaded straight into bit-reversed order, fused with the windowing and the first pass), followed
 * by the split that separates the spectra of the even and odd samples, bins k and m - k together.
 */
class PowerOfTwoRealFft implements RealFft {
  readonly size: number
  readonly nBins: number
  private readonly complex: ComplexFft
  private readonly z: Float64Array
  // exp(-2 pi i k / size) for k <= size / 4, interleaved.
  private readonly split: Float64Array
  private readonly ones: Float64Array

  constructor(size: number) {
    this.size = size
    this.nBins = size / 2 + 1
    const m = size / 2
    this.complex = new ComplexFft(m)
    this.z = new Float64Array(2 * m)
    this.split = new Float64Array(2 * (Math.floor(m / 2) + 1))
    for (let k = 0; k <= m / 2; k++) {
      const angle = (-2 * Math.PI * k) / size
      this.split[2 * k] = Math.cos(angle)
      this.split[2 * k + 1] = Math.sin(angle)
    }
    this.ones = new Float64Array(size).fill(1)
  }

  forward(input: Float64Array, re: Float64Array, im: Float64Array): void {
    this.transform(input, 0, this.ones)
    const m = this.size / 2
    const z = this.z
    const z0r = z[0] as number
    const z0i = z[1] as number
    re[0] = z0r + z0i
    im[0] = 0
    re[m] = z0r - z0i
    im[m] = 0
    const w = this.split
    for (let k = 1, l = m - 1; k <= l; k++, l--) {
      const ar = z[2 * k] as number
      const ai = z[2 * k + 1] as number
      const br = z[2 * l] as number
      const bi = z[2 * l + 1] as number
      // Even part E = (Z[k] + conj Z[m-k]) / 2, odd part O = (Z[k] - conj Z[m-k]) / 2i; X[k] = E + w^k O.
      const er = 0.5 * (ar + br)
      const ei = 0.5 * (ai - bi)
      const or = 0.5 * (ai + bi)
      const oi = -0.5 * (ar - br)
      const cr = w[2 * k] as number
      const ci = w[2 * k + 1] as number
      re[k] = er + cr * or - ci * oi
      im[k] = ei + cr * oi + ci * or
      // Bin m - k has E and O conjugated and twiddle -conj(w^k).
      re[l] = er - cr * or + ci * oi
      im[l] = -ei + cr * oi + ci * or
    }
  }

  power(signal: Float64Array, offset: number, window: Float64Array, out: Float64Array): void {
    this.transform(signal, offset, window)
    const m = this.size / 2
    const z = this.z
    const z0r = z[0] as number
    const z0i = z[1] as number
    out[0] = (z0r + z0i) * (z0r + z0i)
    out[m] = (z0r - z0i) * (z0r - z0i)
    const w = this.split
    for (let k = 1, l = m - 1; k <= l; k++, l--) {
      const ar = z[2 * k] as number
      const ai = z[2 * k + 1] as number
      const br = z[2 * l] as number
      const bi = z[2 * l + 1] as number
      const er = 0.5 * (ar + br)
      const ei = 0.5 * (ai - bi)
      const or = 0.5 * (ai + bi)
      const oi = -0.5 * (ar - br)
      const cr = w[2 * k] as number
      const ci = w[2 * k + 1] as number
      const rotr = cr * or - ci * oi
      const roti = cr * oi + ci * or
      // X[k] = E + rot, X[m-k] = conj(E) - conj(rot).
      const kr = er + rotr
      const ki = ei + roti
      const lr = er - rotr
      const li = roti - ei
      out[k] = kr * kr + ki * ki
      out[l] = lr * lr + li * li
    }
  }

  /** The half-size complex FFT of the packed, windowed signal, into `this.z`. */
  private transform(x: Float64Array, offset: number, window: Float64Array): void {
    const m = this.size / 2
    const z = this.z
    const rev = this.complex.bitReversed
    if (this.complex.radix2First) {
      // Positions p and p + 1 hold packed points rev[p] and rev[p] + m/2.
      const h = m >> 1
      for (let p = 0; p < m; p += 2) {
        const i0 = 2 * (rev[p] as number)
        const i1 = i0 + 2 * h
        const ar = (x[offset + i0] as number) * (window[i0] as number)
        const ai = (x[offset + i0 + 1] as number) * (window[i0 + 1] as number)
        const br = (x[offset + i1] as number) * (window[i1] as number)
        const bi = (x[offset + i1 + 1] as number) * (window[i1 + 1] as number)
        z[2 * p] = ar + br
        z[2 * p + 1] = ai + bi
        z[2 * p + 2] = ar - br
        z[2 * p + 3] = ai - bi
      }
    } else {
      // Positions p..p+3 hold packed points rev[p] + (0, m/2, m/4, 3m/4).
      const q = m >> 2
      for (let p = 0; p < m; p += 4) {
        const i0 = 2 * (rev[p] as number)
        const i1 = i0 + 4 * q
        const i2 = i0 + 2 * q
        const i3 = i0 + 6 * q
        radix4Trivial(
          z,
          2 * p,
          (x[offset + i0] as number) * (window[i0] as number),
          (x[offset + i0 + 1] as number) * (window[i0 + 1] as number),
          (x[offset + i1] as number) * (window[i1] as number),
          (x[offset + i1 + 1] as number) * (window[i1 + 1] as number),
          (x[offset + i2] as number) * (window[i2] as number),
          (x[offset + i2 + 1] as number) * (window[i2 + 1] as number),
          (x[offset + i3] as number) * (window[i3] as number),
          (x[offset + i3 + 1] as number) * (window[i3 + 1] as number),
        )
      }
    }
    this.complex.laterPasses(z)
  }
}

/** Length 1: X[0] = x[0]. */
class SingleRealFft extends UnfusedPower implements RealFft {
  readonly size = 1
  readonly nBins = 1
  forward(input: Float64Array, re: Float64Array, im: Float64Array): void {
    re[0] = input[0] as number
    im[0] = 0
  }
}

/** Length 2: X[0] = a + b, X[1] = a - b. */
class TinyRealFft extends UnfusedPower implements RealFft {
  readonly size = 2
  readonly nBins = 2
  forward(input: Float64Array, re: Float64Array, im: Float64Array): void {
    const a = input[0] as number
    const b = input[1] as number
    re[0] = a + b
    re[1] = a - b
    im[0] = 0
    im[1] = 0
  }
}

/**
 * Bluestein's chirp-z FFT for any length n: the DFT written as a convolution with the chirp
 * exp(i pi j^2 / n), computed with power-of-two FFTs of length >= 2n - 1.
 */
class BluesteinRealFft extends UnfusedPower implements RealFft {
  readonly size: number
  readonly nBins: number
  private readonly fft: ComplexFft
  // exp(-i pi j^2 / n), interleaved.
  private readonly chirp: Float64Array
  // FFT of the filter conj(chirp) at lags -(n-1)..(n-1), laid out circularly.
  private readonly filter: Float64Array
  private readonly work: Float64Array

  constructor(size: number) {
    super()
    this.size = size
    this.nBins = Math.floor(size / 2) + 1
    let length = 1
    while (length < 2 * size - 1) length *= 2
    this.fft = new ComplexFft(length)
    this.chirp = new Float64Array(2 * size)
    this.filter = new Float64Array(2 * length)
    for (let j = 0; j < size; j++) {
      // j^2 mod 2n keeps the angle small, so long transforms lose no precision to it.
      const angle = (Math.PI * ((j * j) % (2 * size))) / size
      const cr = Math.cos(angle)
      const ci = Math.sin(angle)
      this.chirp[2 * j] = cr
      this.chirp[2 * j + 1] = -ci
      this.filter[2 * j] = cr
      this.filter[2 * j + 1] = ci
      if (j > 0) {
        this.filter[2 * (length - j)] = cr
        this.filter[2 * (length - j) + 1] = ci
      }
    }
    this.fft.forward(this.filter)
    this.work = new Float64Array(2 * length)
  }

  forward(x: Float64Array, re: Float64Array, im: Float64Array): void {
    const w = this.work
    const chirp = this.chirp
    const filter = this.filter
    w.fill(0)
    for (let j = 0; j < this.size; j++) {
      const v = x[j] as number
      w[2 * j] = v * (chirp[2 * j] as number)
      w[2 * j + 1] = v * (chirp[2 * j + 1] as number)
    }
    this.fft.forward(w)
    for (let k = 0; k < w.length; k += 2) {
      const ar = w[k] as number
      const ai = w[k + 1] as number
      const br = filter[k] as number
      const bi = filter[k + 1] as number
      w[k] = ar * br - ai * bi
      w[k + 1] = ar * bi + ai * br
    }
    this.fft.inverse(w)
    for (let k = 0; k < this.nBins; k++) {
      const ar = w[2 * k] as number
      const ai = w[2 * k + 1] as number
      const cr = chirp[2 * k] as number
      const ci = chirp[2 * k + 1] as number
      re[k] = ar * cr - ai * ci
      im[k] = ar * ci + ai * cr
    }
  }
}
