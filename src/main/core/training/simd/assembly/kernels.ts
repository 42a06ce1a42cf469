// SIMD training kernels for the wasm engine, in AssemblyScript (issue 6). They run on
// tfjs-backend-wasm's own heap (the module imports its memory), so tensors are read and written in
// place by byte address: no copy in or out. tfjs-backend-wasm has no batch-norm training kernels
// and a scalar MaxPoolGrad; as JavaScript loops these took a third of a CNN training step, as
// SIMD passes they take a few per cent.
//
// Rules that keep this module safe on memory it does not own: no static data, no allocation, no
// stack (AssemblyScript's stub runtime is never called), and every address comes from the caller.
// Channel counts must be multiples of 4 (one v128 holds 4 channels); callers fall back otherwise.

/** Rows summed in float32 before the running totals are carried in float64 (accuracy vs speed). */
const BLOCK: i32 = 64

/**
 * Per-channel Σa and Σa·(b − centre) over `rows` rows of `c` channels, in float64, at out[0..c)
 * and out[c..2c). With b = a and centre = 0 it gives Σx and Σx² (batch norm's statistics); with
 * a = dy, b = x, centre = μ it gives batch norm's Σdy and Σdy·(x − μ). `scratch` holds 2c floats.
 * `same` says b is a (one load fewer).
 */
export function channelSums(a: usize, b: usize, centre: usize, rows: i32, c: i32, out: usize, scratch: usize): void {
  const rowBytes = (<usize>c) << 2
  memory.fill(out, 0, (<usize>c) << 4)
  let row: i32 = 0
  while (row < rows) {
    const end = min(rows, row + BLOCK)
    zeroFloats(scratch, 2 * c)
    for (; row < end; row++) {
      const pa = a + <usize>row * rowBytes
      const pb = b + <usize>row * rowBytes
      for (let j: usize = 0; j < rowBytes; j += 16) {
        const va = v128.load(pa + j)
        const vb = f32x4.sub(v128.load(pb + j), v128.load(centre + j))
        const s = scratch + j
        const q = scratch + rowBytes + j
        v128.store(s, f32x4.add(v128.load(s), va))
        v128.store(q, f32x4.add(v128.load(q), f32x4.mul(va, vb)))
      }
    }
    for (let j: usize = 0; j < <usize>c; j++) {
      const s = out + (j << 3)
      const q = out + ((<usize>c + j) << 3)
      store<f64>(s, load<f64>(s) + <f64>load<f32>(scratch + (j << 2)))
      store<f64>(q, load<f64>(q) + <f64>load<f32>(scratch + rowBytes + (j << 2)))
    }
  }
}

/**
 * y = a·p + b·q + r per channel (batch norm's input gradient); with b = 0 (no second operand),
 * y = a·p + r (its forward normalisation).
 */
export function channelAffine2(a: usize, b: usize, y: usize, rows: i32, c: i32, p: usize, q: usize, r: usize): void {
  const rowBytes = (<usize>c) << 2
  const total = <usize>rows * rowBytes
  if (b == 0) {
    for (let o: usize = 0; o < total; o += rowBytes) {
      for (let j: usize = 0; j < rowBytes; j += 16) {
        v128.store(y + o + j, f32x4.add(f32x4.mul(v128.load(a + o + j), v128.load(p + j)), v128.load(r + j)))
      }
    }
    return
  }
  for (let o: usize = 0; o < total; o += rowBytes) {
    for (let j: usize = 0; j < rowBytes; j += 16) {
      const va = f32x4.mul(v128.load(a + o + j), v128.load(p + j))
      const vb = f32x4.mul(v128.load(b + o + j), v128.load(q + j))
      v128.store(y + o + j, f32x4.add(f32x4.add(va, vb), v128.load(r + j)))
    }
  }
}

