// SIMD training kernels for the wasm engine, in AssemblyScript. They run on
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
 * contiguous run of the plane's row (copyFloats), with zeros where the window overhangs the
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

// Winograd F(2×2, 3×3) for 3×3 stride-1 convolutions (Lavin & Gray, "Fast Algorithms for
// Convolutional Neural Networks", 2016): each 2×2 block of outputs costs 16 multiply-adds per
// channel pair instead of 36. XNNPACK's direct convolution already runs near this machine's
// 128-bit multiply-add peak, so fewer multiplies is what is left to gain. Transforms, with
// d a 4×4 input tile, g a 3×3 filter: V = Bᵀ d B, U = G g Gᵀ, y = Aᵀ (Σ_ci U ⊙ V) A.

/** U = G g Gᵀ for every (ci, co): w [3, 3, ci, co] (HWIO) → u [16, ci, co]; ci·co a multiple of 4. */
export function winogradFilter(w: usize, u: usize, ci: i32, co: i32): void {
  const plane = (<usize>ci * <usize>co) << 2
  const half = f32x4.splat(0.5)
  for (let o: usize = 0; o < plane; o += 16) {
    for (let c: usize = 0; c < 3; c++) {
      // Column c of G g, into u's rows as scratch: t0 = g0, t1 = (g0+g1+g2)/2, t2 = (g0−g1+g2)/2, t3 = g2.
      const g0 = v128.load(w + c * plane + o)
      const g1 = v128.load(w + (3 + c) * plane + o)
      const g2 = v128.load(w + (6 + c) * plane + o)
      v128.store(u + c * plane + o, g0)
      v128.store(u + (4 + c) * plane + o, f32x4.mul(f32x4.add(f32x4.add(g0, g1), g2), half))
      v128.store(u + (8 + c) * plane + o, f32x4.mul(f32x4.add(f32x4.sub(g0, g1), g2), half))
      v128.store(u + (12 + c) * plane + o, g2)
    }
    for (let i: usize = 0; i < 16; i += 4) {
      // Row i of (G g) Gᵀ, from columns 0..2 held at u[i], u[i+1], u[i+2].
      const t0 = v128.load(u + i * plane + o)
      const t1 = v128.load(u + (i + 1) * plane + o)
      const t2 = v128.load(u + (i + 2) * plane + o)
      v128.store(u + (i + 1) * plane + o, f32x4.mul(f32x4.add(f32x4.add(t0, t1), t2), half))
      v128.store(u + (i + 2) * plane + o, f32x4.mul(f32x4.add(f32x4.sub(t0, t1), t2), half))
      v128.store(u + (i + 3) * plane + o, t2)
    }
  }
}

/**
 * x [batch, inH, inW, c] into xp [batch, hp, wp, c] at (top, left), zeros around; input rows and
 * columns past hp, wp are dropped. With c = 1, planes [batch, inH, inW] into [batch, hp, wp].
 */
export function padImages(
  x: usize,
  xp: usize,
  batch: i32,
  inH: i32,
  inW: i32,
  c: i32,
  hp: i32,
  wp: i32,
  top: i32,
  left: i32,
): void {
  const pixel = (<usize>c) << 2
  const rowBytes = <usize>wp * pixel
  const from = max(0, -left)
  const to = min(inW, wp - left)
  for (let b = 0; b < batch; b++) {
    for (let pr = 0; pr < hp; pr++) {
      const out = xp + <usize>(b * hp + pr) * rowBytes
      const r = pr - top
      if (r < 0 || r >= inH || to <= from) {
        memory.fill(out, 0, rowBytes)
        continue
      }
      const start = <usize>(left + from) * pixel
      const end = <usize>(left + to) * pixel
      memory.fill(out, 0, start)
      memory.copy(out + start, x + <usize>((b * inH + r) * inW + from) * pixel, end - start)
      memory.fill(out + end, 0, rowBytes - end)
    }
  }
}

/**
 * A 3×3 stride-1 convolution of the padded input xp [batch, hp, wp, ci] (hp ≥ 2·⌈outH/2⌉ + 2,
 * likewise wp) with u = winogradFilter(w) into y [batch, outH, outW, co]; ci and co multiples
 * of 4. Tiles go through in blocks of `tiles` (a multiple of 4); `v` and `m` are scratch of
 * 16·tiles·ci and 16·tiles·co floats.
 */
export function winogradConv(
  xp: usize,
  u: usize,
  y: usize,
  batch: i32,
  hp: i32,
  wp: i32,
  ci: i32,
  outH: i32,
  outW: i32,
  co: i32,
  v: usize,
  m: usize,
  tiles: i32,
): void {
  const tilesH = (outH + 1) >> 1
  const tilesW = (outW + 1) >> 1
  const perImage = tilesH * tilesW
  const total = batch * perImage
  const inPixel = (<usize>ci) << 2
  const outPixel = (<usize>co) << 2
  const inRow = <usize>wp * inPixel
  const vPlane = <usize>tiles * inPixel
  const mPlane = <usize>tiles * outPixel
  const uPlane = <usize>ci * outPixel
  for (let first = 0; first < total; first += tiles) {
    const n = min(tiles, total - first)
    transformInputs(xp, v, first, n, perImage, tilesW, hp, inRow, inPixel, vPlane)
    for (let xi: usize = 0; xi < 16; xi++) {
      multiplyTiles(v + xi * vPlane, u + xi * uPlane, m + xi * mPlane, tiles, ci, co)
    }
    for (let t = 0; t < n; t++) {
      const g = first + t
      const b = g / perImage
      const th = (g - b * perImage) / tilesW
      const tw = g - b * perImage - th * tilesW
      const oh = 2 * th
      const ow = 2 * tw
      const out = y + <usize>((b * outH + oh) * outW + ow) * outPixel
      transformOutput(
        m + <usize>t * outPixel,
        mPlane,
        out,
        <usize>outW * outPixel,
        outPixel,
        oh + 1 < outH,
        ow + 1 < outW,
      )
    }
  }
}

