/**
 * The Winograd kernels against XNNPACK, at the default CNN's layer sizes on the wasm backend (batch
 * 32 of 63 x 64 log-mels; filters 16, 32, 64). Times, per call, each 3x3 stride-1 convolution a
 * training step runs through the Winograd F(2x2, 3x3) kernels and what would run without them,
 * on the same inputs:
 * - forward: Earmark's Conv2D (Winograd) against tfjs-backend-wasm's own Conv2D (XNNPACK's direct
 *   convolution), for the second and third blocks (the first has one input channel, which keeps
 *   XNNPACK's kernel);
 * - input gradient: the same two kernels on the convolution that gradient is (dy with the filter
 *   flipped and its channel axes swapped: 32 -> 16 and 64 -> 32 channels);
 * - filter gradient: Earmark's Conv2DBackpropFilter (winogradFilterGrad) against its route for the
 *   filter gradients Winograd does not take, which tfjs-backend-wasm lacks altogether: patches
 *   copied from channel planes (one XNNPACK Transpose, the im2colPlanes SIMD kernel) times one
 *   XNNPACK matrix product.
 * As in training, every call gets inputs it has not seen (the weights change every step), so
 * XNNPACK packs its weights each time; its figure with the weights fixed, as in inference, is
 * reported beside. Rounds alternate between the two routes; each figure is the median of ROUNDS
 * rounds of REPS calls. Both routes' outputs are compared too (largest difference relative to the
 * largest value).
 */
import * as tf from '@tensorflow/tfjs'
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm'
import { convInfo } from '../src/main/core/kernels/array-kernels'
import type { KernelArgs } from '../src/main/core/kernels/kernel-registration'
import { simdKernels } from '../src/main/core/kernels/simd'
import { useEngine } from '../src/main/core/training'
import { finish, median } from './report'

type Info = tf.TensorInfo
type Kernel = (args: KernelArgs) => Info

const ROUNDS = Number(process.env['EARMARK_BENCH_ROUNDS'] ?? 7)
const REPS = Number(process.env['EARMARK_BENCH_REPS'] ?? 8)
const BATCH = 32

/** A kernel as tfjs-backend-wasm registered it (call before Earmark's replace it). */
function wasmKernel(name: string): Kernel {
  const kernel = tf.getKernel(name, 'wasm')
  if (!kernel) throw new Error(`tfjs-backend-wasm has no ${name} kernel`)
  return kernel.kernelFunc as unknown as Kernel
}
// tfjs-backend-wasm registers its kernels on import; Earmark's replace some when the engine starts.
const xnnpack = { conv2D: wasmKernel('Conv2D'), transpose: wasmKernel('Transpose'), matMul: wasmKernel('BatchMatMul') }

const engine = await useEngine('wasm')
if (engine.name !== 'wasm' || !engine.simd) throw new Error('the wasm backend with SIMD did not load')
const backend = tf.backend() as unknown as BackendWasm
const simd = simdKernels(backend as unknown as tf.KernelBackend)
if (!simd) throw new Error('the SIMD kernels did not bind to the wasm backend')
const earmark = { conv2D: wasmKernel('Conv2D'), filterGrad: wasmKernel('Conv2DBackpropFilter') }
const convAttrs = { strides: 1, pad: 'same', dilations: 1, dataFormat: 'NHWC' } as const

/** A seeded pseudo-random tensor's values. */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n)
  let s = seed >>> 0
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    out[i] = s / 2 ** 31 - 1
  }
  return out
}

/** A new tensor on the wasm heap holding `data`. */
function onHeap(data: Float32Array, shape: number[]): Info {
  const t = backend.makeOutput(shape, 'float32')
  ;(backend.typedArrayFromHeap(t) as Float32Array).set(data)
  return t
}

const dispose = (...infos: Info[]): void => infos.forEach((t) => backend.disposeData(t.dataId))

