// Layers the deep models train with, saved under the standard Keras class names so that
// a saved model loads anywhere as plain BatchNormalization / Dropout layers:
// - BatchNorm: batch normalisation whose training step is two fused passes (statistics and
//   normalisation forward, the three gradients backward) instead of tfjs-layers' dozen broadcast
//   ops, Tiles and reductions, which took most of a wasm training step;
// - SeededDropout: dropout whose masks come from a stream the trainer reseeds every batch, so
//   a run (and a run resumed from a checkpoint) is reproducible: tfjs-layers' Dropout either draws
//   from Math.random or, given a seed, repeats the same mask on every batch.
import * as tf from '@tensorflow/tfjs'
import { Random } from '../seeded-random'
import { simdKernels } from '../../kernels/simd'
import { addKernel, type KernelArgs } from '../../kernels/kernel-registration'
import { channelAffine, channelAffineSum } from '../../kernels/wasm-kernels'

const BN_TRAIN = 'EarmarkBatchNormTrain'
const BN_TRAIN_GRAD = 'EarmarkBatchNormTrainGrad'

interface WasmLike {
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array
}

/** The values of a float32 tensor without a copy where the backend allows it (cpu arrays, the wasm heap). */
function read(backend: tf.KernelBackend, info: tf.TensorInfo): Float32Array {
  if ('typedArrayFromHeap' in backend) return (backend as unknown as WasmLike).typedArrayFromHeap(info)
  return backend.readSync(info.dataId) as Float32Array
}

/**
 * Allocates float32 outputs on the backend and returns them with writable views: on wasm the
 * views are on the heap (taken after every allocation, as an allocation may grow the heap); on
 * cpu they are the arrays the backend then owns.
 */
function allocate(backend: tf.KernelBackend, shapes: number[][]): { infos: tf.TensorInfo[]; data: Float32Array[] } {
  if ('typedArrayFromHeap' in backend) {
    const wasm = backend as unknown as WasmLike & { makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo }
    const infos = shapes.map((shape) => wasm.makeOutput(shape, 'float32'))
    return { infos, data: infos.map((info) => wasm.typedArrayFromHeap(info)) }
  }
  const data = shapes.map((shape) => new Float32Array(shape.reduce((p, n) => p * n, 1)))
  const infos = shapes.map((shape, i) => ({
    dataId: backend.write(data[i] as Float32Array, shape, 'float32'),
    shape,
    dtype: 'float32' as const,
  }))
  return { infos, data }
}

/**
 * Per channel Σa and Σa·(b − centre) over a tensor's rows (channels last), in float64: one SIMD
 * pass on the wasm heap where the channel count allows, else one JavaScript sweep with the channel
 * innermost (memory order). Float64 totals keep Σx²/n − μ² accurate unless |μ| exceeds σ by orders
 * of magnitude, which batch-normalised convolution outputs do not.
 */
function channelSums(
  backend: tf.KernelBackend,
  aInfo: tf.TensorInfo,
  bInfo: tf.TensorInfo,
  centreInfo: tf.TensorInfo | null,
  c: number,
): { sums: Float64Array; products: Float64Array } {
  const simd = simdKernels(backend)
  if (simd?.fits(c)) {
    const both = simd.channelSums(aInfo, bInfo, centreInfo, c)
    return { sums: both.subarray(0, c), products: both.subarray(c) }
  }
  const a = read(backend, aInfo)
  const b = read(backend, bInfo)
  const centre = centreInfo ? read(backend, centreInfo) : new Float32Array(c)
  const sums = new Float64Array(c)
  const products = new Float64Array(c)
  for (let o = 0; o < a.length; o += c) {
    for (let j = 0; j < c; j++) {
      const v = a[o + j] as number
      sums[j] = (sums[j] as number) + v
      products[j] = (products[j] as number) + v * ((b[o + j] as number) - (centre[j] as number))
    }
  }
  return { sums, products }
}

/**
 * y = a·p + b·q + r per channel (without b: a·p + r) into a new tensor shaped like a: a SIMD pass
 * on the wasm heap where the channel count allows, XNNPACK passes (channelAffine, channelAffineSum)
 * on wasm otherwise, a JavaScript sweep on cpu.
 */
