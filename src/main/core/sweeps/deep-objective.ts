import type { SweepSpec } from '@shared/sweep-spec'
import type { Fold } from '../evaluation/splits'
import type { DeepModelSpecInput } from '../models/deep/params'
import { arraySource } from '../training/data'
import { initEngine } from '../training/engine'
import { predictDeep } from '../training/saved'
import { trainDeep } from '../training/trainer'
import { score } from './objective'
import type { Params } from './space'

/** One deep-model trial: the inputs of every clip once, the folds, and the configuration. */
export interface DeepTrialTask {
  model: 'cnn' | 'crnn' | 'lstm'
  /** Every clip's [frames × features] input, one after another. */
  features: Float32Array
  shape: [frames: number, features: number]
  labels: Int32Array
  classes: string[]
  folds: Fold[]
  params: Params
  metric: SweepSpec['metric']
}

/**
 * Cross-validates one configuration of a deep model on this (worker) thread: trains on each
 * fold's training rows (early stopping, if any, on the training loss: the fold's test rows stay
 * unseen) and scores its test rows. Each lane of a sweep is its own thread with its own engine.
 */
export async function crossValidateDeep(task: DeepTrialTask): Promise<number[]> {
  await initEngine()
  const per = task.shape[0] * task.shape[1]
  const scores: number[] = []
  for (const fold of task.folds) {
    const trained = await trainDeep(
      { model: task.model, params: task.params } as DeepModelSpecInput,
      {
        features: arraySource(task.features, task.shape),
        labels: task.labels,
        classes: task.classes,
        train: fold.train,
        validation: [],
      },
      // Trials already run one per core: a trial that started peers would take its neighbour's.
      { workers: 1 },
    )
    const x = new Float32Array(fold.test.length * per)
    fold.test.forEach((row, i) => x.set(task.features.subarray(row * per, (row + 1) * per), i * per))
    const { predicted } = await predictDeep(trained, x)
    trained.model.dispose()
    const truth = Int32Array.from(fold.test, (row) => task.labels[row] as number)
    scores.push(score(task.metric, truth, predicted, task.classes.length))
  }
  return scores
}
