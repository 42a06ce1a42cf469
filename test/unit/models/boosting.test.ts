import { describe, expect, it } from 'vitest'
import {
  impurityImportance,
  permutationImportance,
  trainGradientBoosting,
  trainRandomForest,
  type TrainingSet,
} from '../../../src/main/core/models/trees'
import { accuracy } from '../../../src/main/core/models/trees/data'
import { decidedByFeature2, generate, split, xor } from './synthetic'

describe('gradient boosting', () => {
  it('solves XOR, which a single depth-limited tree cannot', async () => {
    const { train, test } = split(xor(1000, 1), 600)
    const stump = await trainRandomForest(train, { trees: 1, maxDepth: 1, maxFeatures: 1 }, { workers: 0 })
    const boosting = await trainGradientBoosting(train, {}, { workers: 0 })
    expect(accuracy(test.y, stump.predict(test))).toBeLessThan(0.65)
    expect(accuracy(test.y, boosting.predict(test))).toBeGreaterThan(0.95)
    // Two classes: one tree per iteration, as scikit-learn.
    expect(boosting.trees[0]).toHaveLength(1)
  })

  it('learns several classes with one tree per class per iteration, and finds the deciding feature', async () => {
    const { train, test } = split(decidedByFeature2(900, 2), 600)
    const boosting = await trainGradientBoosting(train, { maxIter: 30 }, { workers: 0 })
    expect(boosting.trees).toHaveLength(30)
    expect(boosting.trees[0]).toHaveLength(3)
    expect(accuracy(test.y, boosting.predict(test))).toBeGreaterThan(0.95)
    const proba = boosting.predictProba(test)
    for (let r = 0; r < test.nRows; r++)
      expect(proba[3 * r]! + proba[3 * r + 1]! + proba[3 * r + 2]!).toBeCloseTo(1, 12)
    expect(impurityImportance(boosting)[0]).toMatchObject({ feature: 'f2' })
    const permutation = permutationImportance(boosting, test, { repeats: 3 })
    expect(permutation[0]).toMatchObject({ feature: 'f2' })
    expect(permutation[0]!.importance).toBeGreaterThan(0.4)
  })

  it('stops early on an easy problem, well before maxIter', async () => {
    const easy = generate(600, 3, 4, (row) => ((row[0] as number) > 0 ? 1 : 0))
    const iterations: number[] = []
    const boosting = await trainGradientBoosting(
      easy,
      { maxIter: 500, earlyStopping: true },
      { workers: 0, onIteration: (p) => iterations.push(p.iteration) },
    )
    expect(boosting.iterations).toBeLessThan(500)
    expect(iterations).toEqual(Array.from({ length: boosting.iterations }, (_, i) => i + 1))
    expect(boosting.history.validationLoss).toHaveLength(boosting.iterations)
    // 'auto' turns early stopping on only above 10,000 rows.
    const auto = await trainGradientBoosting(easy, { maxIter: 40 }, { workers: 0 })
    expect(auto.iterations).toBe(40)
    expect(auto.history.validationLoss).toEqual([])
  })

  it('is reproducible, and the same on one thread or several', async () => {
    const data = decidedByFeature2(300, 6)
    const params = { maxIter: 15, earlyStopping: true, seed: 3 }
    const here = await trainGradientBoosting(data, params, { workers: 0 })
    const again = await trainGradientBoosting(data, params, { workers: 0 })
    const onWorkers = await trainGradientBoosting(data, params, { workers: 2 })
    expect(again.predictProba(data)).toEqual(here.predictProba(data))
    expect(onWorkers.predictProba(data)).toEqual(here.predictProba(data))
    expect(onWorkers.history).toEqual(here.history)
    expect(onWorkers.importances).toEqual(here.importances)
  })

  it('sends missing values to the side that training learnt for them', async () => {
    // Class b exactly where feature 0 is missing: only the missing-value side can tell.
    const data = generate(400, 2, 7, (_, random) => (random() < 0.3 ? 1 : 0))
    for (let r = 0; r < data.nRows; r++) if (data.y[r] === 1) data.x[r * 2] = NaN
    const boosting = await trainGradientBoosting(data, { maxIter: 20 }, { workers: 0 })
    expect(accuracy(data.y, boosting.predict(data))).toBe(1)
    const probe = { x: Float64Array.of(NaN, 0.5, 0.2, 0.5), nRows: 2, nFeatures: 2 }
    expect(Array.from(boosting.predict(probe))).toEqual([1, 0])
  })

  it('sends missing values to the larger side of splits on features that had none in training', async () => {
    const data = generate(400, 1, 8, (row) => ((row[0] as number) > 0.6 ? 1 : 0))
    const boosting = await trainGradientBoosting(data, { maxIter: 10, maxLeafNodes: 2 }, { workers: 0 })
    expect(Array.from(boosting.predict({ x: Float64Array.of(NaN), nRows: 1, nFeatures: 1 }))).toEqual([0])
  })

  it('honours maxLeafNodes, maxDepth and minSamplesLeaf', async () => {
    const data: TrainingSet = xor(500, 9)
    const leaves = (tree: { left: Int32Array }): number => tree.left.filter((child) => child < 0).length
    const few = await trainGradientBoosting(data, { maxIter: 5, maxLeafNodes: 4 }, { workers: 0 })
    for (const tree of few.trees.flat()) expect(leaves(tree)).toBeLessThanOrEqual(4)
    const shallow = await trainGradientBoosting(data, { maxIter: 5, maxLeafNodes: null, maxDepth: 2 }, { workers: 0 })
    for (const tree of shallow.trees.flat()) expect(leaves(tree)).toBeLessThanOrEqual(4)
    const coarse = await trainGradientBoosting(
      data,
      { maxIter: 5, maxLeafNodes: null, minSamplesLeaf: 100 },
      { workers: 0 },
    )
    for (const tree of coarse.trees.flat()) expect(leaves(tree)).toBeLessThanOrEqual(5)
  })

  it('shrinks leaf values with l2 regularisation', async () => {
    const data = xor(300, 10)
    const plain = await trainGradientBoosting(data, { maxIter: 1 }, { workers: 0 })
    const regularised = await trainGradientBoosting(data, { maxIter: 1, l2: 100 }, { workers: 0 })
    const largest = (model: typeof plain): number => Math.max(...model.trees[0]![0]!.value.map(Math.abs))
    expect(largest(regularised)).toBeLessThan(largest(plain) / 2)
  })

  it('rejects bad hyperparameters and a single class', async () => {
    await expect(trainGradientBoosting(xor(50, 1), { learningRate: 0 }, { workers: 0 })).rejects.toThrow(/learningRate/)
    await expect(trainGradientBoosting(xor(50, 1), { trees: 3 } as never, { workers: 0 })).rejects.toThrow(/trees/)
    const one = { ...xor(50, 1), classes: ['only'], y: new Int32Array(50) }
    await expect(trainGradientBoosting(one, {}, { workers: 0 })).rejects.toThrow(/at least two classes/)
  })
})