/**
 * V for tiles first … first + n − 1 (numbered image by image, row by row), tile t's at
 * v + ξ·vPlane + t·inPixel for each of the 16 positions ξ.
 */
function transformInputs(
  xp: usize,
  v: usize,
  first: i32,
  n: i32,
  perImage: i32,
  tilesW: i32,
  hp: i32,
  inRow: usize,
  inPixel: usize,
  vPlane: usize,
): void {
  for (let t = 0; t < n; t++) {
    const g = first + t
    const b = g / perImage
    const th = (g - b * perImage) / tilesW
    const tw = g - b * perImage - th * tilesW
    const origin = xp + <usize>(b * hp + 2 * th) * inRow + <usize>(2 * tw) * inPixel
    transformInput(origin, inRow, inPixel, v + <usize>t * inPixel, vPlane)
  }
}

/** V = Bᵀ d B for one tile, 4 channels at a time; V[ξ] at v + ξ·plane. */
function transformInput(origin: usize, inRow: usize, inPixel: usize, v: usize, plane: usize): void {
  for (let q: usize = 0; q < inPixel; q += 16) {
    const p = origin + q
    for (let j: usize = 0; j < 4; j++) {
      // Column j of d B for each row i: e0 = d0 − d2, e1 = d1 + d2, e2 = d2 − d1, e3 = d1 − d3.
      const e0 = column(p, inPixel, j)
      const e1 = column(p + inRow, inPixel, j)
      const e2 = column(p + 2 * inRow, inPixel, j)
      const e3 = column(p + 3 * inRow, inPixel, j)
      const out = v + q
      v128.store(out + j * plane, f32x4.sub(e0, e2))
      v128.store(out + (4 + j) * plane, f32x4.add(e1, e2))
      v128.store(out + (8 + j) * plane, f32x4.sub(e2, e1))
      v128.store(out + (12 + j) * plane, f32x4.sub(e1, e3))
    }
  }
}

/** Column j of d·B for the input row at `row`: d0 − d2, d1 + d2, d2 − d1, d1 − d3. */
function column(row: usize, inPixel: usize, j: usize): v128 {
  if (j == 0) return f32x4.sub(v128.load(row), v128.load(row + 2 * inPixel))
  if (j == 1) return f32x4.add(v128.load(row + inPixel), v128.load(row + 2 * inPixel))
  if (j == 2) return f32x4.sub(v128.load(row + 2 * inPixel), v128.load(row + inPixel))
  return f32x4.sub(v128.load(row + inPixel), v128.load(row + 3 * inPixel))
}

/** m [tiles, co] = v [tiles, ci] · u [ci, co], in blocks of 4 tiles × 8 (or 4) output channels. */
function multiplyTiles(v: usize, u: usize, m: usize, tiles: i32, ci: i32, co: i32): void {
  const inPixel = (<usize>ci) << 2
  const outPixel = (<usize>co) << 2
  const wide = outPixel & ~(<usize>31)
  for (let r: usize = 0; r < <usize>tiles; r += 4) {
    const v0 = v + r * inPixel
    const out = m + r * outPixel
    for (let n: usize = 0; n < wide; n += 32) {
      let a00 = f32x4.splat(0),
        a01 = f32x4.splat(0),
        a10 = f32x4.splat(0),
        a11 = f32x4.splat(0),
        a20 = f32x4.splat(0),
        a21 = f32x4.splat(0),
        a30 = f32x4.splat(0),
        a31 = f32x4.splat(0)
      let pu = u + n
      for (let k: usize = 0; k < inPixel; k += 4) {
        const u0 = v128.load(pu)
        const u1 = v128.load(pu, 16)
        const x0 = v128.load32_splat(v0 + k)
        const x1 = v128.load32_splat(v0 + inPixel + k)
        const x2 = v128.load32_splat(v0 + 2 * inPixel + k)
        const x3 = v128.load32_splat(v0 + 3 * inPixel + k)
        a00 = f32x4.add(a00, f32x4.mul(x0, u0))
        a01 = f32x4.add(a01, f32x4.mul(x0, u1))
        a10 = f32x4.add(a10, f32x4.mul(x1, u0))
        a11 = f32x4.add(a11, f32x4.mul(x1, u1))
        a20 = f32x4.add(a20, f32x4.mul(x2, u0))
        a21 = f32x4.add(a21, f32x4.mul(x2, u1))
        a30 = f32x4.add(a30, f32x4.mul(x3, u0))
        a31 = f32x4.add(a31, f32x4.mul(x3, u1))
        pu += outPixel
      }
      const o = out + n
      v128.store(o, a00)
      v128.store(o, a01, 16)
      v128.store(o + outPixel, a10)
      v128.store(o + outPixel, a11, 16)
      v128.store(o + 2 * outPixel, a20)
      v128.store(o + 2 * outPixel, a21, 16)
      v128.store(o + 3 * outPixel, a30)
      v128.store(o + 3 * outPixel, a31, 16)
    }
    if (wide < outPixel) {
      let a0 = f32x4.splat(0),
        a1 = f32x4.splat(0),
        a2 = f32x4.splat(0),
        a3 = f32x4.splat(0)
      let pu = u + wide
      for (let k: usize = 0; k < inPixel; k += 4) {
        const u0 = v128.load(pu)
        a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(v0 + k), u0))
        a1 = f32x4.add(a1, f32x4.mul(v128.load32_splat(v0 + inPixel + k), u0))
        a2 = f32x4.add(a2, f32x4.mul(v128.load32_splat(v0 + 2 * inPixel + k), u0))
        a3 = f32x4.add(a3, f32x4.mul(v128.load32_splat(v0 + 3 * inPixel + k), u0))
        pu += outPixel
      }
      const o = out + wide
      v128.store(o, a0)
      v128.store(o + outPixel, a1)
      v128.store(o + 2 * outPixel, a2)
      v128.store(o + 3 * outPixel, a3)
    }
  }
}

