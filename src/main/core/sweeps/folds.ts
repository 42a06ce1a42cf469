import type { Database } from 'better-sqlite3'
import type { SweepSpec } from '@shared/sweep-spec'
import { trainingClips, type TrainingClip } from '../catalog/runs'
import { EarmarkError } from '../errors'
import {
  groupKFold,
  holdOut,
  predefinedFolds,
  stratifiedGroupKFold,
  stratifiedKFold,
  type Fold,
} from '../evaluation/splits'
import { labelledSplit } from '../runs/train'

/** The test share of a run started without one, as "train the best configuration" starts it. */
const DEFAULT_TEST_FRACTION = 0.2

/**
 * The clips a sweep cross-validates on: the training side (validation included) of the split that
 * a run with the sweep's seed and the default test share draws, by the same split policy (catalog
 * column, else whole groups held out, else a stratified draw). So the sweep never tunes on the
 * clips "train the best configuration" will be tested on, and its scores sit beside that run's.
 * A project without two classes keeps the catalog's non-test clips, for the sweep to refuse.
 */
export function sweepClips(db: Database, seed: number): TrainingClip[] {
  let planned: ReturnType<typeof labelledSplit>
  try {
    planned = labelledSplit(db, seed, DEFAULT_TEST_FRACTION)
  } catch (error) {
    if (error instanceof EarmarkError && error.code === 'invalid-input') {
      return trainingClips(db).clips.filter((c) => c.split !== 'test')
    }
    throw error
  }
  const { clips, split } = planned
  return [...split.train, ...split.val].sort((a, b) => a - b).map((i) => clips[i] as TrainingClip)
}

/** A sweep's cross-validation folds, and how they were made in words (for the job log). */
export interface SweepFolds {
  folds: Fold[]
  method: string
}

/**
 * The folds a sweep's trials are scored on. Stratified k-fold, the default, keeps each group
 * (speaker, source recording) in one fold when the clips carry groups (stratified group k-fold):
 * otherwise a model is scored on speakers it trained on, and the sweep's scores come out far above
 * the run trained from its best configuration. With fewer groups than folds it uses one fold per
 * group; with a single group, plain stratified folds, and says so.
 */
export function sweepFolds(
  spec: SweepSpec,
  y: Int32Array,
  groups: readonly (string | null)[],
  folds: readonly (number | null)[],
): SweepFolds {
  const k = spec.cv.folds
  switch (spec.cv.kind) {
    case 'stratified': {
      const named = new Set(groups.filter((g): g is string => g !== null))
      const units = named.size + groups.filter((g) => g === null).length
      if (named.size === 0) {
        return { folds: stratifiedKFold(y, k, spec.seed), method: `stratified ${k}-fold` }
      }
      if (units < 2) {
        return {
          folds: stratifiedKFold(y, k, spec.seed),
          method: `stratified ${k}-fold: every clip is in one group, so no group can be kept out of training`,
        }
      }
      const used = Math.min(k, units)
      if (used < 2) throw new EarmarkError('invalid-input', `${k} folds need at least 2 clips`)
      return {
        folds: stratifiedGroupKFold(y, groups, used, spec.seed),
        method:
          used < k
            ? `stratified group ${used}-fold, one fold per group: only ${units} groups for ${k} folds`
            : `stratified group ${k}-fold: no group in two folds`,
      }
    }
    case 'group':
      return { folds: groupKFold(groups, k, spec.seed), method: `group ${k}-fold` }
    case 'folds':
      return { folds: predefinedFolds(folds), method: 'the catalog fold column' }
    case 'holdout':
      return {
        folds: [holdOut(y.length, spec.cv.testFraction, spec.seed, y)],
        method: `a stratified hold-out of ${Math.round(spec.cv.testFraction * 100)}%`,
      }
  }
}