/**
 * Max pooling's gradient for windows that tile the input (stride = window, no padding), 4
 * channels at a time: each window's dy goes to the first position (row-major, as the cpu
 * backend) holding its maximum, zeros elsewhere. Rows and columns no window covers (a remainder
 * at the end) get zeros. 2×2 windows (the CNN's blocks) take an unrolled path, twice as fast.
 */
export function maxPoolGradTiled(
  x: usize,
  dy: usize,
  dx: usize,
  batch: i32,
  inH: i32,
  inW: i32,
  c: i32,
  outH: i32,
  outW: i32,
  fh: i32,
  fw: i32,
): void {
  // Two instances of one loop: the type argument (u8: 2×2) picks the window code at compile time,
  // keeping the branch out of the innermost loop.
  if (fh == 2 && fw == 2) tiledWindows<u8>(x, dy, dx, batch, inH, inW, c, outH, outW, fh, fw)
  else tiledWindows<u32>(x, dy, dx, batch, inH, inW, c, outH, outW, fh, fw)
}

function tiledWindows<Window>(
  x: usize,
  dy: usize,
  dx: usize,
  batch: i32,
  inH: i32,
  inW: i32,
  c: i32,
  outH: i32,
  outW: i32,
  fh: i32,
  fw: i32,
): void {
  const cb = (<usize>c) << 2
  const rowBytes = <usize>inW * cb
  const imageBytes = <usize>inH * rowBytes
  const coveredH = outH * fh
  const coveredW = <usize>(outW * fw) * cb
  let g = dy
  for (let n: i32 = 0; n < batch; n++) {
    const image = <usize>n * imageBytes
    for (let oh: i32 = 0; oh < outH; oh++) {
      const top = image + <usize>(oh * fh) * rowBytes
      for (let ow: i32 = 0; ow < outW; ow++) {
        const corner = top + <usize>(ow * fw) * cb
        for (let j: usize = 0; j < cb; j += 16, g += 16) {
          if (sizeof<Window>() == 1) windowGrad2x2(x, dx, corner + j, cb, rowBytes, v128.load(g))
          else windowGrad(x, dx, corner + j, cb, rowBytes, fh, fw, v128.load(g))
        }
      }
      // Columns past the last window.
      if (coveredW < rowBytes) {
        for (let r: i32 = 0; r < fh; r++) {
          memory.fill(dx + top + <usize>r * rowBytes + coveredW, 0, rowBytes - coveredW)
        }
      }
    }
    // Rows past the last window.
    if (coveredH < inH) memory.fill(dx + image + <usize>coveredH * rowBytes, 0, <usize>(inH - coveredH) * rowBytes)
  }
}

/** One fh × fw window's gradient for 4 channels at byte offset `at`: d at the first maximum. */
function windowGrad(x: usize, dx: usize, at: usize, cb: usize, rowBytes: usize, fh: i32, fw: i32, d: v128): void {
  let m = v128.load(x + at)
  for (let r: i32 = 0; r < fh; r++) {
    for (let q: i32 = 0; q < fw; q++) m = f32x4.max(m, v128.load(x + at + <usize>r * rowBytes + <usize>q * cb))
  }
  let taken = i32x4.splat(0)
  for (let r: i32 = 0; r < fh; r++) {
    for (let q: i32 = 0; q < fw; q++) {
      const p = at + <usize>r * rowBytes + <usize>q * cb
      const first = v128.andnot(f32x4.eq(v128.load(x + p), m), taken)
      v128.store(dx + p, v128.and(d, first))
      taken = v128.or(taken, first)
    }
  }
}