/** y = Aᵀ M A for one tile, 4 channels at a time, storing only the outputs inside the image. */
function transformOutput(
  m: usize,
  plane: usize,
  out: usize,
  outRow: usize,
  outPixel: usize,
  secondRow: bool,
  secondColumn: bool,
): void {
  for (let q: usize = 0; q < outPixel; q += 16) {
    const p = m + q
    // s0j = m0j + m1j + m2j, s1j = m1j − m2j − m3j (rows of Aᵀ M)
    const s00 = rowSum(p, plane, 0)
    const s01 = rowSum(p, plane, 1)
    const s02 = rowSum(p, plane, 2)
    const s03 = rowSum(p, plane, 3)
    const s10 = rowDifference(p, plane, 0)
    const s11 = rowDifference(p, plane, 1)
    const s12 = rowDifference(p, plane, 2)
    const s13 = rowDifference(p, plane, 3)
    const o = out + q
    v128.store(o, f32x4.add(f32x4.add(s00, s01), s02))
    if (secondColumn) v128.store(o + outPixel, f32x4.sub(f32x4.sub(s01, s02), s03))
    if (secondRow) {
      v128.store(o + outRow, f32x4.add(f32x4.add(s10, s11), s12))
      if (secondColumn) v128.store(o + outRow + outPixel, f32x4.sub(f32x4.sub(s11, s12), s13))
    }
  }
}

function rowSum(p: usize, plane: usize, j: usize): v128 {
  return f32x4.add(f32x4.add(v128.load(p + j * plane), v128.load(p + (4 + j) * plane)), v128.load(p + (8 + j) * plane))
}

function rowDifference(p: usize, plane: usize, j: usize): v128 {
  return f32x4.sub(
    f32x4.sub(v128.load(p + (4 + j) * plane), v128.load(p + (8 + j) * plane)),
    v128.load(p + (12 + j) * plane),
  )
}

/**
 * The filter gradient of the same convolution, by the same transforms: with M = U ⊙ V per tile,
 * dM = A dy Aᵀ, dU = Σ_tiles dM ⊙ V, and dw = Gᵀ dU G. xp is the padded input as for
 * winogradConv, dy [batch, outH, outW, co], dw [3, 3, ci, co]. `v`, `m` are scratch of
 * 16·tiles·ci and 16·tiles·co floats, `acc` of 16·ci·co.
 */
export function winogradFilterGrad(
  xp: usize,
  dy: usize,
  dw: usize,
  batch: i32,
  hp: i32,
  wp: i32,
  ci: i32,
  outH: i32,
  outW: i32,
  co: i32,
  v: usize,
  m: usize,
  acc: usize,
  tiles: i32,
): void {
  const tilesH = (outH + 1) >> 1
  const tilesW = (outW + 1) >> 1
  const perImage = tilesH * tilesW
  const total = batch * perImage
  const inPixel = (<usize>ci) << 2
  const outPixel = (<usize>co) << 2
  const inRow = <usize>wp * inPixel
  const vPlane = <usize>tiles * inPixel
  const mPlane = <usize>tiles * outPixel
  const uPlane = <usize>ci * outPixel
  memory.fill(acc, 0, 16 * uPlane)
  for (let first = 0; first < total; first += tiles) {
    const n = min(tiles, total - first)
    transformInputs(xp, v, first, n, perImage, tilesW, hp, inRow, inPixel, vPlane)
    for (let t = 0; t < n; t++) {
      const g = first + t
      const b = g / perImage
      const th = (g - b * perImage) / tilesW
      const tw = g - b * perImage - th * tilesW
      const oh = 2 * th
      const ow = 2 * tw
      const at = dy + <usize>((b * outH + oh) * outW + ow) * outPixel
      transformGradient(
        at,
        <usize>outW * outPixel,
        outPixel,
        m + <usize>t * outPixel,
        mPlane,
        oh + 1 < outH,
        ow + 1 < outW,
      )
    }
    for (let xi: usize = 0; xi < 16; xi++) {
      accumulateTiles(v + xi * vPlane, m + xi * mPlane, acc + xi * uPlane, n, ci, co)
    }
  }
  transformFilterGradient(acc, dw, uPlane)
}

/** dM = A dy Aᵀ for one tile's 2×2 output gradient (zeros outside the image), 4 channels at a time. */
function transformGradient(
  dy: usize,
  outRow: usize,
  outPixel: usize,
  m: usize,
  plane: usize,
  secondRow: bool,
  secondColumn: bool,
): void {
  const zero = f32x4.splat(0)
  for (let q: usize = 0; q < outPixel; q += 16) {
    const a = v128.load(dy + q)
    const b = secondColumn ? v128.load(dy + outPixel + q) : zero
    const c = secondRow ? v128.load(dy + outRow + q) : zero
    const d = secondRow && secondColumn ? v128.load(dy + outRow + outPixel + q) : zero
    // Rows of A dy: [a, b], [a + c, b + d], [a − c, b − d], [−c, −d]; then each row [p, q] · Aᵀ.
    const o = m + q
    gradientRow(a, b, o, plane)
    gradientRow(f32x4.add(a, c), f32x4.add(b, d), o + 4 * plane, plane)
    gradientRow(f32x4.sub(a, c), f32x4.sub(b, d), o + 8 * plane, plane)
    gradientRow(f32x4.neg(c), f32x4.neg(d), o + 12 * plane, plane)
  }
}

/** [p, q] · Aᵀ = [p, p + q, p − q, −q], at out + j·plane. */
function gradientRow(p: v128, q: v128, out: usize, plane: usize): void {
  v128.store(out, p)
  v128.store(out + plane, f32x4.add(p, q))
  v128.store(out + 2 * plane, f32x4.sub(p, q))
  v128.store(out + 3 * plane, f32x4.neg(q))
}

