import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { useEngine } from '../../../src/main/core/training'
import { FusedAdam } from '../../../src/main/core/training/fused-adam'

/** Weights after `steps` Adam steps on a least-squares problem, and the optimizer's saved weights. */
async function train(
  backend: 'cpu' | 'wasm',
  make: () => tf.Optimizer,
  steps: number,
): Promise<{ weights: number[][]; saved: { name: string; values: number[] }[] }> {
  await tf.setBackend(backend)
  // Sizes off and on multiples of 4 (the SIMD loop and its scalar tail).
  const w = tf.variable(tf.randomNormal([7, 5], 0, 1, 'float32', 1), true, 'fused_adam_w')
  const b = tf.variable(tf.randomNormal([5], 0, 1, 'float32', 2), true, 'fused_adam_b')
  const x = tf.randomNormal([16, 7], 0, 1, 'float32', 3)
  const y = tf.randomNormal([16, 5], 0, 1, 'float32', 4)
  const optimizer = make()
  for (let i = 0; i < steps; i++) {
    tf.tidy(() => {
      optimizer.minimize(() => tf.mean(tf.square(tf.sub(tf.add(tf.matMul(x, w), b), y))) as tf.Scalar, false, [w, b])
    })
  }
  const weights = [Array.from(await w.data()), Array.from(await b.data())]
  const saved = await Promise.all(
    (await optimizer.getWeights()).map(async (s) => ({ name: s.name, values: Array.from(await s.tensor.data()) })),
  )
  optimizer.dispose()
  tf.dispose([w, b, x, y])
  return { weights, saved }
}

describe('FusedAdam', () => {
  beforeAll(async () => {
    await useEngine('wasm')
  })

  it('on wasm takes the same steps as tfjs’s Adam (weights and moments, bit for bit)', async () => {
    // The same backend for both, so that the gradients are the same bits.
    const reference = await train('wasm', () => tf.train.adam(0.01), 25)
    const fused = await train('wasm', () => new FusedAdam(0.01, 0.9, 0.999), 25)
    expect(fused.weights).toEqual(reference.weights)
    expect(fused.saved.map((s) => s.name)).toEqual(reference.saved.map((s) => s.name))
    expect(fused.saved).toEqual(reference.saved)
  })

  it('resumes from saved weights as tfjs’s Adam does', async () => {
    const saved = await train('wasm', () => new FusedAdam(0.01, 0.9, 0.999), 5)
    for (const backend of ['cpu', 'wasm'] as const) {
      await tf.setBackend(backend)
      const optimizer = new FusedAdam(0.01, 0.9, 0.999)
      await optimizer.setWeights(saved.saved.map((s) => ({ name: s.name, tensor: tf.tensor(s.values) })))
      expect(optimizer.iterations).toBe(5)
      optimizer.dispose()
    }
  })

  it('falls back to tfjs’s update where a moment’s memory is shared', async () => {
    await tf.setBackend('wasm')
    const w = tf.variable(tf.ones([4]), true, 'fused_adam_shared')
    const optimizer = new FusedAdam(0.1, 0.9, 0.999)
    const step = (): void => {
      tf.tidy(() => {
        optimizer.minimize(() => tf.sum(tf.square(w)) as tf.Scalar, false, [w])
      })
    }
    step()
    const firstMoment = (await optimizer.getWeights())[1]?.tensor as tf.Tensor
    const alias = tf.clone(firstMoment)
    const before = Array.from(await alias.data())
    step()
    // The alias keeps its values: the update did not write over memory it shares.
    expect(Array.from(await alias.data())).toEqual(before)
    expect(Array.from(await firstMoment.data())).not.toEqual(before)
    optimizer.dispose()
    tf.dispose([w, alias])
  })

  it('gives new weights memory, so that operators cached on the old weights are not reused', async () => {
    await tf.setBackend('wasm')
    const w = tf.variable(tf.randomNormal([6, 3], 0, 1, 'float32', 5), true, 'fused_adam_cached')
    const x = tf.randomNormal([4, 6], 0, 1, 'float32', 6)
    const optimizer = new FusedAdam(0.1, 0.9, 0.999)
    for (let i = 0; i < 3; i++) {
      tf.tidy(() => {
        optimizer.minimize(() => tf.sum(tf.matMul(x, w)) as tf.Scalar, false, [w])
      })
    }
    // A product with the updated weights equals one with a fresh copy of them.
    const copy = tf.tensor(await w.data(), w.shape)
    const [viaVariable, viaCopy] = await Promise.all([tf.matMul(x, w).data(), tf.matMul(x, copy).data()])
    expect(Array.from(viaVariable)).toEqual(Array.from(viaCopy))
    optimizer.dispose()
    tf.dispose([w, x, copy])
  })
})