/** windowGrad for a 2×2 window, unrolled. */
function windowGrad2x2(x: usize, dx: usize, at: usize, cb: usize, rowBytes: usize, d: v128): void {
  const i1 = at + cb
  const i2 = at + rowBytes
  const i3 = i2 + cb
  const a0 = v128.load(x + at)
  const a1 = v128.load(x + i1)
  const a2 = v128.load(x + i2)
  const a3 = v128.load(x + i3)
  const m = f32x4.max(f32x4.max(a0, a1), f32x4.max(a2, a3))
  const m0 = f32x4.eq(a0, m)
  const m1 = v128.andnot(f32x4.eq(a1, m), m0)
  const taken = v128.or(m0, m1)
  const m2 = v128.andnot(f32x4.eq(a2, m), taken)
  const m3 = v128.not(v128.or(taken, m2))
  v128.store(dx + at, v128.and(d, m0))
  v128.store(dx + i1, v128.and(d, m1))
  v128.store(dx + i2, v128.and(d, m2))
  v128.store(dx + i3, v128.and(d, m3))
}

/**
 * The transposed patches of a stride-1 convolution, out[(kh, kw, c), (b, oh, ow)], from the input
 * laid out as planes [c, b, inH, inW]: for each tap and channel, each output row is one
 * contiguous run of the plane's row (memory.copy), with zeros where the window overhangs the
 * input (padding).
 */
export function im2colPlanes(
  planes: usize,
  out: usize,
  c: i32,
  batch: i32,
  inH: i32,
  inW: i32,
  fh: i32,
  fw: i32,
  top: i32,
  left: i32,
  outH: i32,
  outW: i32,
): void {
  const rowBytes = (<usize>outW) << 2
  let o = out
  for (let kh: i32 = 0; kh < fh; kh++) {
    for (let kw: i32 = 0; kw < fw; kw++) {
      // Output columns [ow0, ow1) read input columns [ow0 + kw − left, ow1 + kw − left).
      const shift = kw - left
      const ow0 = max(0, -shift)
      const ow1 = min(outW, inW - shift)
      for (let ch: i32 = 0; ch < c; ch++) {
        for (let n: i32 = 0; n < batch; n++) {
          const image = planes + ((<usize>(ch * batch + n) * <usize>inH * <usize>inW) << 2)
          for (let oh: i32 = 0; oh < outH; oh++, o += rowBytes) {
            const ih = oh + kh - top
            if (ih < 0 || ih >= inH || ow0 >= ow1) {
              zeroFloats(o, outW)
              continue
            }
            for (let q: i32 = 0; q < ow0; q++) store<f32>(o + ((<usize>q) << 2), 0)
            copyFloats(o + ((<usize>ow0) << 2), image + ((<usize>(ih * inW + ow0 + shift)) << 2), ow1 - ow0)
            for (let q: i32 = ow1; q < outW; q++) store<f32>(o + ((<usize>q) << 2), 0)
          }
        }
      }
    }
  }
}

/**
 * Copies `n` floats, 4 at a time: the patch rows are runs of a few dozen floats, for which
 * memory.copy's call into the runtime costs more than the copy (a quarter of a million per step).
 */
function copyFloats(to: usize, from: usize, n: i32): void {
  const vectors = (<usize>(n & ~3)) << 2
  for (let o: usize = 0; o < vectors; o += 16) v128.store(to + o, v128.load(from + o))
  for (let o: usize = vectors; o < (<usize>n) << 2; o += 4) store<f32>(to + o, load<f32>(from + o))
}

/** Zeroes `n` floats, 4 at a time (short runs, as copyFloats). */
function zeroFloats(to: usize, n: i32): void {
  const vectors = (<usize>(n & ~3)) << 2
  const zero = f32x4.splat(0)
  for (let o: usize = 0; o < vectors; o += 16) v128.store(to + o, zero)
  for (let o: usize = vectors; o < (<usize>n) << 2; o += 4) store<f32>(to + o, 0)
}

/** ReLU's gradient: dx = dy where x > 0, else 0 (`n` floats, a multiple of 4). */
export function reluGrad(dy: usize, x: usize, dx: usize, n: i32): void {
  const zero = f32x4.splat(0)
  const bytes = (<usize>n) << 2
  for (let o: usize = 0; o < bytes; o += 16) {
    v128.store(dx + o, v128.and(v128.load(dy + o), f32x4.gt(v128.load(x + o), zero)))
  }
}