/** One operation's two routes, each taking fresh copies of the same two inputs. */
interface Case {
  /** The figures' key prefix, e.g. forwardConv2. */
  key: string
  name: string
  shapes: [number[], number[]]
  winograd(a: Info, b: Info): Info
  xnnpack(a: Info, b: Info): Info
}

const conv = (x: number[], ci: number, co: number): Case['shapes'] => [
  [BATCH, ...x, ci],
  [3, 3, ci, co],
]

/** The filter gradient without Winograd: patches from channel planes times one XNNPACK product (wasm-kernels.ts). */
function filterGradByPlanes(x: Info, dy: Info): Info {
  const [, , , ci] = x.shape as [number, number, number, number]
  const co = dy.shape[3] as number
  const filterShape = [3, 3, ci, co]
  const info = convInfo(x.shape, filterShape, convAttrs)
  const positions = info.batchSize * info.outHeight * info.outWidth
  const planes = xnnpack.transpose({ inputs: { x }, backend, attrs: { perm: [3, 0, 1, 2] } })
  const patches = backend.makeOutput([9 * ci, positions], 'float32')
  simd?.im2colPlanes(planes, patches, info)
  dispose(planes)
  const flat = { dataId: dy.dataId, shape: [positions, co], dtype: 'float32' as const }
  const product = xnnpack.matMul({
    inputs: { a: patches, b: flat },
    backend,
    attrs: { transposeA: false, transposeB: false },
  })
  dispose(patches)
  return { dataId: product.dataId, shape: filterShape, dtype: 'float32' }
}

const forward = (kernel: Kernel) => (x: Info, filter: Info) =>
  kernel({ inputs: { x, filter }, backend, attrs: convAttrs })

function filterGradCase(key: string, name: string, x: number[], ci: number, co: number): Case {
  return {
    key,
    name,
    shapes: [
      [BATCH, ...x, ci],
      [BATCH, ...x, co],
    ],
    winograd: (xi, dy) =>
      earmark.filterGrad({ inputs: { x: xi, dy }, backend, attrs: { ...convAttrs, filterShape: [3, 3, ci, co] } }),
    xnnpack: filterGradByPlanes,
  }
}

const convolution = { winograd: forward(earmark.conv2D), xnnpack: forward(xnnpack.conv2D) }
const cases: Case[] = [
  { key: 'forwardConv2', name: 'forward conv2 16->32 at 31x32', shapes: conv([31, 32], 16, 32), ...convolution },
  { key: 'forwardConv3', name: 'forward conv3 32->64 at 15x16', shapes: conv([15, 16], 32, 64), ...convolution },
  { key: 'inputGradConv2', name: 'input grad conv2 32->16 at 31x32', shapes: conv([31, 32], 32, 16), ...convolution },
  { key: 'inputGradConv3', name: 'input grad conv3 64->32 at 15x16', shapes: conv([15, 16], 64, 32), ...convolution },
  filterGradCase('filterGradConv2', 'filter grad conv2 16->32 at 31x32', [31, 32], 16, 32),
  filterGradCase('filterGradConv3', 'filter grad conv3 32->64 at 15x16', [15, 16], 32, 64),
]

/** Milliseconds per call of one route over REPS calls, each on fresh copies of the inputs (or the same ones: `fixed`). */
function round(run: (a: Info, b: Info) => Info, data: [Float32Array, Float32Array], c: Case, fixed = false): number {
  const copies = Array.from({ length: fixed ? 1 : REPS }, () => [
    onHeap(data[0], c.shapes[0]),
    onHeap(data[1], c.shapes[1]),
  ])
  const outputs: Info[] = []
  const start = performance.now()
  for (let i = 0; i < REPS; i++) {
    const [a, b] = copies[fixed ? 0 : i] as [Info, Info]
    outputs.push(run(a, b))
  }
  const ms = (performance.now() - start) / REPS
  dispose(...outputs, ...copies.flat())
  return ms
}

