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
export function powerToDbInto(
  values: Float32Array,
  out: Float32Array,
  options: PowerToDbOptions = {},
  loop: FlooredDbLoop = flooredDbLoop,
): void {
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
  // What those values give: the floor, or, when the floor is below amin's dB (a quiet clip, its
  // peak under top_db above amin), amin's dB: librosa takes max(amin, S) before the floor.
  const below = Math.max(floor, Math.fround(floorDb))
  if (!(floorInput >= MIN_NORMAL_FLOAT32)) {
    // An amin below float32's normal range lets subnormals past the floor: the general path.
    flooredDb(values, bits, out, amin, offset, floorDb, floor)
    return
  }
  loop(values, out, floorInput, below, floor, offset)
}

/**
 * The floored conversion's main loop: each value above `floorInput` to `10 log10(v) - offset`
 * floored at `floor`, every other value to `below`. Every value past floorInput is a normal
 * float32 (floorInput >= 2^-126). Replaceable by one that computes the same numbers faster (the
 * log-mel's WebAssembly kernel, wasm-power.ts).
 */
export type FlooredDbLoop = (
  values: Float32Array,
  out: Float32Array,
  floorInput: number,
  below: number,
  floor: number,
  offset: number,
) => void

/** FlooredDbLoop in TypeScript: lnOfFloat32 written out, since V8 did not inline it. */
export const flooredDbLoop: FlooredDbLoop = (values, out, floorInput, below, floor, offset) => {
  const bits = new Int32Array(values.buffer, values.byteOffset, values.length)
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number
    if (!(v > floorInput)) {
      out[i] = below
      continue
    }
    const b = bits[i] as number
    const biased = (b >>> 23) & 0xff
    if (biased === 0xff) {
      out[i] = TEN_OVER_LN10 * Math.log(v) - offset
      continue
    }
    const index = (b & 0x7fffff) >>> (23 - TABLE_BITS)
    const r = (b & LOW_BITS) * (STEP_OVER_CENTRE[index] as number)
    const ln = (biased - 127) * Math.LN2 + (LN_CENTRE[index] as number) + log1pSmall(r)
    const db = TEN_OVER_LN10 * ln - offset
    out[i] = db < floor ? floor : db
  }
}

/** Every value's dB floored at `floor`, Math.log for subnormals (an amin below float32's normal range). */
function flooredDb(
  values: Float32Array,
  bits: Int32Array,
  out: Float32Array,
  amin: number,
  offset: number,
  floorDb: number,
  floor: number,
): void {
  for (let i = 0; i < values.length; i++) {
    const db = dbOf(values[i] as number, bits[i] as number, amin, offset, floorDb)
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
/** The smallest normal float32, 2^-126. */
const MIN_NORMAL_FLOAT32 = 2 ** -126

// ln of a positive float32 from its bits, without Math.log (≈ 10 ns in V8; this is ≈ 4): the
// exponent gives e ln 2, the top 8 mantissa bits pick a table point c = 1 + i/256 <= m whose ln
// is tabled, and ln(m / c) = ln(1 + r), r = (m - c) / c exactly from the low mantissa bits,
// 0 <= r < 1/256, is a 4-term series accurate to ~2e-13, far below the float32 rounding of the
// result (a dB value's float32 step is ~1e-6); exact for powers of two (ln 1 = 0). The logarithm
// was the log-mel's largest single cost after the FFT; a longer table and shorter series (4
// dependent multiply-adds rather than 7) took the dB pass from 7.6 to ~4.5 ns a value.
const TABLE_BITS = 8
const TABLE_SIZE = 1 << TABLE_BITS
/** The mantissa bits below the table index. */
const LOW_BITS = (1 << (23 - TABLE_BITS)) - 1
const LN_CENTRE = new Float64Array(TABLE_SIZE)
/** 2^-23 / c: turns the low mantissa bits into r = (m - c) / c. */
const STEP_OVER_CENTRE = new Float64Array(TABLE_SIZE)
for (let i = 0; i < TABLE_SIZE; i++) {
  const centre = 1 + i / TABLE_SIZE
  LN_CENTRE[i] = Math.log(centre)
  STEP_OVER_CENTRE[i] = 2 ** -23 / centre
}

/** The logarithm's tables, for the WebAssembly copy of the loop (which must use the very same numbers). */
export const LN_TABLES = { bits: TABLE_BITS, lnCentre: LN_CENTRE, stepOverCentre: STEP_OVER_CENTRE }

/** ln(1 + r) for 0 <= r < 1/256 by its Taylor series to r^4, Horner form. */
function log1pSmall(r: number): number {
  return r * (1 - r * (1 / 2 - r * (1 / 3 - r * (1 / 4))))
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
  const index = (bits & 0x7fffff) >>> (23 - TABLE_BITS)
  const r = (bits & LOW_BITS) * (STEP_OVER_CENTRE[index] as number)
  return (biased - 127) * Math.LN2 + (LN_CENTRE[index] as number) + log1pSmall(r)
}
