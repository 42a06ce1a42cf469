// The SIMD training kernels (simd/assembly/kernels.ts) bound to a wasm backend's heap. Each
// backend instance gets its own instance of the module, importing the backend's memory, so the
// kernels read and write tensors where tfjs-backend-wasm keeps them. Small per-channel inputs
// and outputs go through a scratch block allocated once from the backend's own allocator.
import type * as tf from '@tensorflow/tfjs'
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm'
import { SIMD_KERNELS_WASM_BASE64 } from './kernels-wasm'

type Info = tf.TensorInfo

interface Exports {
  channelSums(a: number, b: number, centre: number, rows: number, c: number, out: number, scratch: number): void
  channelAffine2(a: number, b: number, y: number, rows: number, c: number, p: number, q: number, r: number): void
  maxPoolGradTiled(
    x: number,
    dy: number,
    dx: number,
    batch: number,
    inH: number,
    inW: number,
    c: number,
    outH: number,
    outW: number,
    fh: number,
    fw: number,
  ): void
  reluGrad(dy: number, x: number, dx: number, n: number): void
  adamStep(
    w: number,
    out: number,
    m: number,
    v: number,
    g: number,
    n: number,
    negLr: number,
    beta1: number,
    oneMinusBeta1: number,
    beta2: number,
    oneMinusBeta2: number,
    epsilon: number,
    c1: number,
    c2: number,
  ): void
  filterGradOneChannel(
    xpad: number,
    dy: number,
    dw: number,
    batch: number,
    hp: number,
    wp: number,
    outH: number,
    outW: number,
    fh: number,
    fw: number,
    co: number,
  ): void
  im2colPlanes(
    planes: number,
    out: number,
    c: number,
    batch: number,
    inH: number,
    inW: number,
    fh: number,
    fw: number,
    top: number,
    left: number,
    outH: number,
    outW: number,
  ): void
  winogradFilter(w: number, u: number, ci: number, co: number): void
  padImages(
    x: number,
    xp: number,
    batch: number,
    inH: number,
    inW: number,
    c: number,
    hp: number,
    wp: number,
    top: number,
    left: number,
  ): void
  winogradConv(
    xp: number,
    u: number,
    y: number,
    batch: number,
    hp: number,
    wp: number,
    ci: number,
    outH: number,
    outW: number,
    co: number,
    v: number,
    m: number,
    tiles: number,
  ): void
  winogradFilterGrad(
    xp: number,
    dy: number,
    dw: number,
    batch: number,
    hp: number,
    wp: number,
    ci: number,
    outH: number,
    outW: number,
    co: number,
    v: number,
    m: number,
    acc: number,
    tiles: number,
  ): void
  lstmForward(
    x: number,
    w: number,
    bias: number,
    u4: number,
    h: number,
    c: number,
    gates: number,
    z: number,
    batch: number,
    steps: number,
    features: number,
    units: number,
    reverse: number,
    hard: number,
  ): void
  lstmBackward(
    dh: number,
    x: number,
    u4: number,
    h: number,
    c: number,
    gates: number,
    dz: number,
    dw: number,
    du: number,
    dbias: number,
    ut: number,
    carryH: number,
    carryC: number,
    batch: number,
    steps: number,
    features: number,
    units: number,
    reverse: number,
    hard: number,
  ): void
  gruForward(
    x: number,
    w: number,
    bias: number,
    u3: number,
    h: number,
    rh: number,
    gates: number,
    z: number,
    batch: number,
    steps: number,
    features: number,
    units: number,
    reverse: number,
    hard: number,
  ): void
  gruBackward(
    dh: number,
    x: number,
    u3: number,
    h: number,
    rh: number,
    gates: number,
    dz: number,
    dw: number,
    du: number,
    dbias: number,
    ut: number,
    carryH: number,
    carryRh: number,
    batch: number,
    steps: number,
    features: number,
    units: number,
    reverse: number,
    hard: number,
  ): void
}

