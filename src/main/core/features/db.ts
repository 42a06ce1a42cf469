import { EarmarkError } from '../errors'
import type { FrameMatrix } from './frames'

/** Parameters of `powerToDb`, named and defaulted as `librosa.power_to_db`. */
export interface PowerToDbOptions {
  /** `ref`: the value that maps to 0 dB, or a function of all the values (e.g. `maxOf`, librosa's `ref=np.max`). Default 1. */
  ref?: number | ((values: Float32Array) => number)
  /** `amin`: floor on the input (and on |ref|) before the logarithm, > 0. Default 1e-10. */
  amin?: number
  /** `top_db`: floor the output at its maximum minus this many dB; null for no floor. Default 80. */
  topDb?: number | null
}

/**
 * `librosa.power_to_db(S, ref=…, amin=…, top_db=…)`: `10 log10(max(amin, S)) - 10 log10(max(amin, |ref|))`,
 * then floored at `max - top_db` over the whole input (every frame and band of the clip). Same
 * shape in and out.
 */
export function powerToDb(spectrum: FrameMatrix, options: PowerToDbOptions = {}): FrameMatrix {
  const data = new Float32Array(spectrum.data.length)
  powerToDbInto(spectrum.data, data, options)
  return { data, nFrames: spectrum.nFrames, nValues: spectrum.nValues }
}

/** `powerToDb` on a flat array, into `out` (which may be the input itself). */
export function powerToDbInto(values: Float32Array, out: Float32Array, options: PowerToDbOptions = {}): void {
  const amin = options.amin ?? 1e-10
  const topDb = options.topDb === undefined ? 80 : options.topDb
  if (!(amin > 0)) throw new EarmarkError('invalid-input', `amin must be strictly positive (got ${amin})`)
  if (topDb !== null && !(topDb >= 0))
    throw new EarmarkError('invalid-input', `top_db must be non-negative (got ${topDb})`)
  const ref = typeof options.ref === 'function' ? options.ref(values) : (options.ref ?? 1)
  // The reference's dB with the same logarithm as the values', so that S == ref gives exactly 0.
  const offset = TEN_OVER_LN10 * lnOf(Math.max(amin, Math.abs(ref)))
  const floorDb = TEN_OVER_LN10 * lnOf(amin) - offset
  const bits = new Int32Array(values.buffer, values.byteOffset, values.length)
  // The floor needs the largest dB value, which is the dB value of the largest input (the
  // conversion is monotonic), so one pass over the inputs finds it and a second converts and
  // floors at once.
  let top = -Infinity
  let topAt = -1
  let hasNaN = false
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number
    if (v > top) {
      top = v
      topAt = i
    } else if (v !== v) hasNaN = true
  }
  if (topDb === null || topAt < 0) {
    for (let i = 0; i < values.length; i++) out[i] = dbOf(values[i] as number, bits[i] as number, amin, offset, floorDb)
    return
  }
  // librosa compares in the output's float32, so the floor is rounded the same way. A NaN input
  // makes numpy's max NaN, and with it every output.
  const floor = hasNaN ? NaN : Math.fround(Math.fround(dbOf(top, bits[topAt] as number, amin, offset, floorDb)) - topDb)
  if (hasNaN) {
    out.fill(NaN, 0, values.length)
    return
  }
  // Values at or below the input that maps to the floor need no logarithm (most of a clip's
  // silence); the rest go through lnOfFloat32, written out here because V8 did not inline it.
  const floorInput = Math.max(amin, 10 ** ((floor + offset) / 10))
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number
    if (!(v > floorInput)) {
      out[i] = floor
      continue
    }
    const b = bits[i] as number
    const biased = (b >>> 23) & 0xff
    let ln: number
    if (biased === 0xff || biased === 0) ln = Math.log(v)
    else {
      const fraction = b & 0x7fffff
      const index = fraction >>> (23 - TABLE_BITS)
      const r = (1 + fraction / 8388608) * (INV_CENTRE[index] as number) - 1
      ln = (biased - 127) * Math.LN2 + (LN_CENTRE[index] as number) + log1pSmall(r)
    }
    const db = TEN_OVER_LN10 * ln - offset
    out[i] = db < floor ? floor : db
  }
}

/** One value's dB: `10 log10(max(amin, v)) - offset`, with `floorDb` the value at amin. */
function dbOf(v: number, bits: number, amin: number, offset: number, floorDb: number): number {
  return v > amin ? TEN_OVER_LN10 * lnOfFloat32(v, bits) - offset : v === v ? floorDb : NaN
}

/** The largest value, for `ref: maxOf` (librosa's `ref=np.max`). */
export function maxOf(values: Float32Array): number {
  let max = -Infinity
  for (let i = 0; i < values.length; i++) if ((values[i] as number) > max) max = values[i] as number
  return max
}

const TEN_OVER_LN10 = 10 / Math.LN10

// ln of a positive float32 from its bits, without Math.log (≈ 9 ns in V8; this is ≈ 4): the
// exponent gives e ln 2, the top 7 mantissa bits pick a table point c = 1 + i/128 <= m whose ln
// is tabled, and ln(m / c) with 0 <= m / c - 1 < 1/128 is a 7-term series, accurate to ~1e-17,
// far below the float32 rounding of the result; exact for powers of two (ln 1 = 0). The
// logarithm was the log-mel's largest single cost.
const TABLE_BITS = 7
const TABLE_SIZE = 1 << TABLE_BITS
const LN_CENTRE = new Float64Array(TABLE_SIZE)
const INV_CENTRE = new Float64Array(TABLE_SIZE)
for (let i = 0; i < TABLE_SIZE; i++) {
  const centre = 1 + i / TABLE_SIZE
  LN_CENTRE[i] = Math.log(centre)
  INV_CENTRE[i] = 1 / centre
}

/** ln(1 + r) for 0 <= r < 1/128 by its Taylor series, Horner form. */
function log1pSmall(r: number): number {
  return r * (1 - r * (1 / 2 - r * (1 / 3 - r * (1 / 4 - r * (1 / 5 - r * (1 / 6 - r / 7))))))
}

/** ln(v) for v > 0: through `lnOfFloat32` when v is a float32 value, as the spectra are. */
function lnOf(v: number): number {
  if (Math.fround(v) !== v) return Math.log(v)
  const bits = new Int32Array(Float32Array.of(v).buffer)[0] as number
  return lnOfFloat32(v, bits)
}

/** ln(v) for a float32 value `v > 0` whose IEEE bits are `bits`. */
function lnOfFloat32(v: number, bits: number): number {
  const biased = (bits >>> 23) & 0xff
  // Subnormals, infinity and NaN are rare: leave them to Math.log.
  if (biased === 0 || biased === 0xff) return Math.log(v)
  const fraction = bits & 0x7fffff
  const index = fraction >>> (23 - TABLE_BITS)
  const mantissa = 1 + fraction / 8388608
  const r = mantissa * (INV_CENTRE[index] as number) - 1
  return (biased - 127) * Math.LN2 + (LN_CENTRE[index] as number) + log1pSmall(r)
}