/** acc [ci, co] += v [n, ci]ᵀ · m [n, co], in blocks of 4 input × 8 (or 4) output channels. */
function accumulateTiles(v: usize, m: usize, acc: usize, n: i32, ci: i32, co: i32): void {
  const inPixel = (<usize>ci) << 2
  const outPixel = (<usize>co) << 2
  const wide = outPixel & ~(<usize>31)
  const steps = <usize>n
  for (let r: usize = 0; r < inPixel; r += 16) {
    const out = acc + (r >> 2) * outPixel
    for (let c: usize = 0; c < wide; c += 32) {
      const o = out + c
      let a00 = v128.load(o),
        a01 = v128.load(o, 16),
        a10 = v128.load(o + outPixel),
        a11 = v128.load(o + outPixel, 16),
        a20 = v128.load(o + 2 * outPixel),
        a21 = v128.load(o + 2 * outPixel, 16),
        a30 = v128.load(o + 3 * outPixel),
        a31 = v128.load(o + 3 * outPixel, 16)
      let pv = v + r
      let pm = m + c
      for (let k: usize = 0; k < steps; k++) {
        const m0 = v128.load(pm)
        const m1 = v128.load(pm, 16)
        const x0 = v128.load32_splat(pv)
        const x1 = v128.load32_splat(pv, 4)
        const x2 = v128.load32_splat(pv, 8)
        const x3 = v128.load32_splat(pv, 12)
        a00 = f32x4.add(a00, f32x4.mul(x0, m0))
        a01 = f32x4.add(a01, f32x4.mul(x0, m1))
        a10 = f32x4.add(a10, f32x4.mul(x1, m0))
        a11 = f32x4.add(a11, f32x4.mul(x1, m1))
        a20 = f32x4.add(a20, f32x4.mul(x2, m0))
        a21 = f32x4.add(a21, f32x4.mul(x2, m1))
        a30 = f32x4.add(a30, f32x4.mul(x3, m0))
        a31 = f32x4.add(a31, f32x4.mul(x3, m1))
        pv += inPixel
        pm += outPixel
      }
      v128.store(o, a00)
      v128.store(o, a01, 16)
      v128.store(o + outPixel, a10)
      v128.store(o + outPixel, a11, 16)
      v128.store(o + 2 * outPixel, a20)
      v128.store(o + 2 * outPixel, a21, 16)
      v128.store(o + 3 * outPixel, a30)
      v128.store(o + 3 * outPixel, a31, 16)
    }
    if (wide < outPixel) {
      const o = out + wide
      let a0 = v128.load(o),
        a1 = v128.load(o + outPixel),
        a2 = v128.load(o + 2 * outPixel),
        a3 = v128.load(o + 3 * outPixel)
      let pv = v + r
      let pm = m + wide
      for (let k: usize = 0; k < steps; k++) {
        const m0 = v128.load(pm)
        a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(pv), m0))
        a1 = f32x4.add(a1, f32x4.mul(v128.load32_splat(pv, 4), m0))
        a2 = f32x4.add(a2, f32x4.mul(v128.load32_splat(pv, 8), m0))
        a3 = f32x4.add(a3, f32x4.mul(v128.load32_splat(pv, 12), m0))
        pv += inPixel
        pm += outPixel
      }
      v128.store(o, a0)
      v128.store(o + outPixel, a1)
      v128.store(o + 2 * outPixel, a2)
      v128.store(o + 3 * outPixel, a3)
    }
  }
}

/** dw = Gᵀ dU G for every (ci, co): du [16, ci, co] → dw [3, 3, ci, co]; du is overwritten. */
function transformFilterGradient(du: usize, dw: usize, plane: usize): void {
  const half = f32x4.splat(0.5)
  for (let o: usize = 0; o < plane; o += 16) {
    for (let j: usize = 0; j < 4; j++) {
      // Column j of Gᵀ dU, into rows 0..2 of du: h0 = u0 + (u1 + u2)/2, h1 = (u1 − u2)/2, h2 = (u1 + u2)/2 + u3.
      const u0 = v128.load(du + j * plane + o)
      const u1 = v128.load(du + (4 + j) * plane + o)
      const u2 = v128.load(du + (8 + j) * plane + o)
      const u3 = v128.load(du + (12 + j) * plane + o)
      const s = f32x4.mul(f32x4.add(u1, u2), half)
      v128.store(du + j * plane + o, f32x4.add(u0, s))
      v128.store(du + (4 + j) * plane + o, f32x4.mul(f32x4.sub(u1, u2), half))
      v128.store(du + (8 + j) * plane + o, f32x4.add(s, u3))
    }
    for (let i: usize = 0; i < 3; i++) {
      // Row i of (Gᵀ dU) G, the same combination along the columns.
      const h0 = v128.load(du + 4 * i * plane + o)
      const h1 = v128.load(du + (4 * i + 1) * plane + o)
      const h2 = v128.load(du + (4 * i + 2) * plane + o)
      const h3 = v128.load(du + (4 * i + 3) * plane + o)
      const s = f32x4.mul(f32x4.add(h1, h2), half)
      v128.store(dw + 3 * i * plane + o, f32x4.add(h0, s))
      v128.store(dw + (3 * i + 1) * plane + o, f32x4.mul(f32x4.sub(h1, h2), half))
      v128.store(dw + (3 * i + 2) * plane + o, f32x4.add(s, h3))
    }
  }
}

// Recurrent layers (LSTM, GRU) over whole sequences. TensorFlow.js runs a recurrent layer as a
// dozen small ops per time step forward and three dozen backward, whose dispatch costs more than
// their arithmetic at a batch of 32 and 64 units. These kernels run the whole time loop in one
// call: the inputs' products x·W + b for every step come in precomputed (one large matrix product,
// as do the weight gradients afterwards), so each step is its recurrent product and the gates.
// Tensors are [batch, steps, width], the layout of the layer's input and of its sequence output.
// Widths (units) must be multiples of 8; the layers fall back to TensorFlow.js's cells otherwise.

