import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { BatchNorm, PlainConv2D, registerLayerKernels } from '../../../src/main/core/models/deep/layers'
import { useEngine } from '../../../src/main/core/training'
import { simdKernels } from '../../../src/main/core/kernels/simd'

/** Runs `f` on a backend and returns its outputs as plain arrays. */
async function on(backend: 'cpu' | 'wasm', f: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend)
  const outs = f()
  const values = await Promise.all(outs.map(async (t) => Float32Array.from(await t.data())))
  tf.dispose(outs)
  return values
}

function seeded(shape: number[], seed: number): tf.Tensor {
  return tf.randomNormal(shape, 0, 1, 'float32', seed)
}

function expectClose(actual: Float32Array, expected: Float32Array, tolerance = 1e-4): void {
  expect(actual.length).toBe(expected.length)
  let worst = 0
  let scale = 1e-6
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs((actual[i] as number) - (expected[i] as number)))
    scale = Math.max(scale, Math.abs(expected[i] as number))
  }
  expect(worst / scale).toBeLessThan(tolerance)
}

interface ConvCase {
  x: [number, number, number, number]
  filter: [number, number, number, number]
  strides: [number, number]
  pad: 'same' | 'valid' | number | tf.backend_util.ExplicitPadding
  dilations?: [number, number]
}

const CONV_CASES: ConvCase[] = [
  { x: [2, 9, 8, 1], filter: [3, 3, 1, 4], strides: [1, 1], pad: 'same' },
  { x: [3, 10, 11, 5], filter: [3, 3, 5, 7], strides: [1, 1], pad: 'valid' },
  { x: [2, 11, 9, 3], filter: [3, 2, 3, 4], strides: [2, 2], pad: 'same' },
  { x: [2, 12, 10, 4], filter: [5, 5, 4, 3], strides: [2, 3], pad: 'valid' },
  { x: [1, 8, 8, 2], filter: [3, 3, 2, 2], strides: [1, 1], pad: 1 },
  { x: [2, 13, 13, 3], filter: [3, 3, 3, 5], strides: [3, 3], pad: 'same' },
  { x: [2, 16, 16, 16], filter: [3, 3, 16, 32], strides: [1, 1], pad: 'same' },
  // One input channel and a multiple of 16 outputs: the filter gradient without patches
  // (filterGradOneChannel), with a partial last group of three taps (width 4 and 5).
  { x: [3, 9, 8, 1], filter: [3, 3, 1, 16], strides: [1, 1], pad: 'same' },
  { x: [2, 10, 11, 1], filter: [5, 4, 1, 32], strides: [1, 1], pad: 'valid' },
  // (Explicit padding: with a number, tfjs sizes a non-square filter's output by its height on
  // both axes, and wasm's own forward convolution computes another shape than it allocates.)
  {
    x: [2, 7, 6, 1],
    filter: [2, 5, 1, 16],
    strides: [1, 1],
    pad: [
      [0, 0],
      [2, 2],
      [2, 2],
      [0, 0],
    ],
  },
  // 3×3, stride 1, channels in fours: Winograd F(2×2, 3×3) forward and filter gradient (and the
  // input gradient, a forward convolution). Odd output sizes leave half-filled edge tiles; 12
  // output channels leave a block of 4 after the blocks of 8; more tiles than one block of 24.
  { x: [3, 7, 9, 4], filter: [3, 3, 4, 12], strides: [1, 1], pad: 'same' },
  { x: [2, 6, 5, 8], filter: [3, 3, 8, 4], strides: [1, 1], pad: 'valid' },
  { x: [1, 5, 6, 4], filter: [3, 3, 4, 8], strides: [1, 1], pad: 2 },
  { x: [2, 3, 3, 4], filter: [3, 3, 4, 4], strides: [1, 1], pad: 'valid' },
  {
    x: [2, 9, 7, 8],
    filter: [3, 3, 8, 16],
    strides: [1, 1],
    pad: [
      [0, 0],
      [2, 0],
      [0, 1],
      [0, 0],
    ],
  },
]