/** The largest difference between the two routes' outputs, relative to the largest value. */
function difference(c: Case, data: [Float32Array, Float32Array]): number {
  const [a, b] = [onHeap(data[0], c.shapes[0]), onHeap(data[1], c.shapes[1])]
  const w = c.winograd(a, b)
  const x = c.xnnpack(a, b)
  const wv = backend.typedArrayFromHeap(w) as Float32Array
  const xv = backend.typedArrayFromHeap(x) as Float32Array
  let diff = 0
  let scale = 0
  for (let i = 0; i < xv.length; i++) {
    diff = Math.max(diff, Math.abs((wv[i] as number) - (xv[i] as number)))
    scale = Math.max(scale, Math.abs(xv[i] as number))
  }
  dispose(a, b, w, x)
  return diff / scale
}

console.log(
  `wasm (SIMD, ${engine.threads} thread${engine.threads === 1 ? '' : 's'}), batch ${BATCH}; ms per call, median of ${ROUNDS} rounds of ${REPS} calls, fresh inputs each call`,
)
const figures: Record<string, number> = {}
const ratios: Record<string, number> = {}
let winogradTotal = 0
let xnnpackTotal = 0
for (const [k, c] of cases.entries()) {
  const data: [Float32Array, Float32Array] = [
    values(
      c.shapes[0].reduce((p, n) => p * n, 1),
      2 * k + 1,
    ),
    values(
      c.shapes[1].reduce((p, n) => p * n, 1),
      2 * k + 2,
    ),
  ]
  const relative = difference(c, data)
  round(c.winograd, data, c)
  round(c.xnnpack, data, c)
  const w: number[] = []
  const x: number[] = []
  for (let r = 0; r < ROUNDS; r++) {
    w.push(round(c.winograd, data, c))
    x.push(round(c.xnnpack, data, c))
  }
  const isForward = c.xnnpack !== filterGradByPlanes
  const fixed = isForward ? median(Array.from({ length: ROUNDS }, () => round(c.xnnpack, data, c, true))) : null
  const [wm, xm] = [median(w), median(x)]
  winogradTotal += wm
  xnnpackTotal += xm
  const key = c.key
  figures[`${key}WinogradMs`] = wm
  figures[`${key}${isForward ? 'Xnnpack' : 'PatchesXnnpack'}Ms`] = xm
  if (fixed !== null) figures[`${key}XnnpackFixedWeightsMs`] = fixed
  figures[`${key}MaxRelativeDifference`] = relative
  ratios[key] = xm / wm
  console.log(
    `${c.name.padEnd(36)} Winograd ${wm.toFixed(2).padStart(6)} ms   ${isForward ? 'XNNPACK' : 'planes + XNNPACK'} ${xm.toFixed(2).padStart(6)} ms` +
      `   = ${(xm / wm).toFixed(2)}x${fixed !== null ? `   (XNNPACK, weights fixed: ${fixed.toFixed(2)} ms)` : ''}   max rel. diff ${relative.toExponential(1)}`,
  )
}
figures['stepWinogradMs'] = winogradTotal
figures['stepXnnpackMs'] = xnnpackTotal
ratios['step'] = xnnpackTotal / winogradTotal
console.log(
  `all six, one training step's share: Winograd ${winogradTotal.toFixed(1)} ms, without ${xnnpackTotal.toFixed(1)} ms = ${(xnnpackTotal / winogradTotal).toFixed(2)}x`,
)
await finish('winograd', {
  machine: {
    engine: `tfjs ${tf.version.tfjs} wasm (SIMD), ${engine.threads} thread${engine.threads === 1 ? '' : 's'}: Earmark's Winograd kernels`,
    reference:
      "tfjs-backend-wasm's XNNPACK Conv2D; for filter gradients (which tfjs-backend-wasm lacks), Earmark's non-Winograd route (patches + an XNNPACK product)",
    parallelism: 'one thread, the two routes alternating round by round',
  },
  figures,
  ratios,
})