/**
 * c[rows × cols] += a[rows × k] · b[k × cols], with row strides lda, ldb, ldc (floats) and a's
 * stride along k, ak (1, or lda's role swapped for aᵀ); cols a multiple of 8. Four rows share each
 * load of b: 8 accumulators of 4 floats.
 */
function gemmAcc(
  a: usize,
  lda: i32,
  ak: i32,
  b: usize,
  ldb: i32,
  c: usize,
  ldc: i32,
  rows: i32,
  k: i32,
  cols: i32,
): void {
  const la = (<usize>lda) << 2
  const lb = (<usize>ldb) << 2
  const lc = (<usize>ldc) << 2
  const step = (<usize>ak) << 2
  const colBytes = (<usize>cols) << 2
  const kBytes = <usize>k * step
  let r: i32 = 0
  for (; r + 4 <= rows; r += 4) {
    const a0 = a + <usize>r * la
    const a1 = a0 + la
    const a2 = a1 + la
    const a3 = a2 + la
    const c0 = c + <usize>r * lc
    const c1 = c0 + lc
    const c2 = c1 + lc
    const c3 = c2 + lc
    for (let j: usize = 0; j < colBytes; j += 32) {
      let s00 = v128.load(c0 + j)
      let s01 = v128.load(c0 + j + 16)
      let s10 = v128.load(c1 + j)
      let s11 = v128.load(c1 + j + 16)
      let s20 = v128.load(c2 + j)
      let s21 = v128.load(c2 + j + 16)
      let s30 = v128.load(c3 + j)
      let s31 = v128.load(c3 + j + 16)
      let pb = b + j
      for (let q: usize = 0; q < kBytes; q += step) {
        const b0 = v128.load(pb)
        const b1 = v128.load(pb + 16)
        const x0 = v128.load32_splat(a0 + q)
        const x1 = v128.load32_splat(a1 + q)
        const x2 = v128.load32_splat(a2 + q)
        const x3 = v128.load32_splat(a3 + q)
        s00 = f32x4.add(s00, f32x4.mul(x0, b0))
        s01 = f32x4.add(s01, f32x4.mul(x0, b1))
        s10 = f32x4.add(s10, f32x4.mul(x1, b0))
        s11 = f32x4.add(s11, f32x4.mul(x1, b1))
        s20 = f32x4.add(s20, f32x4.mul(x2, b0))
        s21 = f32x4.add(s21, f32x4.mul(x2, b1))
        s30 = f32x4.add(s30, f32x4.mul(x3, b0))
        s31 = f32x4.add(s31, f32x4.mul(x3, b1))
        pb += lb
      }
      v128.store(c0 + j, s00)
      v128.store(c0 + j + 16, s01)
      v128.store(c1 + j, s10)
      v128.store(c1 + j + 16, s11)
      v128.store(c2 + j, s20)
      v128.store(c2 + j + 16, s21)
      v128.store(c3 + j, s30)
      v128.store(c3 + j + 16, s31)
    }
  }
  for (; r < rows; r++) {
    const a0 = a + <usize>r * la
    const c0 = c + <usize>r * lc
    for (let j: usize = 0; j < colBytes; j += 32) {
      let s00 = v128.load(c0 + j)
      let s01 = v128.load(c0 + j + 16)
      let pb = b + j
      for (let q: usize = 0; q < kBytes; q += step) {
        const x0 = v128.load32_splat(a0 + q)
        s00 = f32x4.add(s00, f32x4.mul(x0, v128.load(pb)))
        s01 = f32x4.add(s01, f32x4.mul(x0, v128.load(pb + 16)))
        pb += lb
      }
      v128.store(c0 + j, s00)
      v128.store(c0 + j + 16, s01)
    }
  }
}

/** Rows [rows × cols] of floats set to zero, at row stride ld. */
function zeroRows(p: usize, ld: i32, rows: i32, cols: i32): void {
  for (let r: i32 = 0; r < rows; r++) memory.fill(p + ((<usize>r * <usize>ld) << 2), 0, (<usize>cols) << 2)
}

/** t [cols × rows] = m [rows × cols]ᵀ. */
function transpose(m: usize, t: usize, rows: i32, cols: i32): void {
  for (let r: i32 = 0; r < rows; r++) {
    for (let j: i32 = 0; j < cols; j++) {
      store<f32>(
        t + ((<usize>j * <usize>rows + <usize>r) << 2),
        load<f32>(m + ((<usize>r * <usize>cols + <usize>j) << 2)),
      )
    }
  }
}

/**
 * tanh of 4 floats: the rational approximation Eigen uses for float tanh (degree 13 / 6 on the
 * input clamped to ±7.905, where tanh is 1 in float32), within 4e-7 of tanh: the scalar Mathf.tanh
 * took half of an LSTM's time loop.
 */
function tanh4(x: v128): v128 {
  const limit = f32x4.splat(<f32>7.90531110763549805)
  const v = f32x4.min(f32x4.max(x, f32x4.neg(limit)), limit)
  const x2 = f32x4.mul(v, v)
  let p = f32x4.splat(<f32>-2.76076847742355e-16)
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(<f32>2.00018790482477e-13))
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(<f32>-8.60467152213735e-11))
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(<f32>5.12229709037114e-8))
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(<f32>1.48572235717979e-5))
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(<f32>6.37261928875436e-4))
  p = f32x4.add(f32x4.mul(p, x2), f32x4.splat(<f32>4.89352455891786e-3))
  p = f32x4.mul(p, v)
  let q = f32x4.splat(<f32>1.19825839466702e-6)
  q = f32x4.add(f32x4.mul(q, x2), f32x4.splat(<f32>1.18534705686654e-4))
  q = f32x4.add(f32x4.mul(q, x2), f32x4.splat(<f32>2.268434632439e-3))
  q = f32x4.add(f32x4.mul(q, x2), f32x4.splat(<f32>4.89352518554385e-3))
  return f32x4.div(p, q)
}