/**
 * Planes [count, h, w] copied into zeroed planes [count, hp, wp] at row `top`, column `left`
 * (the zero padding a convolution reads around its input).
 */
export function padPlanes(
  src: usize,
  dst: usize,
  count: i32,
  h: i32,
  w: i32,
  hp: i32,
  wp: i32,
  top: i32,
  left: i32,
): void {
  memory.fill(dst, 0, (<usize>count * <usize>hp * <usize>wp) << 2)
  const rowBytes = (<usize>w) << 2
  for (let p: i32 = 0; p < count; p++) {
    for (let r: i32 = 0; r < h; r++) {
      const from = src + (((<usize>p * <usize>h + <usize>r) * <usize>w) << 2)
      const to = dst + (((<usize>p * <usize>hp + <usize>(r + top)) * <usize>wp + <usize>left) << 2)
      memory.copy(to, from, rowBytes)
    }
  }
}

/**
 * The filter gradient of a stride-1 convolution over one input channel, for a multiple of 16
 * output channels, without patches: dW[kh, kw, 0, o] = Σ_{b, oh, ow} xpad[b, oh + kh, ow + kw] ·
 * dy[b, oh, ow, o], from the zero-padded input xpad [batch, hp, wp] (wp ≥ outW + 3·⌈fw/3⌉ − 1).
 * Three neighbouring taps share each load of dy: 12 accumulators of 4 output channels each. A
 * first layer on a one-channel log-mel has 9 taps and 16 outputs: as a matrix product that is
 * a 9 × 16 result over a hundred thousand positions, whose packing costs XNNPACK more than its
 * arithmetic.
 */
export function filterGradOneChannel(
  xpad: usize,
  dy: usize,
  dw: usize,
  batch: i32,
  hp: i32,
  wp: i32,
  outH: i32,
  outW: i32,
  fh: i32,
  fw: i32,
  co: i32,
): void {
  const dyPixel = (<usize>co) << 2
  for (let kh: i32 = 0; kh < fh; kh++) {
    for (let kw0: i32 = 0; kw0 < fw; kw0 += 3) {
      for (let cb: i32 = 0; cb < co; cb += 16) {
        let a00 = f32x4.splat(0),
          a01 = f32x4.splat(0),
          a02 = f32x4.splat(0),
          a03 = f32x4.splat(0)
        let a10 = f32x4.splat(0),
          a11 = f32x4.splat(0),
          a12 = f32x4.splat(0),
          a13 = f32x4.splat(0)
        let a20 = f32x4.splat(0),
          a21 = f32x4.splat(0),
          a22 = f32x4.splat(0),
          a23 = f32x4.splat(0)
        for (let n: i32 = 0; n < batch; n++) {
          for (let oh: i32 = 0; oh < outH; oh++) {
            let px = xpad + ((<usize>(n * hp + oh + kh) * <usize>wp + <usize>kw0) << 2)
            let pd = dy + <usize>(n * outH + oh) * <usize>outW * dyPixel + ((<usize>cb) << 2)
            for (let ow: i32 = 0; ow < outW; ow++, px += 4, pd += dyPixel) {
              const d0 = v128.load(pd)
              const d1 = v128.load(pd, 16)
              const d2 = v128.load(pd, 32)
              const d3 = v128.load(pd, 48)
              const x0 = f32x4.splat(load<f32>(px))
              const x1 = f32x4.splat(load<f32>(px, 4))
              const x2 = f32x4.splat(load<f32>(px, 8))
              a00 = f32x4.add(a00, f32x4.mul(x0, d0))
              a01 = f32x4.add(a01, f32x4.mul(x0, d1))
              a02 = f32x4.add(a02, f32x4.mul(x0, d2))
              a03 = f32x4.add(a03, f32x4.mul(x0, d3))
              a10 = f32x4.add(a10, f32x4.mul(x1, d0))
              a11 = f32x4.add(a11, f32x4.mul(x1, d1))
              a12 = f32x4.add(a12, f32x4.mul(x1, d2))
              a13 = f32x4.add(a13, f32x4.mul(x1, d3))
              a20 = f32x4.add(a20, f32x4.mul(x2, d0))
              a21 = f32x4.add(a21, f32x4.mul(x2, d1))
              a22 = f32x4.add(a22, f32x4.mul(x2, d2))
              a23 = f32x4.add(a23, f32x4.mul(x2, d3))
            }
          }
        }
        // Taps past the filter's width (its last group of three) are computed and dropped.
        const out = dw + ((<usize>(kh * fw + kw0) * <usize>co + <usize>cb) << 2)
        v128.store(out, a00)
        v128.store(out, a01, 16)
        v128.store(out, a02, 32)
        v128.store(out, a03, 48)
        if (kw0 + 1 < fw) {
          v128.store(out + dyPixel, a10)
          v128.store(out + dyPixel, a11, 16)
          v128.store(out + dyPixel, a12, 32)
          v128.store(out + dyPixel, a13, 48)
        }
        if (kw0 + 2 < fw) {
          v128.store(out + 2 * dyPixel, a20)
          v128.store(out + 2 * dyPixel, a21, 16)
          v128.store(out + 2 * dyPixel, a22, 32)
          v128.store(out + 2 * dyPixel, a23, 48)
        }
      }
    }
  }
}