function channelAffinePair(
  backend: tf.KernelBackend,
  aInfo: tf.TensorInfo,
  p: Float32Array,
  second: { info: tf.TensorInfo; q: Float32Array } | null,
  r: Float32Array,
): tf.TensorInfo {
  const c = p.length
  const simd = simdKernels(backend)
  if (simd?.fits(c)) {
    const { infos } = allocate(backend, [aInfo.shape])
    const y = infos[0] as tf.TensorInfo
    simd.channelAffine2(aInfo, second?.info ?? null, y, c, p, second?.q ?? null, r)
    return y
  }
  if ('typedArrayFromHeap' in backend) {
    return second ? channelAffineSum(backend, aInfo, p, second.info, second.q, r) : channelAffine(backend, aInfo, p, r)
  }
  const { infos, data } = allocate(backend, [aInfo.shape])
  const y = data[0] as Float32Array
  const a = read(backend, aInfo)
  const b = second ? read(backend, second.info) : null
  const q = second?.q ?? new Float32Array(c)
  for (let o = 0; o < y.length; o += c) {
    for (let j = 0; j < c; j++) {
      const bv = b ? (b[o + j] as number) * (q[j] as number) : 0
      y[o + j] = (a[o + j] as number) * (p[j] as number) + bv + (r[j] as number)
    }
  }
  return infos[0] as tf.TensorInfo
}

/** y = γ·(x − μ)/√(σ² + ε) + β over the last axis, with the batch's μ and σ² (biased, as tfjs-layers). */
function batchNormTrain({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const xInfo = inputs['x'] as tf.TensorInfo
  const epsilon = (attrs ?? {})['epsilon'] as number
  const c = xInfo.shape[xInfo.shape.length - 1] as number
  const rows = tf.util.sizeFromShape(xInfo.shape) / c
  const { sums, products: squares } = channelSums(backend, xInfo, xInfo, null, c)
  const scale = new Float32Array(c)
  const shift = new Float32Array(c)
  const { infos, data } = allocate(backend, [[c], [c], [c]])
  const [mean, variance, invStd] = data as [Float32Array, Float32Array, Float32Array]
  const gamma = read(backend, inputs['gamma'] as tf.TensorInfo)
  const beta = read(backend, inputs['beta'] as tf.TensorInfo)
  for (let j = 0; j < c; j++) {
    const m = (sums[j] as number) / rows
    const v = Math.max(0, (squares[j] as number) / rows - m * m)
    const inv = 1 / Math.sqrt(v + epsilon)
    mean[j] = m
    variance[j] = v
    invStd[j] = inv
    scale[j] = inv * (gamma[j] as number)
    shift[j] = (beta[j] as number) - m * (scale[j] as number)
  }
  const y = channelAffinePair(backend, xInfo, scale, null, shift)
  return [y, ...infos]
}

/**
 * Batch normalisation's gradients: with x̂ = (x − μ)·s, s = 1/√(σ² + ε), dβ = Σ dy, dγ = Σ dy·x̂,
 * dx = γ·s·(dy − dβ/n − x̂·dγ/n).
 */
function batchNormTrainGrad({ inputs, backend }: KernelArgs): tf.TensorInfo[] {
  const dyInfo = inputs['dy'] as tf.TensorInfo
  const xInfo = inputs['x'] as tf.TensorInfo
  const c = dyInfo.shape[dyInfo.shape.length - 1] as number
  const rows = tf.util.sizeFromShape(dyInfo.shape) / c
  const { sums: sb, products: sg } = channelSums(backend, dyInfo, xInfo, inputs['mean'] as tf.TensorInfo, c)
  const { infos, data } = allocate(backend, [[c], [c]])
  const [dGamma, dBeta] = data as [Float32Array, Float32Array]
  const mean = read(backend, inputs['mean'] as tf.TensorInfo)
  const invStd = read(backend, inputs['invStd'] as tf.TensorInfo)
  const gamma = read(backend, inputs['gamma'] as tf.TensorInfo)
  // dx = gs·dy − gs·dβ/n − gs·(x − μ)·s·dγ/n = gs·dy − k·x + b
  const gs = new Float32Array(c)
  const negK = new Float32Array(c)
  const b = new Float32Array(c)
  for (let j = 0; j < c; j++) {
    const s = invStd[j] as number
    const dg = (sg[j] as number) * s
    dBeta[j] = sb[j] as number
    dGamma[j] = dg
    gs[j] = (gamma[j] as number) * s
    const k = ((gs[j] as number) * s * dg) / rows
    negK[j] = -k
    b[j] = (-(gs[j] as number) * (sb[j] as number)) / rows + k * (mean[j] as number)
  }
  const dx = channelAffinePair(backend, dyInfo, gs, { info: xInfo, q: negK }, b)
  return [dx, ...(infos as [tf.TensorInfo, tf.TensorInfo])]
}

/** Backends with the fused batch-norm kernels (others train with tfjs-layers' ops). */
const FUSED_BN_BACKENDS = ['wasm', 'cpu'] as const
let kernelsRegistered = false

/** Registers the fused batch-norm kernels and their gradient (once). */
export function registerLayerKernels(): void {
  if (kernelsRegistered) return
  kernelsRegistered = true
  for (const backendName of FUSED_BN_BACKENDS) {
    addKernel(backendName, BN_TRAIN, batchNormTrain)
    addKernel(backendName, BN_TRAIN_GRAD, batchNormTrainGrad)
  }
  tf.registerGradient({
    kernelName: BN_TRAIN,
    inputsToSave: ['x', 'gamma'],
    outputsToSave: [false, true, false, true],
    gradFunc: (dys, saved) => {
      const dy = Array.isArray(dys) ? (dys[0] as tf.Tensor) : dys
      const [x, gamma, mean, invStd] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor]
      const [dx, dGamma, dBeta] = tf
        .engine()
        .runKernel(BN_TRAIN_GRAD, { dy, x, mean, invStd, gamma }, {}) as unknown as tf.Tensor[]
      return { x: () => dx as tf.Tensor, gamma: () => dGamma as tf.Tensor, beta: () => dBeta as tf.Tensor }
    },
  })
}