/** Output tiles the Winograd kernels transform together (a multiple of 4; 8-24 measured alike). */
const WINOGRAD_TILES = 24

/** Bytes of a transformed block: 16 planes (the positions of a 4×4 tile) of n floats. */
const tileBytes = (n: number): number => 64 * n

/** The geometry of a stride-1 convolution, as `im2colPlanes` needs it. */
export interface PatchGeometry {
  batchSize: number
  inHeight: number
  inWidth: number
  inChannels: number
  filterHeight: number
  filterWidth: number
  outHeight: number
  outWidth: number
  padInfo: { top: number; left: number }
}

interface WasmModule {
  asm?: { memory?: unknown }
  _malloc(bytes: number): number
  _free(pointer: number): void
}

/** SIMD kernels over one wasm backend's tensors; channel counts must be multiples of 4 (`fits`). */
export interface SimdKernels {
  /** Whether tensors with `c` channels in their last axis can use these kernels. */
  fits(c: number): boolean
  /** Per channel Σa and Σa·(b − centre) (centre: a [c] tensor, or zeros), in float64: [sums…, products…]. */
  channelSums(a: Info, b: Info, centre: Info | null, c: number): Float64Array
  /** y = a·p + b·q + r per channel (without b: a·p + r), into the existing tensor y. */
  channelAffine2(
    a: Info,
    b: Info | null,
    y: Info,
    c: number,
    p: Float32Array,
    q: Float32Array | null,
    r: Float32Array,
  ): void
  /**
   * Max pooling's gradient of x [batch, inH, inW, c] into dx, for fh × fw windows that tile the
   * input (stride = window, no padding) into outH × outW.
   */
  maxPoolGradTiled(x: Info, dy: Info, dx: Info, outH: number, outW: number, fh: number, fw: number): void
  /**
   * A stride-1 convolution's transposed patches, out [(kh, kw, c), (b, oh, ow)], from its input
   * laid out as planes [c, b, inH, inW]; any channel count.
   */
  im2colPlanes(planes: Info, out: Info, g: PatchGeometry): void
  /**
   * A 3×3 stride-1 convolution by Winograd F(2×2, 3×3): x [batch, inH, inW, ci] padded by
   * (top, left) with zeros, filter [3, 3, ci, co], into y [batch, outH, outW, co]; ci and co
   * multiples of 4 (`fits`).
   */
  winogradConv(x: Info, filter: Info, y: Info, top: number, left: number): void
  /** The filter gradient of that convolution, dw [3, 3, ci, co], from x and dy [batch, outH, outW, co]. */
  winogradFilterGrad(x: Info, dy: Info, dw: Info, top: number, left: number): void
  /** ReLU's gradient (dy where x > 0) into dx; sizes a multiple of 4 (`fits`). */
  reluGrad(dy: Info, x: Info, dx: Info): void
  /**
   * The filter gradient dW [fh, fw, 1, co] of a stride-1 convolution over a one-channel input
   * (co a multiple of 16), into dw.
   */
  filterGradOneChannel(x: Info, dy: Info, dw: Info, g: PatchGeometry): void
  /**
   * One Adam step: the new weights into `out`, the moments m and v updated in place (float32
   * scalars as tfjs rounds them).
   */
  adamStep(w: Info, out: Info, m: Info, v: Info, g: Info, p: AdamScalars): void
  /** How many tensors share this tensor's memory (1: it alone). */
  references(info: Info): number
  /**
   * A recurrent layer's whole time loop (`recurrentFits(units)`): from x [batch, steps, features],
   * the kernel [features, g·u] (g = 4 for an LSTM, 3 for a GRU), the bias [g·u] and the recurrent
   * kernel [u, g·u], the outputs h [batch, steps, u], the state the backward pass needs (an LSTM's
   * cell states, a GRU's r ⊙ h, [batch, steps, u]) and the gates' values [batch, steps, g·u].
   */
  recurrentForward(
    cell: RecurrentCell,
    weights: RecurrentWeightInfos,
    out: RecurrentOutputs,
    flags: RecurrentFlags,
  ): void
  /**
   * Its backward pass through time: from dh [batch, steps, u] (every output's gradient), x and the
   * forward outputs, dz [batch, steps, g·u] (the gates' inputs' gradient; x's is dz·Wᵀ) and the
   * weights' gradients.
   */
  recurrentBackward(
    cell: RecurrentCell,
    dh: Info,
    x: Info,
    recurrent: Info,
    forward: RecurrentOutputs,
    grads: RecurrentGrads,
    flags: RecurrentFlags,
  ): void
}

