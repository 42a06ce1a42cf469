import { describe, expect, it } from 'vitest'
import { EarmarkError } from '../../../src/main/core/errors'
import {
  impurityImportance,
  permutationImportance,
  trainRandomForest,
  type TrainingSet,
} from '../../../src/main/core/models/trees'
import { accuracy } from '../../../src/main/core/models/trees/data'
import { classWeights, featuresPerSplit } from '../../../src/main/core/models/trees/forest'
import { decidedByFeature2, generate, split, xor } from './synthetic'

describe('random forest', () => {
  it('solves XOR, which a single depth-limited tree cannot', async () => {
    const { train, test } = split(xor(1000, 1), 600)
    // One split, chosen among all features: the best a stump can do on XOR is barely above chance.
    const stump = await trainRandomForest(train, { trees: 1, maxDepth: 1, maxFeatures: 1 }, { workers: 0 })
    const forest = await trainRandomForest(train, { trees: 50 }, { workers: 0 })
    expect(accuracy(test.y, stump.predict(test))).toBeLessThan(0.65)
    expect(accuracy(test.y, forest.predict(test))).toBeGreaterThan(0.95)
  })

  it('finds the one feature that decides the class, by impurity and by permutation', async () => {
    const { train, test } = split(decidedByFeature2(900, 2), 600)
    const forest = await trainRandomForest(train, { trees: 50, seed: 3 }, { workers: 0 })
    expect(accuracy(test.y, forest.predict(test))).toBeGreaterThan(0.95)
    const impurity = impurityImportance(forest)
    expect(impurity[0]).toMatchObject({ feature: 'f2', index: 2 })
    expect(impurity.reduce((sum, i) => sum + i.importance, 0)).toBeCloseTo(1, 10)
    const permutation = permutationImportance(forest, test, { repeats: 3, seed: 4 })
    expect(permutation[0]).toMatchObject({ feature: 'f2', index: 2 })
    expect(permutation[0]!.importance).toBeGreaterThan(0.4)
    for (const other of permutation.slice(1)) expect(Math.abs(other.importance)).toBeLessThan(0.05)
  })

  it('gives the same forest for the same seed, on one thread or two', async () => {
    const data = xor(300, 5)
    const here = await trainRandomForest(data, { trees: 20, seed: 7 }, { workers: 0 })
    const again = await trainRandomForest(data, { trees: 20, seed: 7 }, { workers: 0 })
    const onWorkers = await trainRandomForest(data, { trees: 20, seed: 7 }, { workers: 2 })
    const otherSeed = await trainRandomForest(data, { trees: 20, seed: 8 }, { workers: 0 })
    expect(again.predictProba(data)).toEqual(here.predictProba(data))
    expect(onWorkers.predictProba(data)).toEqual(here.predictProba(data))
    expect(onWorkers.oobScore).toBe(here.oobScore)
    expect(onWorkers.importances).toEqual(here.importances)
    expect(otherSeed.predictProba(data)).not.toEqual(here.predictProba(data))
  })

  it('has an out-of-bag score close to the held-out accuracy', async () => {
    // 15% of labels flipped: accuracy well below 1, so the comparison means something.
    const noisy = generate(2000, 5, 9, (row, random) =>
      (row[0] as number) + (row[1] as number) > 0 !== random() < 0.15 ? 1 : 0,
    )
    const { train, test } = split(noisy, 1000)
    const forest = await trainRandomForest(train, { trees: 100, minSamplesLeaf: 3 }, { workers: 0 })
    const held = accuracy(test.y, forest.predict(test))
    expect(held).toBeGreaterThan(0.75)
    expect(forest.oobScore).not.toBeNull()
    expect(Math.abs(forest.oobScore! - held)).toBeLessThan(0.04)
  })

  it('predicts the rare class more often with balanced class weights', async () => {
    // 10% positives, overlapping the negatives: unweighted trees mostly predict the majority.
    const imbalanced = generate(1500, 3, 11, (row, random) => (random() < 0.1 + 0.15 * (row[0] as number) ? 1 : 0))
    const positives = (d: TrainingSet, predicted: Int32Array): number => predicted.reduce((n, k) => n + k, 0) / d.nRows
    const params = { trees: 40, minSamplesLeaf: 20, seed: 1 }
    const plain = await trainRandomForest(imbalanced, params, { workers: 0 })
    const balanced = await trainRandomForest(imbalanced, { ...params, classWeight: 'balanced' }, { workers: 0 })
    const byName = await trainRandomForest(imbalanced, { ...params, classWeight: { b: 9 } }, { workers: 0 })
    const share = positives(imbalanced, plain.predict(imbalanced))
    expect(positives(imbalanced, balanced.predict(imbalanced))).toBeGreaterThan(share + 0.1)
    expect(positives(imbalanced, byName.predict(imbalanced))).toBeGreaterThan(share + 0.1)
  })

  it('honours maxDepth and minSamplesLeaf', async () => {
    const data = xor(400, 12)
    const shallow = await trainRandomForest(data, { trees: 5, maxDepth: 3 }, { workers: 0 })
    for (const tree of shallow.trees) expect(tree.feature.length).toBeLessThanOrEqual(15)
    const coarse = await trainRandomForest(data, { trees: 5, minSamplesLeaf: 50 }, { workers: 0 })
    // At most 400/50 leaves: 2·8 − 1 nodes.
    for (const tree of coarse.trees) expect(tree.feature.length).toBeLessThanOrEqual(15)
  })

  it('reads maxFeatures and classWeight as scikit-learn does', () => {
    expect(featuresPerSplit('sqrt', 40)).toBe(6)
    expect(featuresPerSplit('log2', 40)).toBe(5)
    expect(featuresPerSplit(0.5, 40)).toBe(20)
    expect(featuresPerSplit(1, 40)).toBe(40)
    expect(featuresPerSplit(7, 40)).toBe(7)
    expect(featuresPerSplit(0.001, 40)).toBe(1)
    const data = generate(4, 1, 0, () => 0, ['a', 'b'])
    data.y = Int32Array.of(0, 0, 0, 1)
    expect(Array.from(classWeights('balanced', data))).toEqual([4 / 6, 2])
    expect(Array.from(classWeights({ b: 3 }, data))).toEqual([1, 3])
    expect(() => classWeights({ c: 3 }, data)).toThrow(/not one of the classes/)
  })

  it('refuses missing values, naming where they are', async () => {
    const data = xor(50, 13)
    data.x[7 * 4 + 1] = NaN
    const error = await trainRandomForest(data, {}, { workers: 0 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(EarmarkError)
    expect((error as EarmarkError).code).toBe('invalid-input')
    expect((error as Error).message).toMatch(/missing values \(NaN at row 7, feature f1\)/)
  })

  it('rejects unknown or bad hyperparameters', async () => {
    await expect(trainRandomForest(xor(20, 1), { tree: 5 } as never, { workers: 0 })).rejects.toThrow(/tree/)
    await expect(trainRandomForest(xor(20, 1), { maxFeatures: 2.5 }, { workers: 0 })).rejects.toThrow(/maxFeatures/)
  })

  it('reports progress and can be cancelled', async () => {
    const seen: number[] = []
    await trainRandomForest(xor(100, 1), { trees: 8 }, { workers: 0, onProgress: (done) => seen.push(done) })
    expect(seen.at(-1)).toBe(8)
    const controller = new AbortController()
    const training = trainRandomForest(xor(2000, 1), { trees: 200 }, { workers: 2, signal: controller.signal })
    controller.abort(new Error('stopped by the user'))
    await expect(training).rejects.toThrow('stopped by the user')
  })
})
