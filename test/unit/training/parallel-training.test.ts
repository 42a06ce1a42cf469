import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { EarmarkError } from '../../../src/main/core/errors'
import { Random } from '../../../src/main/core/models/seeded-random'
import { describeEngine } from '../../../src/main/core/runs/train-deep'
import { initEngine, predictDeep, trainDeepModel, type DeepModelSpecInput } from '../../../src/main/core/training'
import { weightedLoss } from '../../../src/main/core/training/losses'
import {
  applyParts,
  computePart,
  microBatchBounds,
  type PartOutput,
  type StepNet,
} from '../../../src/main/core/training/micro-batches'
import { tempDir } from '../../helpers/temp'
import { bandsDataset, dataset, weightsOf, withoutTimes } from './synthetic'

/** Largest absolute difference between two models' weights (batch norm's moving statistics included). */
function maxDifference(a: number[][], b: number[][]): number {
  expect(a.map((w) => w.length)).toEqual(b.map((w) => w.length))
  let max = 0
  a.forEach((w, i) => w.forEach((v, j) => (max = Math.max(max, Math.abs(v - (b[i]?.[j] as number))))))
  return max
}

/** Batch norm, dropout, augmentation and mixup all on: everything a part of a step draws or normalises. */
const SPEC: DeepModelSpecInput = {
  model: 'cnn',
  params: {
    filters: [4, 8],
    denseUnits: 8,
    epochs: 3,
    // Parts of 16: smaller batches stay whole, on one worker (see micro-batches.ts).
    batchSize: 32,
    learningRate: 0.01,
    dropout: 0.3,
    seed: 5,
    timeShift: 0.2,
    noise: 0.1,
    timeMasks: 1,
    timeMaskWidth: 2,
    mixup: 0.2,
    patience: null,
  },
}