/** Options of `BatchNorm` (Keras names). */
export interface BatchNormArgs {
  name?: string
  momentum?: number
  epsilon?: number
}

/** Batch normalisation over the last axis, saved as a standard `BatchNormalization` layer. */
export class BatchNorm extends tf.layers.Layer {
  static readonly className = 'BatchNormalization'
  private readonly momentum: number
  private readonly epsilon: number
  private gamma?: tf.LayerVariable
  private beta?: tf.LayerVariable
  private movingMean?: tf.LayerVariable
  private movingVariance?: tf.LayerVariable

  constructor(args: BatchNormArgs = {}) {
    super(args.name === undefined ? {} : { name: args.name })
    this.momentum = args.momentum ?? 0.99
    this.epsilon = args.epsilon ?? 1e-3
    this.supportsMasking = true
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape
    const c = shape[shape.length - 1] as number
    this.gamma = this.addWeight('gamma', [c], 'float32', tf.initializers.ones(), undefined, true)
    this.beta = this.addWeight('beta', [c], 'float32', tf.initializers.zeros(), undefined, true)
    this.movingMean = this.addWeight('moving_mean', [c], 'float32', tf.initializers.zeros(), undefined, false)
    this.movingVariance = this.addWeight('moving_variance', [c], 'float32', tf.initializers.ones(), undefined, false)
    this.built = true
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs
    const gamma = (this.gamma as tf.LayerVariable).read()
    const beta = (this.beta as tf.LayerVariable).read()
    const movingMean = this.movingMean as tf.LayerVariable
    const movingVariance = this.movingVariance as tf.LayerVariable
    if (!kwargs.training) {
      return tf.batchNorm(x, movingMean.read(), movingVariance.read(), beta, gamma, this.epsilon)
    }
    let y: tf.Tensor
    let mean: tf.Tensor
    let variance: tf.Tensor
    if (FUSED_BN_BACKENDS.includes(tf.getBackend() as 'cpu')) {
      registerLayerKernels()
      ;[y, mean, variance] = tf
        .engine()
        .runKernel(BN_TRAIN, { x, gamma, beta }, { epsilon: this.epsilon }) as unknown as tf.Tensor[] as [
        tf.Tensor,
        tf.Tensor,
        tf.Tensor,
      ]
    } else {
      const axes = x.shape.slice(0, -1).map((_, i) => i)
      const moments = tf.moments(x, axes)
      mean = moments.mean
      variance = moments.variance
      y = tf.batchNorm(x, mean, variance, beta, gamma, this.epsilon)
    }
    tf.tidy(() => {
      const decay = 1 - this.momentum
      movingMean.write(tf.sub(movingMean.read(), tf.mul(tf.sub(movingMean.read(), mean), decay)))
      movingVariance.write(tf.sub(movingVariance.read(), tf.mul(tf.sub(movingVariance.read(), variance), decay)))
    })
    return y
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      axis: -1,
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: true,
      scale: true,
      ...super.getConfig(),
    }
  }
}