/** Gates of 4 floats: Keras's hard sigmoid clip(0.2x + 0.5, 0, 1) (hard ≠ 0), else the logistic sigmoid. */
function gate4(x: v128, hard: i32): v128 {
  const half = f32x4.splat(<f32>0.5)
  if (hard) {
    const ramp = f32x4.add(f32x4.mul(f32x4.splat(<f32>0.2), x), half)
    return f32x4.min(f32x4.splat(<f32>1), f32x4.max(f32x4.splat(<f32>0), ramp))
  }
  return f32x4.add(half, f32x4.mul(half, tanh4(f32x4.mul(half, x))))
}

/** Gates' derivatives from their values s (the hard sigmoid's is 0.2 inside its ramp, 0 outside). */
function gateSlope4(s: v128, hard: i32): v128 {
  const one = f32x4.splat(<f32>1)
  if (hard) {
    const inside = v128.and(f32x4.gt(s, f32x4.splat(<f32>0)), f32x4.lt(s, one))
    return v128.and(f32x4.splat(<f32>0.2), inside)
  }
  return f32x4.mul(s, f32x4.sub(one, s))
}

/** The time index of processing step s (a layer that reads backwards starts at the end). */
function stepTime(s: i32, steps: i32, reverse: i32): i32 {
  return reverse ? steps - 1 - s : s
}

/**
 * An LSTM (gates i, f, c, o, as Keras orders them) over a sequence: from x [batch, steps,
 * features], the kernel w [features, 4u], the bias [4u] and the recurrent kernel u4 [u, 4u], the outputs h [batch, steps, u], the cell states
 * c [batch, steps, u] and the gates' values [batch, steps, 4u] (i, f, tanh c̃, o) that the
 * backward pass reuses. `z` is scratch for batch × 4u floats.
 */
export function lstmForward(
  x: usize,
  w: usize,
  bias: usize,
  u4: usize,
  h: usize,
  c: usize,
  gates: usize,
  z: usize,
  batch: i32,
  steps: i32,
  features: i32,
  units: i32,
  reverse: i32,
  hard: i32,
): void {
  const g = 4 * units
  const gBytes = (<usize>g) << 2
  const uBytes = (<usize>units) << 2
  const fBytes = (<usize>features) << 2
  const zero = f32x4.splat(0)
  for (let s: i32 = 0; s < steps; s++) {
    const t = stepTime(s, steps, reverse)
    const tp = reverse ? t + 1 : t - 1
    for (let b: i32 = 0; b < batch; b++) memory.copy(z + <usize>b * gBytes, bias, gBytes)
    gemmAcc(x + <usize>t * fBytes, steps * features, 1, w, g, z, g, batch, features, g)
    if (s > 0) gemmAcc(h + <usize>tp * uBytes, steps * units, 1, u4, g, z, g, batch, units, g)
    for (let b: i32 = 0; b < batch; b++) {
      const zr = z + <usize>b * gBytes
      const row = <usize>(b * steps + t)
      const ar = gates + row * gBytes
      const hr = h + row * uBytes
      const cr = c + row * uBytes
      const cp = c + <usize>(b * steps + tp) * uBytes
      for (let o: usize = 0; o < uBytes; o += 16) {
        const i = gate4(v128.load(zr + o), hard)
        const f = gate4(v128.load(zr + uBytes + o), hard)
        const cc = tanh4(v128.load(zr + 2 * uBytes + o))
        const og = gate4(v128.load(zr + 3 * uBytes + o), hard)
        const previous = s > 0 ? v128.load(cp + o) : zero
        const cell = f32x4.add(f32x4.mul(f, previous), f32x4.mul(i, cc))
        v128.store(cr + o, cell)
        v128.store(hr + o, f32x4.mul(og, tanh4(cell)))
        v128.store(ar + o, i)
        v128.store(ar + uBytes + o, f)
        v128.store(ar + 2 * uBytes + o, cc)
        v128.store(ar + 3 * uBytes + o, og)
      }
    }
  }
}

/**
 * The LSTM's backward pass through time: from dh [batch, steps, u] (the gradient of every output)
 * and the forward pass's h, c and gates, the gradient of the gates' inputs dz [batch, steps, 4u]
 * (x's gradient is dz·Wᵀ), and the gradients of the kernel dw [features, 4u], the recurrent
 * kernel du [u, 4u] and the bias dbias [4u], each step's share added while its dz is in cache.
 * Scratch: ut (4u × u floats, the recurrent kernel transposed), carryH and carryC (batch × u each).
 */
