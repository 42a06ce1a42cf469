// The log-mel's two largest costs in WebAssembly: the power spectrum of one windowed frame, and
// the dB conversion (decibels, at the end).
//
// The power spectrum, in WebAssembly SIMD: the same
// real FFT as features/fft.ts (a half-size complex FFT of the packed frame, radix-2 or radix-4
// first pass fused with the windowing and the bit-reversed load, radix-4 passes, then the split
// into bins k and m - k), every complex value one f64x2 lane pair. Each operation is the one the
// TypeScript version does, in the same order, so the output is bit-for-bit the same; it runs
// about 3x faster (no bounds checks, two lanes per instruction), and the FFT was the log-mel's
// largest cost. The caller lays out every table in this module's memory (features/wasm-power.ts).

/** [re, im] -> [im, re]. */
function swap(v: v128): v128 {
  return v128.shuffle<f64>(v, v, 1, 0)
}

/**
 * A radix-4 butterfly of four complex values already rotated by their twiddles, stored at byte
 * offsets a, a + step, a + 2 step, a + 3 step. `negateIm` flips the sign of the imaginary lane:
 * -i (d1r + i d1i) = d1i - i d1r.
 */
function butterfly(a: usize, step: usize, x0: v128, x1: v128, x2: v128, x3: v128, negateIm: v128): void {
  const s0 = f64x2.add(x0, x1)
  const d0 = f64x2.sub(x0, x1)
  const s1 = f64x2.add(x2, x3)
  const d1 = f64x2.sub(x2, x3)
  const t = v128.xor(swap(d1), negateIm)
  v128.store(a, f64x2.add(s0, s1))
  v128.store(a + 2 * step, f64x2.sub(s0, s1))
  v128.store(a + step, f64x2.add(d0, t))
  v128.store(a + 3 * step, f64x2.sub(d0, t))
}

/**
 * |X[k]|^2, k <= m, of the real frame signal[n] * window[n], n < 2m, into `out` (float64).
 * Byte offsets: `signal` the frame's first sample and `window` (float64, interleaving-ready:
 * sample pairs load as one lane pair), `bitReversed` (int32, m), `passes` (per radix-4 pass after
 * the first: its quarter span q as an int32 in a 16-byte slot, then for each j < q the twiddles
 * w^1, w^2, w^3 each as [wr, wr] and [-wi, wi]), `split` (exp(-2 pi i k / 2m), k <= m / 2,
 * interleaved) and `z` (2m float64 of scratch).
 */