/** Where a network's dropout layers draw their masks from; the trainer reseeds it before each batch. */
export interface DropoutStream {
  current: Random
}

/**
 * Points every dropout layer of a model (nested models included) at one stream, so the trainer of
 * this model alone decides its masks: two models training side by side (sweep trials) never share
 * a stream.
 */
export function useDropoutStream(model: tf.LayersModel, stream: DropoutStream): void {
  for (const layer of model.layers) {
    if (layer instanceof SeededDropout) layer.stream = stream
    else if (layer instanceof tf.LayersModel) useDropoutStream(layer, stream)
  }
}

/** Options of `SeededDropout` (Keras names). */
export interface SeededDropoutArgs {
  rate: number
  name?: string
}

/** Dropout with masks from its stream (`useDropoutStream`), saved as a standard `Dropout` layer. */
export class SeededDropout extends tf.layers.Layer {
  static readonly className = 'Dropout'
  private readonly rate: number
  /** Its own until a trainer gives it the network's. */
  stream: DropoutStream = { current: new Random(0) }

  constructor(args: SeededDropoutArgs) {
    super(args.name === undefined ? {} : { name: args.name })
    this.rate = args.rate
    this.supportsMasking = true
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs
    if (!kwargs.training || this.rate <= 0) return x
    const keep = 1 - this.rate
    const mask = new Float32Array(x.size)
    const random = this.stream.current
    for (let i = 0; i < mask.length; i++) mask[i] = random.next() < keep ? 1 / keep : 0
    return tf.mul(x, tf.tensor(mask, x.shape, 'float32'))
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { rate: this.rate, noiseShape: null, seed: null, ...super.getConfig() }
  }
}

type ConvArgs = Parameters<typeof tf.layers.conv2d>[0]
type Conv2DLayer = ReturnType<typeof tf.layers.conv2d>
/** tfjs-layers' Conv2D class, which the package does not export by name (its registry has it). */
const Conv2DBase = (tf.serialization.SerializationMap.getMap().classNameMap['Conv2D'] as [unknown, unknown])[0] as new (
  args: ConvArgs,
) => Conv2DLayer

/**
 * tfjs-layers' Conv2D (saved as a plain `Conv2D`), except that a convolution without bias or
 * activation runs as the plain conv2d op instead of the fused one. The fused op's gradient
 * computes the input gradient even where nothing needs it, as for the first layer, whose input is
 * the data: on wasm that wasted backward convolution costs about a tenth of a CNN's training step.
 * The plain op's gradient computes only what the tape asks for; the arithmetic is the same.
 */
export class PlainConv2D extends Conv2DBase {
  static readonly className = 'Conv2D'

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: tf.serialization.ConfigDict): tf.Tensor | tf.Tensor[] {
    const plain =
      this.rank === 2 &&
      !this.useBias &&
      this.activation.getClassName() === 'linear' &&
      this.dataFormat === 'channelsLast' &&
      this.padding !== 'causal'
    if (!plain) return super.call(inputs, kwargs)
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D
    const [dh, dw] = this.dilationRate.length === 1 ? [this.dilationRate[0], this.dilationRate[0]] : this.dilationRate
    return tf.conv2d(x, this.kernel.read() as tf.Tensor4D, this.strides as [number, number], this.padding, 'NHWC', [
      dh as number,
      dw as number,
    ])
  }
}
