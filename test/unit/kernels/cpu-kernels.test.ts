import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { CPU_TRAINING_KERNELS, registerCpuTrainingKernels } from '../../../src/main/core/kernels/cpu-kernels'

/** The cpu backend's own kernels, kept before ours replace them: the reference. */
const originals = new Map<string, tf.KernelFunc>()

function run(name: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap, kernel?: tf.KernelFunc): Float32Array {
  const backend = tf.backend()
  const out = kernel
    ? (kernel({ inputs, backend, attrs }) as tf.TensorInfo)
    : (tf.engine().runKernel(name, inputs, attrs) as tf.Tensor)
  return Float32Array.from(backend.readSync(out.dataId) as Float32Array)
}

function expectClose(actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length)
  let worst = 0
  let scale = 1e-6
  expected.forEach((v, i) => {
    worst = Math.max(worst, Math.abs((actual[i] as number) - v))
    scale = Math.max(scale, Math.abs(v))
  })
  expect(worst / scale).toBeLessThan(1e-5)
}

describe('cpu training kernels', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu')
    for (const name of CPU_TRAINING_KERNELS)
      originals.set(name, (tf.getKernel(name, 'cpu') as tf.KernelConfig).kernelFunc)
    registerCpuTrainingKernels()
  })

  it.each([
    { x: [2, 9, 8, 1], filter: [3, 3, 1, 4], strides: 1, pad: 'same' },
    { x: [3, 10, 11, 5], filter: [3, 3, 5, 7], strides: 1, pad: 'valid' },
    { x: [2, 11, 9, 3], filter: [3, 2, 3, 4], strides: 2, pad: 'same' },
    { x: [1, 8, 8, 2], filter: [3, 3, 2, 2], strides: 1, pad: 1 },
  ] as const)(
    'the filter gradient matches the cpu backend’s own: x $x, filter $filter, strides $strides, pad $pad',
    (c) => {
      // ReLU-like inputs (zeros, which the loop skips) and plain ones.
      const x = tf.relu(tf.randomNormal([...c.x], 0, 1, 'float32', 1))
      const w = tf.randomNormal([...c.filter], 0, 1, 'float32', 2)
      const dy = tf.randomNormal(
        tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides, c.pad).shape,
        0,
        1,
        'float32',
        3,
      )
      const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: [...c.filter] }
      expectClose(
        run('Conv2DBackpropFilter', { x, dy }, attrs),
        run('Conv2DBackpropFilter', { x, dy }, attrs, originals.get('Conv2DBackpropFilter')),
      )
    },
  )

  it.each([
    { x: [2, 8, 9, 3], pool: 2, strides: 2, pad: 'valid' },
    { x: [2, 7, 7, 4], pool: 3, strides: 2, pad: 'same' },
    { x: [1, 9, 6, 2], pool: [9, 1], strides: [9, 1], pad: 'valid' },
  ] as const)('the max pooling gradient matches the cpu backend’s own: x $x, pool $pool, strides $strides', (c) => {
    // Rounded, rectified values: ties, where the first maximum must win.
    const x = tf.relu(tf.round(tf.randomNormal([...c.x], 0, 1, 'float32', 4)))
    const y = tf.maxPool(x as tf.Tensor4D, c.pool as [number, number], c.strides as [number, number], c.pad)
    const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 5)
    const attrs = { filterSize: c.pool, strides: c.strides, pad: c.pad }
    const inputs = { dy, input: x, output: y }
    // Overlapping windows add gradients in another order: equal to rounding; a tie sent to
    // another position would differ by a whole gradient.
    expectClose(run('MaxPoolGrad', inputs, attrs), run('MaxPoolGrad', inputs, attrs, originals.get('MaxPoolGrad')))
  })
})