export function lstmBackward(
  dh: usize,
  x: usize,
  u4: usize,
  h: usize,
  c: usize,
  gates: usize,
  dz: usize,
  dw: usize,
  du: usize,
  dbias: usize,
  ut: usize,
  carryH: usize,
  carryC: usize,
  batch: i32,
  steps: i32,
  features: i32,
  units: i32,
  reverse: i32,
  hard: i32,
): void {
  const g = 4 * units
  const gBytes = (<usize>g) << 2
  const uBytes = (<usize>units) << 2
  const fBytes = (<usize>features) << 2
  const zero = f32x4.splat(0)
  const one = f32x4.splat(1)
  transpose(u4, ut, units, g)
  memory.fill(dbias, 0, gBytes)
  memory.fill(dw, 0, <usize>features * gBytes)
  memory.fill(du, 0, <usize>units * gBytes)
  memory.fill(carryH, 0, <usize>batch * uBytes)
  memory.fill(carryC, 0, <usize>batch * uBytes)
  for (let s: i32 = steps - 1; s >= 0; s--) {
    const t = stepTime(s, steps, reverse)
    const tp = reverse ? t + 1 : t - 1
    for (let b: i32 = 0; b < batch; b++) {
      const row = <usize>(b * steps + t)
      const previousRow = <usize>(b * steps + tp)
      const ar = gates + row * gBytes
      const zr = dz + row * gBytes
      const ch = carryH + <usize>b * uBytes
      const cc = carryC + <usize>b * uBytes
      for (let o: usize = 0; o < uBytes; o += 16) {
        const i = v128.load(ar + o)
        const f = v128.load(ar + uBytes + o)
        const candidate = v128.load(ar + 2 * uBytes + o)
        const og = v128.load(ar + 3 * uBytes + o)
        const tc = tanh4(v128.load(c + row * uBytes + o))
        const previousC = s > 0 ? v128.load(c + previousRow * uBytes + o) : zero
        const dhv = f32x4.add(v128.load(ch + o), v128.load(dh + row * uBytes + o))
        const dcv = f32x4.add(v128.load(cc + o), f32x4.mul(f32x4.mul(dhv, og), f32x4.sub(one, f32x4.mul(tc, tc))))
        const di = f32x4.mul(f32x4.mul(dcv, candidate), gateSlope4(i, hard))
        const df = f32x4.mul(f32x4.mul(dcv, previousC), gateSlope4(f, hard))
        const dc = f32x4.mul(f32x4.mul(dcv, i), f32x4.sub(one, f32x4.mul(candidate, candidate)))
        const dO = f32x4.mul(f32x4.mul(dhv, tc), gateSlope4(og, hard))
        v128.store(zr + o, di)
        v128.store(zr + uBytes + o, df)
        v128.store(zr + 2 * uBytes + o, dc)
        v128.store(zr + 3 * uBytes + o, dO)
        v128.store(dbias + o, f32x4.add(v128.load(dbias + o), di))
        v128.store(dbias + uBytes + o, f32x4.add(v128.load(dbias + uBytes + o), df))
        v128.store(dbias + 2 * uBytes + o, f32x4.add(v128.load(dbias + 2 * uBytes + o), dc))
        v128.store(dbias + 3 * uBytes + o, f32x4.add(v128.load(dbias + 3 * uBytes + o), dO))
        v128.store(cc + o, f32x4.mul(dcv, f))
      }
    }
    // This step's share of the weight gradients, while dz_t is in cache: W += x_tᵀ·dz_t, U += h_{t−1}ᵀ·dz_t.
    gemmAcc(x + <usize>t * fBytes, 1, steps * features, dz + <usize>t * gBytes, steps * g, dw, g, features, batch, g)
    if (s > 0) {
      gemmAcc(h + <usize>tp * uBytes, 1, steps * units, dz + <usize>t * gBytes, steps * g, du, g, units, batch, g)
      zeroRows(carryH, units, batch, units)
      gemmAcc(dz + <usize>t * gBytes, steps * g, 1, ut, units, carryH, units, batch, g, units)
    }
  }
}

/**
 * A GRU in Keras's original form (gates z, r and the candidate h̃; the reset gate applied to the
 * state before its product: h̃ = tanh(x·Wh + (r ⊙ h)·Uh + bh); h' = z ⊙ h + (1 − z) ⊙ h̃) over a
 * sequence: from x [batch, steps, features], the kernel w [features, 3u], the bias [3u] and the
 * recurrent kernel u3 [u, 3u], the outputs h
 * [batch, steps, u], r ⊙ h of each step rh [batch, steps, u] and the gates' values [batch, steps,
 * 3u] (z, r, h̃). `z` is scratch for batch × 3u floats.
 */
export function gruForward(
  x: usize,
  w: usize,
  bias: usize,
  u3: usize,
  h: usize,
  rh: usize,
  gates: usize,
  z: usize,
  batch: i32,
  steps: i32,
  features: i32,
  units: i32,
  reverse: i32,
  hard: i32,
): void {
  const g = 3 * units
  const gBytes = (<usize>g) << 2
  const uBytes = (<usize>units) << 2
  const fBytes = (<usize>features) << 2
  const zero = f32x4.splat(0)
  const one = f32x4.splat(1)
  for (let s: i32 = 0; s < steps; s++) {
    const t = stepTime(s, steps, reverse)
    const tp = reverse ? t + 1 : t - 1
    for (let b: i32 = 0; b < batch; b++) memory.copy(z + <usize>b * gBytes, bias, gBytes)
    gemmAcc(x + <usize>t * fBytes, steps * features, 1, w, g, z, g, batch, features, g)
    if (s > 0) gemmAcc(h + <usize>tp * uBytes, steps * units, 1, u3, g, z, g, batch, units, 2 * units)
    for (let b: i32 = 0; b < batch; b++) {
      const row = <usize>(b * steps + t)
      const zr = z + <usize>b * gBytes
      const ar = gates + row * gBytes
      const hpr = h + <usize>(b * steps + tp) * uBytes
      for (let o: usize = 0; o < uBytes; o += 16) {
        const update = gate4(v128.load(zr + o), hard)
        const reset = gate4(v128.load(zr + uBytes + o), hard)
        const previous = s > 0 ? v128.load(hpr + o) : zero
        v128.store(ar + o, update)
        v128.store(ar + uBytes + o, reset)
        v128.store(rh + row * uBytes + o, f32x4.mul(reset, previous))
      }
    }
    if (s > 0) {
      gemmAcc(rh + <usize>t * uBytes, steps * units, 1, u3 + 2 * uBytes, g, z + 2 * uBytes, g, batch, units, units)
    }
    for (let b: i32 = 0; b < batch; b++) {
      const row = <usize>(b * steps + t)
      const zr = z + <usize>b * gBytes
      const ar = gates + row * gBytes
      const hpr = h + <usize>(b * steps + tp) * uBytes
      for (let o: usize = 0; o < uBytes; o += 16) {
        const candidate = tanh4(v128.load(zr + 2 * uBytes + o))
        const update = v128.load(ar + o)
        const previous = s > 0 ? v128.load(hpr + o) : zero
        v128.store(ar + 2 * uBytes + o, candidate)
        v128.store(
          h + row * uBytes + o,
          f32x4.add(f32x4.mul(update, previous), f32x4.mul(f32x4.sub(one, update), candidate)),
        )
      }
    }
  }
}