/** A recurrent layer's input and weights on the heap. */
export interface RecurrentWeightInfos {
  x: Info
  kernel: Info
  bias: Info
  recurrent: Info
}

/** The backward pass's outputs: the gates' inputs' gradient and the weights'. */
export interface RecurrentGrads {
  dz: Info
  kernel: Info
  recurrent: Info
  bias: Info
}

/** The recurrent cells the SIMD kernels run. */
export type RecurrentCell = 'lstm' | 'gru'

/** A recurrent layer's outputs: h, an LSTM's cell states or a GRU's r ⊙ h, the gates' values. */
export interface RecurrentOutputs {
  h: Info
  state: Info
  gates: Info
}

/** How a recurrent layer reads its sequence and computes its gates. */
export interface RecurrentFlags {
  reverse: boolean
  hardSigmoid: boolean
}

/** Units the recurrent kernels take: their products run 8 floats at a time. */
export const recurrentFits = (units: number): boolean => units > 0 && units % 8 === 0

/** Adam's scalars for one step: c₁ = 1 − β₁ᵗ and c₂ = 1 − β₂ᵗ. */
export interface AdamScalars {
  learningRate: number
  beta1: number
  beta2: number
  epsilon: number
  c1: number
  c2: number
}

/** The WebAssembly API (its value, which Node's typings under this lib setting leave out). */
interface WasmApi {
  Memory: abstract new (...args: never[]) => { buffer: ArrayBuffer }
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: object) => { exports: unknown }
}
const WebAssemblyApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly

let compiled: object | null = null
const bound = new WeakMap<object, SimdKernels | null>()

/** The kernels for this backend, or null where it is not a wasm backend whose memory can be shared. */
export function simdKernels(backend: tf.KernelBackend): SimdKernels | null {
  const known = bound.get(backend)
  if (known !== undefined) return known
  const kernels = bind(backend)
  bound.set(backend, kernels)
  return kernels
}

