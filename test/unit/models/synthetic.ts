// Small data sets with known answers, generated from a seed (no fixture files).
import type { TrainingSet } from '../../../src/main/core/models/trees'
import { mulberry32 } from '../../../src/main/core/models/trees/random'

/** Rows of `nFeatures` uniform values in [-1, 1], labelled by `label`. */
export function generate(
  nRows: number,
  nFeatures: number,
  seed: number,
  label: (row: number[], random: () => number) => number,
  classes: string[] = ['a', 'b'],
): TrainingSet {
  const random = mulberry32(seed)
  const x = new Float64Array(nRows * nFeatures)
  const y = new Int32Array(nRows)
  for (let r = 0; r < nRows; r++) {
    const row = Array.from({ length: nFeatures }, () => random() * 2 - 1)
    x.set(row, r * nFeatures)
    y[r] = label(row, random)
  }
  const featureNames = Array.from({ length: nFeatures }, (_, f) => `f${f}`)
  return { x, nRows, nFeatures, y, featureNames, classes }
}

/** XOR of the signs of features 0 and 1, with two noise features: no single split separates it. */
export function xor(nRows: number, seed: number): TrainingSet {
  return generate(nRows, 4, seed, ([a, b]) => ((a as number) > 0 !== (b as number) > 0 ? 1 : 0))
}

/** Three classes decided by feature 2 alone (by thirds of its range); features 0, 1, 3, 4 are noise. */
export function decidedByFeature2(nRows: number, seed: number): TrainingSet {
  const third = (v: number): number => (v < -1 / 3 ? 0 : v < 1 / 3 ? 1 : 2)
  return generate(nRows, 5, seed, (row) => third(row[2] as number), ['low', 'mid', 'high'])
}

/** Splits rows into the first `trainRows` and the rest. */
export function split(data: TrainingSet, trainRows: number): { train: TrainingSet; test: TrainingSet } {
  const part = (from: number, to: number): TrainingSet => ({
    ...data,
    x: data.x.slice(from * data.nFeatures, to * data.nFeatures),
    y: data.y.slice(from, to),
    nRows: to - from,
  })
  return { train: part(0, trainRows), test: part(trainRows, data.nRows) }
}