describe('wasm training kernels', () => {
  beforeAll(async () => {
    await useEngine('wasm')
    registerLayerKernels()
  })

  it.each(CONV_CASES)(
    'conv2d outputs and gradients match the cpu backend: x $x, filter $filter, strides $strides, pad $pad',
    async (c) => {
      const run = (): tf.Tensor[] => {
        const x = seeded(c.x, 1) as tf.Tensor4D
        const w = seeded(c.filter, 2) as tf.Tensor4D
        const y = tf.conv2d(x, w, c.strides, c.pad)
        // A position-dependent upstream gradient, so that a misplaced tile shows.
        const upstream = seeded(y.shape, 7)
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad), upstream)),
        )
        const [dx, dw] = g([x, w])
        return [y, dx as tf.Tensor, dw as tf.Tensor]
      }
      const cpu = await on('cpu', run)
      const wasm = await on('wasm', run)
      cpu.forEach((expected, i) => expectClose(wasm[i] as Float32Array, expected))
    },
  )

  it('3×3 stride-1 convolutions and their filter gradients take the Winograd kernels; others do not', async () => {
    await tf.setBackend('wasm')
    const simd = simdKernels(tf.backend())
    expect(simd).not.toBeNull()
    const forward = vi.spyOn(simd!, 'winogradConv')
    const filterGradient = vi.spyOn(simd!, 'winogradFilterGrad')
    try {
      const gradients = (x: tf.Tensor4D, w: tf.Tensor4D, strides: number): void =>
        tf.tidy(() => {
          tf.grads((a: tf.Tensor, b: tf.Tensor) =>
            tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, 'same')),
          )([x, w])
        })
      // Forward, input gradient (a forward convolution) and filter gradient.
      gradients(seeded([2, 8, 8, 8], 1) as tf.Tensor4D, seeded([3, 3, 8, 8], 2) as tf.Tensor4D, 1)
      expect(forward).toHaveBeenCalledTimes(2)
      expect(filterGradient).toHaveBeenCalledTimes(1)
      // Strided: XNNPACK forward and the patches' filter gradient; its input gradient, a stride-1
      // convolution of the spread-out gradient, is Winograd's.
      gradients(seeded([2, 8, 8, 8], 1) as tf.Tensor4D, seeded([3, 3, 8, 8], 2) as tf.Tensor4D, 2)
      expect(forward).toHaveBeenCalledTimes(3)
      expect(filterGradient).toHaveBeenCalledTimes(1)
      // One input channel (a first layer): XNNPACK.
      tf.tidy(
        () => void tf.conv2d(seeded([2, 8, 8, 1], 3) as tf.Tensor4D, seeded([3, 3, 1, 8], 4) as tf.Tensor4D, 1, 'same'),
      )
      expect(forward).toHaveBeenCalledTimes(3)
    } finally {
      forward.mockRestore()
      filterGradient.mockRestore()
    }
  })

  it('Winograd convolutions and filter gradients are as accurate as float32 products (against float64)', async () => {
    await tf.setBackend('wasm')
    const [b, h, w, ci, co] = [4, 15, 16, 16, 32]
    const x = seeded([b, h, w, ci], 11) as tf.Tensor4D
    const filter = tf.mul(seeded([3, 3, ci, co], 12), 0.1) as tf.Tensor4D
    const dy = seeded([b, h, w, co], 13) as tf.Tensor4D
    const [xs, fs, dys] = [x.dataSync(), filter.dataSync(), dy.dataSync()]
    // Float64 references: y = x ⋆ filter ('same'), and dW = Σ x·dy over positions.
    const y64 = new Float64Array(b * h * w * co)
    const dw64 = new Float64Array(9 * ci * co)
    for (let n = 0; n < b; n++)
      for (let i = 0; i < h; i++)
        for (let j = 0; j < w; j++)
          for (let kh = 0; kh < 3; kh++)
            for (let kw = 0; kw < 3; kw++) {
              const r = i + kh - 1
              const c = j + kw - 1
              if (r < 0 || r >= h || c < 0 || c >= w) continue
              const at = ((n * h + r) * w + c) * ci
              const out = ((n * h + i) * w + j) * co
              for (let k = 0; k < ci; k++) {
                const tap = ((kh * 3 + kw) * ci + k) * co
                for (let o = 0; o < co; o++) {
                  y64[out + o] = (y64[out + o] as number) + (xs[at + k] as number) * (fs[tap + o] as number)
                  dw64[tap + o] = (dw64[tap + o] as number) + (xs[at + k] as number) * (dys[out + o] as number)
                }
              }
            }
    /** The largest error relative to the largest magnitude. */
    const error = (actual: Float32Array, expected: Float64Array): number => {
      let worst = 0
      let scale = 0
      expected.forEach((e, i) => {
        worst = Math.max(worst, Math.abs((actual[i] as number) - e))
        scale = Math.max(scale, Math.abs(e))
      })
      return worst / scale
    }
    const y = tf.conv2d(x, filter, 1, 'same')
    const dw = tf
      .engine()
      .runKernel(
        'Conv2DBackpropFilter',
        { x, dy },
        { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, ci, co] },
      ) as tf.Tensor
    // Float32 rounding over 144 (forward) and 960 (gradient) terms: 1.7e-7 and 7.5e-7 measured.
    // At the default CNN's sizes Winograd measured 2.5e-7 forward (XNNPACK's direct convolution
    // 5.8e-7) and 4.4e-6 for the filter gradient (XNNPACK's matrix product 4.8e-6).
    expect(error(y.dataSync() as Float32Array, y64)).toBeLessThan(1e-6)
    expect(error(dw.dataSync() as Float32Array, dw64)).toBeLessThan(1e-5)
    tf.dispose([x, filter, dy, y, dw])
  })

  it.each(CONV_CASES.slice(0, 4))(
    'fused conv2d (bias + relu) gradients match the cpu backend: x $x, filter $filter',
    async (c) => {
      const run = (): tf.Tensor[] => {
        const x = seeded(c.x, 3) as tf.Tensor4D
        const w = seeded(c.filter, 4) as tf.Tensor4D
        const bias = seeded([c.filter[3]], 5)
        const dy = tf.tidy(() => tf.fused.conv2d({ x, filter: w, strides: c.strides, pad: c.pad }))
        const upstream = seeded(dy.shape, 6)
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor, d: tf.Tensor) =>
          tf.sum(
            tf.mul(
              tf.fused.conv2d({
                x: a as tf.Tensor4D,
                filter: b as tf.Tensor4D,
                bias: d,
                strides: c.strides,
                pad: c.pad,
                activation: 'relu',
              }),
              upstream,
            ),
          ),
        )
        return g([x, w, bias])
      }
      const cpu = await on('cpu', run)
      const wasm = await on('wasm', run)
      cpu.forEach((expected, i) => expectClose(wasm[i] as Float32Array, expected))
    },
  )

  it.each([
    { x: [2, 9, 8, 3], filter: [3, 3, 3, 2], strides: [1, 1], pad: 'same' },
    { x: [2, 10, 9, 4], filter: [3, 3, 4, 1], strides: [2, 2], pad: 'valid' },
    { x: [1, 7, 7, 2], filter: [2, 2, 2, 3], strides: [2, 1], pad: 'same' },
  ] as const)('depthwise conv2d gradients match the cpu backend: x $x, filter $filter, strides $strides', async (c) => {
    const run = (): tf.Tensor[] => {
      const x = seeded([...c.x], 7) as tf.Tensor4D
      const w = seeded([...c.filter], 8) as tf.Tensor4D
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.square(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, [...c.strides], c.pad))),
      )
      return g([x, w])
    }
    const cpu = await on('cpu', run)
    const wasm = await on('wasm', run)
    cpu.forEach((expected, i) => expectClose(wasm[i] as Float32Array, expected))
  })

  it.each([
    { x: [2, 8, 9, 3], pool: [2, 2], strides: [2, 2], pad: 'valid' },
    { x: [2, 7, 9, 3], pool: [2, 2], strides: [2, 2], pad: 'same' },
    { x: [2, 7, 7, 4], pool: [3, 3], strides: [2, 2], pad: 'same' },
    { x: [1, 9, 6, 2], pool: [9, 1], strides: [9, 1], pad: 'valid' },
  ] as const)('max pooling gradients match the cpu backend: x $x, pool $pool, strides $strides', async (c) => {
    const run = (): tf.Tensor[] => {
      const x = seeded([...c.x], 9) as tf.Tensor4D
      const up = tf.tidy(() => seeded(tf.maxPool(x, [...c.pool], [...c.strides], c.pad).shape, 10))
      const g = tf.grads((a: tf.Tensor) =>
        tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, [...c.pool], [...c.strides], c.pad), up)),
      )
      return g([x])
    }
    const cpu = await on('cpu', run)
    const wasm = await on('wasm', run)
    expectClose(wasm[0] as Float32Array, cpu[0] as Float32Array)
  })

  it.each([
    { x: [2, 8, 10, 8], pad: 'valid' },
    { x: [3, 9, 7, 4], pad: 'valid' },
    { x: [2, 7, 9, 12], pad: 'same' },
  ] as const)(
    '2x2 max pooling gradients over channels in fours (SIMD) match the cpu backend: x $x, pad $pad',
    async (c) => {
      const run = (): tf.Tensor[] => {
        // Rounded, rectified values: ties within windows, where the first maximum must win.
        const x = tf.tidy(() => tf.relu(tf.round(seeded([...c.x], 30)))) as tf.Tensor4D
        const up = tf.tidy(() => seeded(tf.maxPool(x, 2, 2, c.pad).shape, 31))
        const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, 2, 2, c.pad), up)))
        return [g(x)]
      }
      const cpu = await on('cpu', run)
      const wasm = await on('wasm', run)
      expect(Array.from(wasm[0] as Float32Array)).toEqual(Array.from(cpu[0] as Float32Array))
    },
  )

  it.each([[[2, 5, 6, 4]], [[3, 7]], [[5]]])('relu gradients match the cpu backend: x %j', async (shape) => {
    const run = (): tf.Tensor[] => {
      const x = tf.tidy(() => tf.round(seeded(shape, 32)))
      const up = seeded(shape, 33)
      return [tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.relu(a), up)))(x)]
    }
    const cpu = await on('cpu', run)
    const wasm = await on('wasm', run)
    // The cpu backend's dy·0 leaves −0 where dy < 0; a masked copy leaves +0: equal numbers.
    const plain = (a: Float32Array): number[] => Array.from(a, (v) => v + 0)
    expect(plain(wasm[0] as Float32Array)).toEqual(plain(cpu[0] as Float32Array))
  })

  it.each([
    { a: [7, 5], b: [7, 3], transposeA: true, transposeB: false },
    { a: [4, 6], b: [3, 6], transposeA: false, transposeB: true },
    { a: [6, 4], b: [3, 6], transposeA: true, transposeB: true },
    { a: [1, 5, 4], b: [1, 5, 2], transposeA: true, transposeB: false },
    { a: [2, 5, 4], b: [2, 3, 4], transposeA: false, transposeB: true },
    // A dense layer's input gradient, dy·Wᵀ with W much larger than dy: computed as (W·dyᵀ)ᵀ.
    { a: [3, 8], b: [40, 8], transposeA: false, transposeB: true },
  ])('matrix products with transposed operands match the cpu backend: a $a, b $b', async (c) => {
    const run = (): tf.Tensor[] => [
      tf.matMul(seeded(c.a, 37) as tf.Tensor2D, seeded(c.b, 38) as tf.Tensor2D, c.transposeA, c.transposeB),
    ]
    const cpu = await on('cpu', run)
    const wasm = await on('wasm', run)
    expectClose(wasm[0] as Float32Array, cpu[0] as Float32Array)
  })

  it('a clone shares its memory on wasm, and outlives the tensor it was cloned from', async () => {
    await tf.setBackend('wasm')
    const before = tf.memory().numTensors
    const x = tf.tensor1d([1, 2, 3, 4])
    const copy = tf.clone(x)
    expect(copy.dataId).toBe(x.dataId)
    x.dispose()
    expect(Array.from(await copy.data())).toEqual([1, 2, 3, 4])
    copy.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })

  it('max pooling gradients go to the first maximum of each window, as on the cpu backend (ties after a ReLU)', async () => {
    const run = (): tf.Tensor[] => {
      // Rounded, rectified values: many windows hold several equal maxima (zeros and repeats).
      const x = tf.tidy(() => tf.relu(tf.round(seeded([2, 9, 7, 3], 15)))) as tf.Tensor4D
      const up = tf.tidy(() => seeded(tf.maxPool(x, 2, 2, 'valid').shape, 16))
      const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid'), up)))
      return [g(x)]
    }
    const cpu = await on('cpu', run)
    const wasm = await on('wasm', run)
    expect(Array.from(wasm[0] as Float32Array)).toEqual(Array.from(cpu[0] as Float32Array))
  })

  it.each([
    { x: [2, 5, 6, 4], perChannel: [4] },
    { x: [3, 8], perChannel: [8] },
    { x: [2, 3, 4, 5], perChannel: [1, 1, 1, 5] },
  ])('inference batch norm (folded into a 1x1 depthwise convolution) matches the cpu backend: x $x', async (c) => {
    const run = (): tf.Tensor[] => {
      const x = seeded(c.x, 17)
      const mean = seeded(c.perChannel, 18)
      const variance = tf.tidy(() => tf.add(tf.square(seeded(c.perChannel, 19)), 0.1))
      const offset = seeded(c.perChannel, 20)
      const scale = seeded(c.perChannel, 21)
      return [
        tf.batchNorm(x, mean, variance, offset, scale, 1e-3),
        tf.batchNorm(x, mean, variance, undefined, undefined, 1e-3),
      ]
    }
    const cpu = await on('cpu', run)
    const wasm = await on('wasm', run)
    cpu.forEach((expected, i) => expectClose(wasm[i] as Float32Array, expected))
  })

  it('inference batch norm broadcast along another axis than channels falls back to the original kernel', async () => {
    const run = (): tf.Tensor[] => [
      tf.batchNorm(seeded([2, 3, 4], 22), seeded([3, 1], 23), tf.ones([3, 1]), seeded([3, 1], 24)),
    ]
    const cpu = await on('cpu', run)
    const wasm = await on('wasm', run)
    expectClose(wasm[0] as Float32Array, cpu[0] as Float32Array)
  })

  it('PlainConv2D computes what tfjs-layers’ Conv2D does (outputs and weight gradients) and saves as a Conv2D', async () => {
    const args = {
      filters: 4,
      kernelSize: 3,
      padding: 'same' as const,
      useBias: false,
      kernelInitializer: 'glorotUniform',
    }
    const run = (layer: tf.layers.Layer) => (): tf.Tensor[] => {
      const x = seeded([2, 7, 6, 1], 25)
      const up = seeded([2, 7, 6, 4], 26)
      layer.build([null, 7, 6, 1])
      layer.setWeights([seeded([3, 3, 1, 4], 27)])
      const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable)
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, up)) as tf.Scalar, vars)
      return [layer.apply(x) as tf.Tensor, ...Object.values(grads)]
    }
    for (const backend of ['cpu', 'wasm'] as const) {
      const reference = await on(backend, run(tf.layers.conv2d(args)))
      const ours = await on(backend, run(new PlainConv2D(args)))
      reference.forEach((expected, i) => expect(Array.from(ours[i] as Float32Array)).toEqual(Array.from(expected)))
    }
    expect(new PlainConv2D(args).getClassName()).toBe('Conv2D')
    // On the data (nothing upstream to train) the backward pass computes no input gradient.
    await tf.setBackend('wasm')
    const layer = new PlainConv2D(args)
    layer.build([null, 7, 6, 1])
    const x = seeded([2, 7, 6, 1], 28)
    const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable)
    const profile = await tf.profile(() => {
      tf.dispose(tf.variableGrads(() => tf.sum(layer.apply(x) as tf.Tensor) as tf.Scalar, vars).grads)
    })
    tf.dispose(x)
    expect(profile.kernelNames).toContain('Conv2DBackpropFilter')
    expect(profile.kernelNames).not.toContain('Conv2DBackpropInput')
  })

  it('tile matches the cpu backend, floats and integers', async () => {
    const run = (): tf.Tensor[] => [
      tf.tile(seeded([1, 1, 3], 11), [2, 4, 1]),
      tf.tile(seeded([2, 3], 12), [3, 2]),
      tf.tile(tf.tensor1d([1, 2, 3], 'int32'), [2]),
    ]
    const cpu = await on('cpu', run)
    const wasm = await on('wasm', run)
    cpu.forEach((expected, i) => expect(Array.from(wasm[i] as Float32Array)).toEqual(Array.from(expected)))
  })

  it('the fused batch norm trains as tfjs-layers’ BatchNormalization does (outputs, gradients, moving statistics)', async () => {
    const run = (layer: tf.layers.Layer) => (): tf.Tensor[] => {
      const x = tf.add(tf.mul(seeded([4, 5, 6, 3], 13), 3), 2)
      const up = seeded([4, 5, 6, 3], 14)
      layer.build([null, 5, 6, 3])
      const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable)
      const f = () => tf.sum(tf.mul(layer.apply(x, { training: true }) as tf.Tensor, up)) as tf.Scalar
      const { grads } = tf.variableGrads(f, vars)
      const xGrad = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(layer.apply(a, { training: true }) as tf.Tensor, up)))(x)
      const out = layer.apply(x, { training: true }) as tf.Tensor
      return [out, xGrad, ...Object.values(grads), ...layer.getWeights().slice(2)]
    }
    for (const backend of ['cpu', 'wasm'] as const) {
      const reference = await on(backend, run(tf.layers.batchNormalization({ axis: -1 })))
      const ours = await on(backend, run(new BatchNorm()))
      reference.forEach((expected, i) => expectClose(ours[i] as Float32Array, expected, 2e-4))
    }
  })

  it.each([{ shape: [4, 5, 6, 8] }, { shape: [64, 9, 10, 16] }, { shape: [6, 12] }])(
    'the fused batch norm in channels of four (SIMD) trains as tfjs-layers’ BatchNormalization on the cpu backend: x $shape',
    async (c) => {
      const channels = c.shape[c.shape.length - 1] as number
      const run = (layer: tf.layers.Layer) => (): tf.Tensor[] => {
        // Offset and scaled per channel, as convolution outputs are.
        const x = tf.tidy(() => tf.add(tf.mul(seeded(c.shape, 34), 3), seeded([channels], 35)))
        const up = seeded(c.shape, 36)
        layer.build([null, ...c.shape.slice(1)])
        const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable)
        const { grads } = tf.variableGrads(
          () => tf.sum(tf.mul(layer.apply(x, { training: true }) as tf.Tensor, up)) as tf.Scalar,
          vars,
        )
        const xGrad = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(layer.apply(a, { training: true }) as tf.Tensor, up)))(x)
        const out = layer.apply(x, { training: true }) as tf.Tensor
        // The moving mean and variance, after the three training-mode passes above.
        return [out, xGrad, ...Object.values(grads), ...layer.getWeights().slice(2)]
      }
      // The reference is tfjs-layers' own layer, made of plain tfjs ops on the plain cpu kernels:
      // nothing of Earmark's batch-norm code on that side.
      const reference = await on('cpu', run(tf.layers.batchNormalization({ axis: -1 })))
      const ours = await on('wasm', run(new BatchNorm()))
      expect(ours).toHaveLength(reference.length)
      reference.forEach((expected, i) => expectClose(ours[i] as Float32Array, expected, 2e-4))
    },
  )
})
