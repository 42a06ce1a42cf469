import type { SweepSpec } from '@shared/sweep-spec'
import { accuracy, averageScores, balancedAccuracy, perClassScores } from '../evaluation/metrics'
import type { Fold } from '../evaluation/splits'
import type { TrainingSet } from '../models/trees/data'
import type { TreeModelKind } from '../models/trees/model'
import { trainTreeModel } from '../models/trees/train'
import type { Params } from './space'

/** One trial's work: train on each fold's training rows, score its test rows. */
export interface TrialTask {
  data: TrainingSet
  folds: Fold[]
  model: TreeModelKind
  params: Params
  metric: SweepSpec['metric']
}

/** The rows of a matrix, as a new training set (the model sees only these rows). */
function subset(data: TrainingSet, rows: readonly number[]): TrainingSet {
  const width = data.nFeatures
  const x = new Float64Array(rows.length * width)
  const y = new Int32Array(rows.length)
  rows.forEach((row, i) => {
    x.set(data.x.subarray(row * width, (row + 1) * width), i * width)
    y[i] = data.y[row] as number
  })
  return { x, y, nRows: rows.length, nFeatures: width, featureNames: data.featureNames, classes: data.classes }
}

export function score(metric: SweepSpec['metric'], truth: Int32Array, predicted: Int32Array, nClasses: number): number {
  switch (metric) {
    case 'accuracy':
      return accuracy(truth, predicted)
    case 'balancedAccuracy':
      return balancedAccuracy(truth, predicted, nClasses)
    case 'macroF1':
      return averageScores(perClassScores(truth, predicted, nClasses)).macro.f1
  }
}

/**
 * Cross-validates one configuration of a tree model, on this thread (a sweep runs one trial per
 * worker thread, so each model trains single-threaded: trials, not trees, share the cores).
 */
export async function crossValidate(task: TrialTask): Promise<number[]> {
  const scores: number[] = []
  for (const fold of task.folds) {
    const model = await trainTreeModel(task.model, subset(task.data, fold.train), task.params, { workers: 0 })
    const test = subset(task.data, fold.test)
    scores.push(score(task.metric, test.y, model.predict(test), task.data.classes.length))
  }
  return scores
}
