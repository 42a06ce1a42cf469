import { EarmarkError } from '../errors'
import { accuracy, averageScores, perClassScores } from './metrics'
import { groupHoldOut, groupKFold, holdOut } from './splits'

/*
 * How well a model names examples of groups it never trained on (speakers, recording sites,
 * devices): leave-one-group-out cross-validation. Users label a few groups and deploy on others,
 * so this, not a random split within the same groups, is the figure defaults are chosen by. A
 * learner is any function that trains on some rows and predicts others, so the same folds and
 * scores serve the deep models and the trees, and tests can hand in a learner of their own.
 */

/** Labelled examples and the group of each (every example must have one). */
export interface GroupedLabels {
  labels: ArrayLike<number>
  groups: readonly string[]
  classes: readonly string[]
}

/** One training of a learner: fit on `train`, stop early on `validation`, predict `test`. */
export interface FoldRows {
  train: number[]
  validation: number[]
  test: number[]
}

/** A learner's predictions for a fold's test rows, in their order. */
export interface FoldPrediction {
  predicted: Int32Array
  /** Epochs trained, for learners that have them. */
  epochs?: number
}

/** Trains on a fold's rows and predicts its test rows. */
export type Learner = (rows: FoldRows) => Promise<FoldPrediction>

/** Scores of one fold, on its test rows only. */
export interface FoldScore {
  /** The groups tested (one under leave-one-group-out; every group on an own split). */
  tested: string[]
  /** The groups trained on. */
  trained: string[]
  rows: { train: number; validation: number; test: number }
  accuracy: number
  macroF1: number
  epochs: number | null
  seconds: number
}

/** Leave-one-group-out: every fold's scores, and their unweighted mean. */
export interface GroupCrossValidation {
  folds: FoldScore[]
  mean: { accuracy: number; macroF1: number }
}

/** How folds are drawn and trained. */
export interface HeldOutOptions {
  /** Share of the training rows held out for validation (early stopping, best weights); default 0.1. */
  validationFraction?: number
  /** Seed of the validation draw. */
  seed?: number
  /** Called as each fold is scored, with the rows it used (for progress and checks). */
  onFold?: (score: FoldScore, rows: FoldRows) => void
}

/**
 * One fold per group, in group-name order: fold i tests every row of the i-th group and trains on
 * all the others (group k-fold with as many folds as groups).
 */
export function leaveOneGroupOut(groups: readonly string[]): { group: string; train: number[]; test: number[] }[] {
  const names = [...new Set(groups)].sort()
  if (names.length < 2) {
    throw new EarmarkError(
      'invalid-input',
      `leave-one-group-out needs at least 2 groups; there ${names.length === 1 ? 'is 1' : 'are 0'}`,
    )
  }
  return groupKFold(groups, names.length, 0)
    .map((fold) => ({ group: groups[fold.test[0] as number] as string, ...fold }))
    .sort((a, b) => (a.group < b.group ? -1 : 1))
}

/**
 * Validation rows drawn from training rows as a run draws them: whole groups when there are
 * enough groups for one to be about the share asked (so early stopping too is judged on unheard
 * groups), else a stratified share of each class, since one of two speakers would take half the data.
 */
export function validationRows(
  train: readonly number[],
  data: GroupedLabels,
  fraction: number,
  seed: number,
): { train: number[]; validation: number[] } {
  if (!(fraction > 0 && fraction < 1)) {
    throw new EarmarkError('invalid-input', `validationFraction must be between 0 and 1, not ${fraction}`)
  }
  const labels = Int32Array.from(train, (i) => data.labels[i] as number)
  const groups = train.map((i) => data.groups[i] as string)
  const byGroup = new Set(groups).size >= Math.ceil(1 / fraction)
  const drawn = byGroup ? groupHoldOut(labels, groups, fraction, seed) : holdOut(train.length, fraction, seed, labels)
  return {
    train: drawn.train.map((i) => train[i] as number).sort((a, b) => a - b),
    validation: drawn.test.map((i) => train[i] as number).sort((a, b) => a - b),
  }
}

/** Trains the learner on `train` (less its validation rows) and scores it on `test` alone. */
export async function scoreSplit(
  data: GroupedLabels,
  learner: Learner,
  split: { train: readonly number[]; test: readonly number[] },
  options: HeldOutOptions = {},
): Promise<FoldScore> {
  checkData(data)
  const testSet = new Set(split.test)
  if (split.train.some((i) => testSet.has(i))) throw new EarmarkError('invalid-input', 'a row is in train and test')
  const started = performance.now()
  const drawn = validationRows(split.train, data, options.validationFraction ?? 0.1, options.seed ?? 0)
  const rows: FoldRows = { ...drawn, test: [...split.test] }
  const { predicted, epochs } = await learner(rows)
  if (predicted.length !== rows.test.length) {
    throw new Error(`the learner predicted ${predicted.length} rows of ${rows.test.length}`)
  }
  const truth = Int32Array.from(rows.test, (i) => data.labels[i] as number)
  const namesOf = (r: readonly number[]): string[] => [...new Set(r.map((i) => data.groups[i] as string))].sort()
  const score: FoldScore = {
    tested: namesOf(rows.test),
    trained: namesOf(split.train),
    rows: { train: rows.train.length, validation: rows.validation.length, test: rows.test.length },
    accuracy: accuracy(truth, predicted),
    macroF1: averageScores(perClassScores(truth, predicted, data.classes.length)).macro.f1,
    epochs: epochs ?? null,
    seconds: (performance.now() - started) / 1000,
  }
  options.onFold?.(score, rows)
  return score
}

/**
 * Leave-one-group-out cross-validation of a learner: per fold, validation rows come from the
 * training groups only, so nothing of the tested group steers training; the mean is over folds.
 */
export async function crossValidateGroups(
  data: GroupedLabels,
  learner: Learner,
  options: HeldOutOptions = {},
): Promise<GroupCrossValidation> {
  checkData(data)
  const folds: FoldScore[] = []
  for (const fold of leaveOneGroupOut(data.groups)) folds.push(await scoreSplit(data, learner, fold, options))
  const mean = (pick: (s: FoldScore) => number): number => folds.reduce((sum, s) => sum + pick(s), 0) / folds.length
  return { folds, mean: { accuracy: mean((s) => s.accuracy), macroF1: mean((s) => s.macroF1) } }
}

function checkData(data: GroupedLabels): void {
  if (data.groups.length !== data.labels.length) {
    throw new EarmarkError(
      'invalid-input',
      `${data.labels.length} labels but ${data.groups.length} groups: every example needs a group`,
    )
  }
  const k = data.classes.length
  for (let i = 0; i < data.labels.length; i++) {
    const label = data.labels[i] as number
    if (!(Number.isInteger(label) && label >= 0 && label < k)) {
      throw new EarmarkError('invalid-input', `example ${i}'s label ${label} is not one of the ${k} classes`)
    }
    if (!data.groups[i]) throw new EarmarkError('invalid-input', `example ${i} has no group`)
  }
}