/**
 * One Adam step over `n` weights, in the order and float32 roundings of tfjs's AdamOptimizer:
 * m ← m·β₁ + g·(1 − β₁); v ← v·β₂ + g²·(1 − β₂) (both in place);
 * out ← (m/c₁) / (√(v/c₂) + ε) · (−lr) + w, with c = 1 − βᵗ.
 */
export function adamStep(
  w: usize,
  out: usize,
  m: usize,
  v: usize,
  g: usize,
  n: i32,
  negLr: f32,
  beta1: f32,
  oneMinusBeta1: f32,
  beta2: f32,
  oneMinusBeta2: f32,
  epsilon: f32,
  c1: f32,
  c2: f32,
): void {
  const vb1 = f32x4.splat(beta1)
  const vob1 = f32x4.splat(oneMinusBeta1)
  const vb2 = f32x4.splat(beta2)
  const vob2 = f32x4.splat(oneMinusBeta2)
  const veps = f32x4.splat(epsilon)
  const vc1 = f32x4.splat(c1)
  const vc2 = f32x4.splat(c2)
  const vlr = f32x4.splat(negLr)
  const vectors = (<usize>(n & ~3)) << 2
  for (let o: usize = 0; o < vectors; o += 16) {
    const gv = v128.load(g + o)
    const mv = f32x4.add(f32x4.mul(v128.load(m + o), vb1), f32x4.mul(gv, vob1))
    const vv = f32x4.add(f32x4.mul(v128.load(v + o), vb2), f32x4.mul(f32x4.mul(gv, gv), vob2))
    v128.store(m + o, mv)
    v128.store(v + o, vv)
    const step = f32x4.div(f32x4.div(mv, vc1), f32x4.add(f32x4.sqrt(f32x4.div(vv, vc2)), veps))
    v128.store(out + o, f32x4.add(f32x4.mul(step, vlr), v128.load(w + o)))
  }
  for (let o: usize = vectors; o < (<usize>n) << 2; o += 4) {
    const gs = load<f32>(g + o)
    const ms = load<f32>(m + o) * beta1 + gs * oneMinusBeta1
    const vs = load<f32>(v + o) * beta2 + gs * gs * oneMinusBeta2
    store<f32>(m + o, ms)
    store<f32>(v + o, vs)
    store<f32>(out + o, (ms / c1 / (sqrt<f32>(vs / c2) + epsilon)) * negLr + load<f32>(w + o))
  }
}