function bind(backend: tf.KernelBackend): SimdKernels | null {
  if (!('dataIdMap' in backend) || !('wasm' in backend)) return null
  const wasm = (backend as unknown as { wasm: WasmModule }).wasm
  const memory = wasm.asm?.memory
  if (!(memory instanceof WebAssemblyApi.Memory)) return null
  compiled ??= new WebAssemblyApi.Module(Buffer.from(SIMD_KERNELS_WASM_BASE64, 'base64'))
  const k = new WebAssemblyApi.Instance(compiled, { env: { memory } }).exports as unknown as Exports
  const heap = backend as unknown as BackendWasm
  const at = (info: Info): number => heap.dataIdMap.get(info.dataId).memoryOffset
  let scratch = 0
  let scratchBytes = 0
  /** A scratch block of at least `bytes` (16-byte aligned by malloc); may grow the heap. */
  const scratchOf = (bytes: number): number => {
    if (bytes > scratchBytes) {
      if (scratch) wasm._free(scratch)
      scratchBytes = Math.max(bytes, 2 * scratchBytes)
      scratch = wasm._malloc(scratchBytes)
    }
    return scratch
  }
  /**
   * x [batch, inH, inW, c] at (top, left) in zeros, sized for the 4×4 input tiles of an
   * outH × outW output in 2×2 blocks: [batch, 2⌈outH/2⌉ + 2, 2⌈outW/2⌉ + 2, c].
   */
  const padForTiles = (x: Info, outH: number, outW: number, top: number, left: number): Info => {
    const [batch, inH, inW, c] = x.shape as [number, number, number, number]
    const hp = 2 * Math.ceil(outH / 2) + 2
    const wp = 2 * Math.ceil(outW / 2) + 2
    const padded = heap.makeOutput([batch, hp, wp, c], 'float32')
    k.padImages(at(x), at(padded), batch, inH, inW, c, hp, wp, top, left)
    return padded
  }
  const rowsOf = (info: Info, c: number): number => info.shape.reduce((p, n) => p * n, 1) / c
  return {
    fits: (c) => c > 0 && c % 4 === 0,
    channelSums(a, b, centre, c) {
      // Layout: float64 out [2c] | float32 block sums [2c] | float32 zeros [c].
      const base = scratchOf(28 * c)
      const zeros = base + 24 * c
      if (!centre) new Float32Array(memory.buffer, zeros, c).fill(0)
      k.channelSums(at(a), at(b), centre ? at(centre) : zeros, rowsOf(a, c), c, base, base + 16 * c)
      return new Float64Array(memory.buffer, base, 2 * c).slice()
    },
    channelAffine2(a, b, y, c, p, q, r) {
      const base = scratchOf(12 * c)
      const coefficients = new Float32Array(memory.buffer, base, 3 * c)
      coefficients.set(p, 0)
      if (q) coefficients.set(q, c)
      coefficients.set(r, 2 * c)
      k.channelAffine2(at(a), b ? at(b) : 0, at(y), rowsOf(a, c), c, base, base + 4 * c, base + 8 * c)
    },
    maxPoolGradTiled(x, dy, dx, outH, outW, fh, fw) {
      const [batch, inH, inW, c] = x.shape as [number, number, number, number]
      k.maxPoolGradTiled(at(x), at(dy), at(dx), batch, inH, inW, c, outH, outW, fh, fw)
    },
    reluGrad(dy, x, dx) {
      k.reluGrad(
        at(dy),
        at(x),
        at(dx),
        dy.shape.reduce((p, n) => p * n, 1),
      )
    },
    adamStep(w, out, m, v, g, p) {
      const f = Math.fround
      k.adamStep(
        at(w),
        at(out),
        at(m),
        at(v),
        at(g),
        w.shape.reduce((a, n) => a * n, 1),
        f(-p.learningRate),
        f(p.beta1),
        f(1 - p.beta1),
        f(p.beta2),
        f(1 - p.beta2),
        f(p.epsilon),
        f(p.c1),
        f(p.c2),
      )
    },
    references: (info) => heap.dataIdMap.get(info.dataId).refCount,
    recurrentForward(cell, weights, out, flags) {
      const [batch, steps, features] = weights.x.shape as [number, number, number]
      const units = out.h.shape[2] as number
      const width = out.gates.shape[2] as number
      const z = scratchOf(4 * batch * width)
      const run = cell === 'lstm' ? k.lstmForward : k.gruForward
      run(
        at(weights.x),
        at(weights.kernel),
        at(weights.bias),
        at(weights.recurrent),
        at(out.h),
        at(out.state),
        at(out.gates),
        z,
        batch,
        steps,
        features,
        units,
        flags.reverse ? 1 : 0,
        flags.hardSigmoid ? 1 : 0,
      )
    },
    recurrentBackward(cell, dh, x, recurrent, forward, grads, flags) {
      const [batch, steps, units] = dh.shape as [number, number, number]
      const features = x.shape[2] as number
      const width = grads.dz.shape[2] as number
      // Layout: the recurrent kernel transposed [g·u × u] | two carries [batch × u].
      const ut = scratchOf(4 * (width * units + 2 * batch * units))
      const carryA = ut + 4 * width * units
      const carryB = carryA + 4 * batch * units
      const reverse = flags.reverse ? 1 : 0
      const hard = flags.hardSigmoid ? 1 : 0
      if (cell === 'lstm') {
        k.lstmBackward(
          at(dh),
          at(x),
          at(recurrent),
          at(forward.h),
          at(forward.state),
          at(forward.gates),
          at(grads.dz),
          at(grads.kernel),
          at(grads.recurrent),
          at(grads.bias),
          ut,
          carryA,
          carryB,
          batch,
          steps,
          features,
          units,
          reverse,
          hard,
        )
      } else {
        k.gruBackward(
          at(dh),
          at(x),
          at(recurrent),
          at(forward.h),
          at(forward.state),
          at(forward.gates),
          at(grads.dz),
          at(grads.kernel),
          at(grads.recurrent),
          at(grads.bias),
          ut,
          carryA,
          carryB,
          batch,
          steps,
          features,
          units,
          reverse,
          hard,
        )
      }
    },
    filterGradOneChannel(x, dy, dw, g) {
      const co = dy.shape[3] as number
      const hp = g.outHeight + g.filterHeight - 1
      // Each group of three taps reads three columns from its first: room for the last group.
      const wp = g.outWidth + 3 * Math.ceil(g.filterWidth / 3) - 1
      const padded = heap.makeOutput([g.batchSize, hp, wp], 'float32')
      const [batch, inH, inW] = x.shape as [number, number, number]
      k.padImages(at(x), at(padded), batch, inH, inW, 1, hp, wp, g.padInfo.top, g.padInfo.left)
      k.filterGradOneChannel(
        at(padded),
        at(dy),
        at(dw),
        g.batchSize,
        hp,
        wp,
        g.outHeight,
        g.outWidth,
        g.filterHeight,
        g.filterWidth,
        co,
      )
      heap.disposeData(padded.dataId)
    },
    winogradConv(x, filter, y, top, left) {
      const [batch, , , ci] = x.shape as [number, number, number, number]
      const [, outH, outW, co] = y.shape as [number, number, number, number]
      const padded = padForTiles(x, outH, outW, top, left)
      const [, hp, wp] = padded.shape as [number, number, number, number]
      const u = heap.makeOutput([16, ci, co], 'float32')
      const v = scratchOf(tileBytes(WINOGRAD_TILES * (ci + co)))
      const m = v + tileBytes(WINOGRAD_TILES * ci)
      k.winogradFilter(at(filter), at(u), ci, co)
      k.winogradConv(at(padded), at(u), at(y), batch, hp, wp, ci, outH, outW, co, v, m, WINOGRAD_TILES)
      heap.disposeData(padded.dataId)
      heap.disposeData(u.dataId)
    },
    winogradFilterGrad(x, dy, dw, top, left) {
      const [batch, , , ci] = x.shape as [number, number, number, number]
      const [, outH, outW, co] = dy.shape as [number, number, number, number]
      const padded = padForTiles(x, outH, outW, top, left)
      const [, hp, wp] = padded.shape as [number, number, number, number]
      const v = scratchOf(tileBytes(WINOGRAD_TILES * (ci + co) + ci * co))
      const m = v + tileBytes(WINOGRAD_TILES * ci)
      const acc = m + tileBytes(WINOGRAD_TILES * co)
      k.winogradFilterGrad(at(padded), at(dy), at(dw), batch, hp, wp, ci, outH, outW, co, v, m, acc, WINOGRAD_TILES)
      heap.disposeData(padded.dataId)
    },
    im2colPlanes(planes, out, g) {
      k.im2colPlanes(
        at(planes),
        at(out),
        g.inChannels,
        g.batchSize,
        g.inHeight,
        g.inWidth,
        g.filterHeight,
        g.filterWidth,
        g.padInfo.top,
        g.padInfo.left,
        g.outHeight,
        g.outWidth,
      )
    },
  }
}
