import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { EarmarkError } from '../../../src/main/core/errors'
import {
  loadTreeModel,
  saveTreeModel,
  trainGradientBoosting,
  trainRandomForest,
  treeModelFromDocument,
  treeModelToDocument,
  type FeatureMatrix,
  type TreeModelDocument,
} from '../../../src/main/core/models/trees'
import { decidedByFeature2, xor } from './synthetic'

const dir = mkdtempSync(join(tmpdir(), 'earmark-trees-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Another tool's predictor, written from the format's description alone. */
function predictFromDocument(doc: TreeModelDocument, matrix: FeatureMatrix): number[][] {
  type Node = {
    feature: number
    threshold: number
    left: number
    right: number
    value: number[]
    missingLeft?: boolean
  }
  const leaf = (nodes: Node[], row: number[]): number[] => {
    let node = nodes[0]!
    while (node.left >= 0) {
      const v = row[node.feature]!
      node =
        nodes[
          Number.isNaN(v) ? (node.missingLeft ? node.left : node.right) : v <= node.threshold ? node.left : node.right
        ]!
    }
    return node.value
  }
  const rows = Array.from({ length: matrix.nRows }, (_, r) =>
    Array.from(matrix.x.subarray(r * matrix.nFeatures, (r + 1) * matrix.nFeatures)),
  )
  return rows.map((row) => {
    if (doc.model === 'rf') {
      const sums = doc.classes.map(() => 0)
      for (const tree of doc.trees) leaf(tree, row).forEach((p, k) => (sums[k]! += p))
      return sums.map((s) => s / doc.trees.length)
    }
    const raw = [...doc.baseline]
    for (const iteration of doc.trees) iteration.forEach((tree, k) => (raw[k]! += leaf(tree, row)[0]!))
    if (doc.classes.length === 2) return [1 - 1 / (1 + Math.exp(-raw[0]!)), 1 / (1 + Math.exp(-raw[0]!))]
    const max = Math.max(...raw)
    const e = raw.map((s) => Math.exp(s - max))
    return e.map((v) => v / e.reduce((a, b) => a + b, 0))
  })
}

describe('saved tree models', () => {
  it('predict the same after a round trip through a JSON file (random forest)', async () => {
    const data = decidedByFeature2(200, 1)
    const forest = await trainRandomForest(data, { trees: 10, classWeight: { high: 2 } }, { workers: 0 })
    const path = join(dir, 'forest.json')
    await saveTreeModel(path, forest)
    const loaded = await loadTreeModel(path)
    expect(loaded.kind).toBe('rf')
    expect(loaded.predictProba(data)).toEqual(forest.predictProba(data))
    expect(loaded.importances).toEqual(forest.importances)
    expect(loaded.classes).toEqual(['low', 'mid', 'high'])
  })

  it('predict the same after a round trip through a JSON file (boosting, with missing values)', async () => {
    for (const data of [decidedByFeature2(300, 2), xor(300, 3)]) {
      for (let r = 0; r < data.nRows; r += 7) data.x[r * data.nFeatures] = NaN
      const boosting = await trainGradientBoosting(data, { maxIter: 20, earlyStopping: true }, { workers: 0 })
      const path = join(dir, 'boosting.json')
      await saveTreeModel(path, boosting)
      const loaded = await loadTreeModel(path)
      expect(loaded.kind).toBe('gbdt')
      expect(loaded.predictProba(data)).toEqual(boosting.predictProba(data))
      if (loaded.kind === 'gbdt') expect(loaded.history).toEqual(boosting.history)
    }
  })

  it('is a plain document another tool can predict with', async () => {
    const data = decidedByFeature2(200, 4)
    data.x[5] = NaN
    const boosting = await trainGradientBoosting(data, { maxIter: 10 }, { workers: 0 })
    const twoClasses = await trainGradientBoosting(xor(200, 5), { maxIter: 10 }, { workers: 0 })
    const forest = await trainRandomForest(xor(200, 5), { trees: 5 }, { workers: 0 })
    for (const [model, matrix] of [
      [boosting, data],
      [twoClasses, xor(50, 6)],
      [forest, xor(50, 6)],
    ] as const) {
      const doc = JSON.parse(JSON.stringify(treeModelToDocument(model))) as TreeModelDocument
      const expected = model.predictProba(matrix)
      const got = predictFromDocument(doc, matrix)
      got.forEach((row, r) => row.forEach((p, k) => expect(p).toBeCloseTo(expected[r * model.classes.length + k]!, 12)))
    }
    const doc = treeModelToDocument(boosting)
    expect(doc).toMatchObject({ format: 'earmark-tree-model', version: 1, model: 'gbdt', learningRate: 0.1 })
    if (doc.model === 'gbdt') expect(doc.binThresholds).toHaveLength(5)
  })

  it('refuses a damaged or foreign document with a clear error', async () => {
    const forest = await trainRandomForest(xor(100, 7), { trees: 2 }, { workers: 0 })
    const good = treeModelToDocument(forest)
    const cyclic = structuredClone(good)
    if (cyclic.model === 'rf') cyclic.trees[0]![0]!.left = 0
    for (const bad of [{}, { ...good, format: 'other' }, { ...good, version: 99 }, cyclic]) {
      expect(() => treeModelFromDocument(bad)).toThrow(EarmarkError)
    }
    const path = join(dir, 'broken.json')
    writeFileSync(path, '{"format": "earmark-tree')
    await expect(loadTreeModel(path)).rejects.toMatchObject({ code: 'corrupt' })
  })
})