export function framePower(
  signal: usize,
  window: usize,
  bitReversed: usize,
  m: i32,
  radix2First: i32,
  passes: usize,
  passCount: i32,
  split: usize,
  z: usize,
  out: usize,
): void {
  const negateIm = i64x2(0, 0x8000000000000000)
  if (radix2First) {
    // Positions p and p + 1 hold packed points rev[p] and rev[p] + m/2.
    const half = (<usize>(m >> 1)) << 4
    for (let p = 0; p < m; p += 2) {
      const i0 = (<usize>load<i32>(bitReversed + ((<usize>p) << 2))) << 4
      const i1 = i0 + half
      const a = f64x2.mul(v128.load(signal + i0), v128.load(window + i0))
      const b = f64x2.mul(v128.load(signal + i1), v128.load(window + i1))
      const o = z + ((<usize>p) << 4)
      v128.store(o, f64x2.add(a, b))
      v128.store(o + 16, f64x2.sub(a, b))
    }
  } else {
    // Positions p..p+3 hold packed points rev[p] + (0, m/2, m/4, 3m/4).
    const q = (<usize>(m >> 2)) << 4
    for (let p = 0; p < m; p += 4) {
      const i0 = (<usize>load<i32>(bitReversed + ((<usize>p) << 2))) << 4
      butterfly(
        z + ((<usize>p) << 4),
        16,
        f64x2.mul(v128.load(signal + i0), v128.load(window + i0)),
        f64x2.mul(v128.load(signal + i0 + 2 * q), v128.load(window + i0 + 2 * q)),
        f64x2.mul(v128.load(signal + i0 + q), v128.load(window + i0 + q)),
        f64x2.mul(v128.load(signal + i0 + 3 * q), v128.load(window + i0 + 3 * q)),
        negateIm,
      )
    }
  }
  const end = z + ((<usize>m) << 4)
  let table = passes
  for (let pass = 0; pass < passCount; pass++) {
    const quarter = load<i32>(table)
    table += 16
    const q2 = (<usize>quarter) << 4
    const span = q2 << 2
    // j = 0: all three twiddles are 1.
    for (let a = z; a < end; a += span) {
      butterfly(a, q2, v128.load(a), v128.load(a + q2), v128.load(a + 2 * q2), v128.load(a + 3 * q2), negateIm)
    }
    for (let j = 1; j < quarter; j++) {
      const t = table + <usize>j * 96
      const w1r = v128.load(t)
      const w1i = v128.load(t + 16)
      const w2r = v128.load(t + 32)
      const w2i = v128.load(t + 48)
      const w3r = v128.load(t + 64)
      const w3i = v128.load(t + 80)
      for (let a = z + ((<usize>j) << 4); a < end; a += span) {
        // (wr + i wi)(xr + i xi) = [wr xr + (-wi) xi, wr xi + wi xr]; bit-reversed order puts
        // the operand that takes w^2 second and the one that takes w third.
        const xb = v128.load(a + q2)
        const xc = v128.load(a + 2 * q2)
        const xd = v128.load(a + 3 * q2)
        const x1 = f64x2.add(f64x2.mul(w2r, xb), f64x2.mul(w2i, swap(xb)))
        const x2 = f64x2.add(f64x2.mul(w1r, xc), f64x2.mul(w1i, swap(xc)))
        const x3 = f64x2.add(f64x2.mul(w3r, xd), f64x2.mul(w3i, swap(xd)))
        butterfly(a, q2, v128.load(a), x1, x2, x3, negateIm)
      }
    }
    table += <usize>quarter * 96
  }
  // The split: even part E = (Z[k] + conj Z[m-k]) / 2, odd part O = (Z[k] - conj Z[m-k]) / 2i;
  // X[k] = E + w^k O, X[m-k] = conj(E) - conj(w^k O).
  const z0r = load<f64>(z)
  const z0i = load<f64>(z, 8)
  store<f64>(out, (z0r + z0i) * (z0r + z0i))
  store<f64>(out + ((<usize>m) << 3), (z0r - z0i) * (z0r - z0i))
  for (let k = 1, l = m - 1; k <= l; k++, l--) {
    const zk = z + ((<usize>k) << 4)
    const zl = z + ((<usize>l) << 4)
    const ar = load<f64>(zk)
    const ai = load<f64>(zk, 8)
    const br = load<f64>(zl)
    const bi = load<f64>(zl, 8)
    const er = 0.5 * (ar + br)
    const ei = 0.5 * (ai - bi)
    const or = 0.5 * (ai + bi)
    const oi = -0.5 * (ar - br)
    const w = split + ((<usize>k) << 4)
    const cr = load<f64>(w)
    const ci = load<f64>(w, 8)
    const rotr = cr * or - ci * oi
    const roti = cr * oi + ci * or
    const kr = er + rotr
    const ki = ei + roti
    const lr = er - rotr
    const li = roti - ei
    store<f64>(out + ((<usize>k) << 3), kr * kr + ki * ki)
    store<f64>(out + ((<usize>l) << 3), lr * lr + li * li)
  }
}

/** ln(1 + r) for 0 <= r < 1/256 by its Taylor series to r^4, Horner form (as db.ts). */
function log1pSmall(r: f64): f64 {
  return r * (1 - r * (1 / 2 - r * (1 / 3 - r * (1 / 4))))
}

/**
 * features/db.ts's flooredDbLoop, in place over `count` float32 values at byte offset `values`:
 * above `floorInput` to `tenOverLn10 ln(v) - offset` floored at `floor`, others to `below`. The
 * logarithm from the float's bits and 256-entry tables (`lnCentre`, `stepOverCentre`, float64),
 * the same operations in the same order, so the same numbers; without V8's bounds checks and
 * tagged values it runs about 3x faster, and the dB pass was the log-mel's largest cost after
 * the FFT.
 */