describe('training on several workers', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    await initEngine({ prefer: ['wasm', 'cpu'] })
  })

  it('sums the parts of a batch into the full batch gradient (a network without batch norm)', async () => {
    const model = tf.sequential({
      layers: [tf.layers.flatten({ inputShape: [4, 3] }), tf.layers.dense({ units: 3, activation: 'softmax' })],
    })
    const trainable = model.trainableWeights.map((w) => w.read() as tf.Variable)
    const net: StepNet = {
      forward: (x) => model.apply(x, { training: true }) as tf.Tensor,
      trainable,
      state: [],
      dropout: { current: new Random(0) },
      shape: [4, 3],
      classes: 3,
      loss: weightedLoss,
    }
    const n = 7
    const random = new Random(1)
    const x = Float32Array.from({ length: n * 12 }, () => random.normal())
    const y = new Float32Array(n * 3)
    for (let i = 0; i < n; i++) y[i * 3 + (i % 3)] = 1
    const w = Float32Array.from({ length: n }, (_, i) => 1 + i / 10)
    // The reference: one gradient of the whole batch's weighted mean loss.
    const { grads } = tf.variableGrads(
      () => weightedLoss(net.forward(tf.tensor3d(x, [n, 4, 3])), tf.tensor2d(y, [n, 3]), tf.tensor1d(w)),
      trainable,
    )
    const before = trainable.map((v) => Array.from(v.dataSync()))
    const expected = trainable.map((v, i) =>
      Array.from(grads[v.name]?.dataSync() ?? []).map((g, j) => (before[i]?.[j] as number) - g),
    )
    const size = trainable.reduce((s, v) => s + v.size, 0)
    const parts: PartOutput[] = microBatchBounds(n, 2).map(([a, b]) => {
      const out = { grads: new Float32Array(size), state: new Float32Array(0), probs: new Float32Array((b - a) * 3) }
      computePart(net, x.subarray(a * 12, b * 12), y.subarray(a * 3, b * 3), w.subarray(a, b), n, 0, out)
      return out
    })
    expect(parts).toHaveLength(2)
    // Plain SGD with rate 1: each weight moves by minus the summed gradient.
    applyParts(net, tf.train.sgd(1), parts, new Float32Array(size), new Float32Array(0))
    const after = trainable.map((v) => Array.from(v.dataSync()))
    expect(maxDifference(after, expected)).toBeLessThan(1e-6)
    model.dispose()
  })

  it('gives the same weights and history on one worker and on two', async () => {
    const data = dataset(bandsDataset({ perClass: 36, seed: 11 }))
    const one = await trainDeepModel(SPEC, data, { workers: 1 })
    const two = await trainDeepModel(SPEC, data, { workers: 2 })
    expect(one.engine.workers).toBe(1)
    expect(two.engine.workers).toBe(2)
    expect(maxDifference(weightsOf(one.model), weightsOf(two.model))).toBeLessThan(1e-5)
    expect(withoutTimes(two.history)).toEqual(withoutTimes(one.history))
    one.model.dispose()
    two.model.dispose()
  })

  it('resumes on two workers from a checkpoint of one, ending as the uninterrupted run', async () => {
    const data = dataset(bandsDataset({ perClass: 36, seed: 12 }))
    const whole = await trainDeepModel(SPEC, data, { workers: 1 })
    const dir = await tempDir('earmark-parallel-resume-')
    const first = await trainDeepModel(SPEC, data, { workers: 1, checkpointDir: dir, stopAfterEpochs: 1 })
    expect(first.epochs).toBe(1)
    first.model.dispose()
    const resumed = await trainDeepModel(SPEC, data, { workers: 2, checkpointDir: dir })
    expect(resumed.resumedFrom).toBe(1)
    expect(maxDifference(weightsOf(whole.model), weightsOf(resumed.model))).toBeLessThan(1e-5)
    whole.model.dispose()
    resumed.model.dispose()
  })

  it('says how many workers train in the engine line, as soon as they have started', async () => {
    const data = dataset(bandsDataset({ perClass: 24, seed: 13 }))
    const lines: string[] = []
    const result = await trainDeepModel(
      { model: 'cnn', params: { filters: [4], denseUnits: 0, epochs: 1, batchSize: 32 } },
      data,
      { workers: 2, onEngine: (engine) => lines.push(describeEngine(engine)) },
    )
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/, 2 workers/)
    expect(describeEngine(result.engine)).toBe(lines[0])
    result.model.dispose()
  })

  it('predicts the same probabilities with a peer predicting half of the clips', async () => {
    const d = bandsDataset({ perClass: 20, seed: 14 })
    const trained = await trainDeepModel(
      { model: 'cnn', params: { filters: [4], denseUnits: 8, epochs: 2, batchSize: 8 } },
      dataset(d),
      { workers: 1 },
    )
    const alone = await predictDeep(trained, d.features, { batchSize: 8, workers: 1 })
    const shared = await predictDeep(trained, d.features, { batchSize: 8, workers: 2 })
    expect(shared.workers).toBe(2)
    expect(alone.workers).toBe(1)
    expect(shared.probabilities).toHaveLength(alone.probabilities.length)
    let max = 0
    alone.probabilities.forEach((p, i) => (max = Math.max(max, Math.abs(p - (shared.probabilities[i] as number)))))
    expect(max).toBeLessThan(1e-6)
    // New weights reach the peer before it predicts again.
    trained.model.setWeights(trained.model.getWeights().map((w) => tf.mul(w, 0.5)))
    const changed = await predictDeep(trained, d.features, { batchSize: 8, workers: 2 })
    const reference = await predictDeep(trained, d.features, { batchSize: 8, workers: 1 })
    expect(Array.from(changed.probabilities)).toEqual(Array.from(reference.probabilities))
    expect(Array.from(changed.probabilities)).not.toEqual(Array.from(alone.probabilities))
    trained.model.dispose()
  })

  it('refuses a worker count that is not a whole number of at least 1', async () => {
    const data = dataset(bandsDataset({ perClass: 4 }))
    for (const workers of [0, -1, 1.5]) {
      await expect(trainDeepModel({ model: 'cnn', params: { epochs: 1 } }, data, { workers })).rejects.toThrow(
        EarmarkError,
      )
    }
  })
})