/**
 * The GRU's backward pass through time: from dh [batch, steps, u] and the forward pass's h,
 * r ⊙ h and gates, dz [batch, steps, 3u] (x's gradient is dz·Wᵀ) and the gradients of the kernel
 * dw [features, 3u], the recurrent kernel du [u, 3u] and the bias dbias [3u]. Scratch: ut
 * (3u × u), carryH and carryRh (batch × u each).
 */
export function gruBackward(
  dh: usize,
  x: usize,
  u3: usize,
  h: usize,
  rh: usize,
  gates: usize,
  dz: usize,
  dw: usize,
  du: usize,
  dbias: usize,
  ut: usize,
  carryH: usize,
  carryRh: usize,
  batch: i32,
  steps: i32,
  features: i32,
  units: i32,
  reverse: i32,
  hard: i32,
): void {
  const g = 3 * units
  const gBytes = (<usize>g) << 2
  const uBytes = (<usize>units) << 2
  const fBytes = (<usize>features) << 2
  const zero = f32x4.splat(0)
  const one = f32x4.splat(1)
  transpose(u3, ut, units, g)
  memory.fill(dbias, 0, gBytes)
  memory.fill(dw, 0, <usize>features * gBytes)
  memory.fill(du, 0, <usize>units * gBytes)
  memory.fill(carryH, 0, <usize>batch * uBytes)
  for (let s: i32 = steps - 1; s >= 0; s--) {
    const t = stepTime(s, steps, reverse)
    const tp = reverse ? t + 1 : t - 1
    for (let b: i32 = 0; b < batch; b++) {
      const row = <usize>(b * steps + t)
      const ar = gates + row * gBytes
      const zr = dz + row * gBytes
      const ch = carryH + <usize>b * uBytes
      const hpr = h + <usize>(b * steps + tp) * uBytes
      for (let o: usize = 0; o < uBytes; o += 16) {
        const update = v128.load(ar + o)
        const candidate = v128.load(ar + 2 * uBytes + o)
        const previous = s > 0 ? v128.load(hpr + o) : zero
        const dhv = f32x4.add(v128.load(ch + o), v128.load(dh + row * uBytes + o))
        const dUpdate = f32x4.mul(f32x4.mul(dhv, f32x4.sub(previous, candidate)), gateSlope4(update, hard))
        const dCandidate = f32x4.mul(
          f32x4.mul(dhv, f32x4.sub(one, update)),
          f32x4.sub(one, f32x4.mul(candidate, candidate)),
        )
        v128.store(zr + o, dUpdate)
        v128.store(zr + 2 * uBytes + o, dCandidate)
        v128.store(dbias + o, f32x4.add(v128.load(dbias + o), dUpdate))
        v128.store(dbias + 2 * uBytes + o, f32x4.add(v128.load(dbias + 2 * uBytes + o), dCandidate))
        v128.store(ch + o, f32x4.mul(dhv, update))
      }
    }
    if (s == 0) {
      // The first step's state is zeros: nothing flows into its reset gate or further back.
      for (let b: i32 = 0; b < batch; b++) {
        memory.fill(dz + <usize>(b * steps + t) * gBytes + uBytes, 0, uBytes)
      }
      gemmAcc(x + <usize>t * fBytes, 1, steps * features, dz + <usize>t * gBytes, steps * g, dw, g, features, batch, g)
      continue
    }
    zeroRows(carryRh, units, batch, units)
    const candidateRows = ut + 2 * uBytes * <usize>units
    gemmAcc(
      dz + <usize>t * gBytes + 2 * uBytes,
      steps * g,
      1,
      candidateRows,
      units,
      carryRh,
      units,
      batch,
      units,
      units,
    )
    for (let b: i32 = 0; b < batch; b++) {
      const row = <usize>(b * steps + t)
      const ar = gates + row * gBytes
      const zr = dz + row * gBytes
      const ch = carryH + <usize>b * uBytes
      const cr = carryRh + <usize>b * uBytes
      const hpr = h + <usize>(b * steps + tp) * uBytes
      for (let o: usize = 0; o < uBytes; o += 16) {
        const reset = v128.load(ar + uBytes + o)
        const drh = v128.load(cr + o)
        const dReset = f32x4.mul(f32x4.mul(drh, v128.load(hpr + o)), gateSlope4(reset, hard))
        v128.store(zr + uBytes + o, dReset)
        v128.store(dbias + uBytes + o, f32x4.add(v128.load(dbias + uBytes + o), dReset))
        v128.store(ch + o, f32x4.add(v128.load(ch + o), f32x4.mul(drh, reset)))
      }
    }
    // This step's share of the weight gradients, while dz_t is in cache: W += x_tᵀ·dz_t, the
    // gates' part of U += h_{t−1}ᵀ·dz_t, the candidate's += (r ⊙ h_{t−1})ᵀ·dz_t.
    const dzt = dz + <usize>t * gBytes
    gemmAcc(x + <usize>t * fBytes, 1, steps * features, dzt, steps * g, dw, g, features, batch, g)
    gemmAcc(h + <usize>tp * uBytes, 1, steps * units, dzt, steps * g, du, g, units, batch, 2 * units)
    const candidateGrad = dzt + 2 * uBytes
    gemmAcc(rh + <usize>t * uBytes, 1, steps * units, candidateGrad, steps * g, du + 2 * uBytes, g, units, batch, units)
    gemmAcc(dzt, steps * g, 1, ut, units, carryH, units, batch, 2 * units, units)
  }
}