export function decibels(
  values: usize,
  count: i32,
  floorInput: f64,
  below: f32,
  floor: f64,
  offset: f64,
  tenOverLn10: f64,
  lnCentre: usize,
  stepOverCentre: usize,
): void {
  for (let i = 0; i < count; i++) {
    const at = values + ((<usize>i) << 2)
    const v = <f64>load<f32>(at)
    if (!(v > floorInput)) {
      store<f32>(at, below)
      continue
    }
    const b = load<i32>(at)
    const biased = (b >>> 23) & 0xff
    if (biased == 0xff) {
      // Infinity (NaN is not above floorInput): its dB is infinite too.
      store<f32>(at, Infinity)
      continue
    }
    const index = (<usize>((b & 0x7fffff) >>> 15)) << 3
    const r = <f64>(b & 0x7fff) * load<f64>(stepOverCentre + index)
    const ln = <f64>(biased - 127) * Math.LN2 + load<f64>(lnCentre + index) + log1pSmall(r)
    const db = tenOverLn10 * ln - offset
    store<f32>(at, <f32>(db < floor ? floor : db))
  }
}

/**
 * features/mfcc.ts's folded DCT-II of `nFrames` frames: float32 frames of `nIn` at `input` into
 * float32 frames of `nOut` at `output`, each coefficient a dot product of half the frame with
 * the `folded` basis (float64, nOut rows of ceil(nIn / 2)) over its symmetric (even rows) or
 * antisymmetric (odd rows) fold, liftered when `lifter` (float64, nOut) is not 0. The four running
 * sums of the TypeScript version are two lane pairs here, added up in the same order, so the
 * numbers are the same. `scratch` holds 2 ceil(nIn / 2) float64 plus 16 bytes.
 */
export function dctFolded(
  input: usize,
  output: usize,
  nFrames: i32,
  nIn: i32,
  nOut: i32,
  folded: usize,
  lifter: usize,
  scratch: usize,
): void {
  const half = nIn >> 1
  const width = (nIn + 1) >> 1
  const sum = scratch
  const diff = scratch + ((((<usize>width) << 3) + 15) & ~15)
  for (let t = 0; t < nFrames; t++) {
    const base = input + <usize>(t * nIn) * 4
    for (let n = 0; n < half; n++) {
      const a = <f64>load<f32>(base + ((<usize>n) << 2))
      const b = <f64>load<f32>(base + ((<usize>(nIn - 1 - n)) << 2))
      store<f64>(sum + ((<usize>n) << 3), a + b)
      store<f64>(diff + ((<usize>n) << 3), a - b)
    }
    // The middle value of an odd-length frame counts once in even rows; odd rows are 0 there.
    if (width > half) {
      store<f64>(sum + ((<usize>half) << 3), <f64>load<f32>(base + ((<usize>half) << 2)))
      store<f64>(diff + ((<usize>half) << 3), 0)
    }
    const outBase = output + <usize>(t * nOut) * 4
    for (let k = 0; k < nOut; k++) {
      const v = k & 1 ? diff : sum
      const row = folded + <usize>(k * width) * 8
      let sums01 = f64x2.splat(0)
      let sums23 = f64x2.splat(0)
      let n = 0
      for (; n + 3 < width; n += 4) {
        const at = (<usize>n) << 3
        sums01 = f64x2.add(sums01, f64x2.mul(v128.load(row + at), v128.load(v + at)))
        sums23 = f64x2.add(sums23, f64x2.mul(v128.load(row + at + 16), v128.load(v + at + 16)))
      }
      let a0 = f64x2.extract_lane(sums01, 0)
      for (; n < width; n++) a0 += load<f64>(row + ((<usize>n) << 3)) * load<f64>(v + ((<usize>n) << 3))
      const acc = a0 + f64x2.extract_lane(sums01, 1) + (f64x2.extract_lane(sums23, 0) + f64x2.extract_lane(sums23, 1))
      store<f32>(outBase + ((<usize>k) << 2), <f32>(lifter ? acc * load<f64>(lifter + ((<usize>k) << 3)) : acc))
    }
  }
}
