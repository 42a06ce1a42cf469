import type { Split } from '@shared/domain'
import { EarmarkError } from '../errors'
import { mulberry32, shuffle } from '../models/trees/random'

/*
 * Ways to split rows (clips) into training and test sets, for a run and for cross-validation
 * (issue 9). Every splitter works on row indices, is seeded (the same seed and rows give the same
 * split), and returns sorted index lists.
 */

/** One round of cross-validation: the rows trained on and the rows tested. */
export interface Fold {
  train: number[]
  test: number[]
}

/**
 * Stratified k-fold: every row is tested exactly once, and each class is spread over the folds
 * as evenly as it can be (counts per fold differ by at most one), as scikit-learn's
 * StratifiedKFold(shuffle=True). Each class is shuffled, then dealt round the folds, each class
 * starting where the last one stopped so that fold sizes stay even too.
 */
export function stratifiedKFold(labels: ArrayLike<number>, k: number, seed: number): Fold[] {
  checkK(k, labels.length)
  const random = mulberry32(seed)
  const fold = new Int32Array(labels.length)
  let next = 0
  for (const rows of byClass(labels)) {
    shuffle(rows, random)
    for (const row of rows) {
      fold[row] = next
      next = (next + 1) % k
    }
  }
  return foldsFromAssignment(fold, k)
}

/**
 * Group k-fold: no group has rows in two folds (e.g. no speaker is both trained and tested on), so
 * scores are not inflated by what the model learnt of the group. Groups go, largest first, to the
 * fold with the fewest rows so far, as scikit-learn's GroupKFold; the seed breaks ties between
 * groups of the same size. A row without a group is a group of its own.
 */
export function groupKFold(groups: readonly (string | null)[], k: number, seed: number): Fold[] {
  const members = new Map<string, number[]>()
  groups.forEach((group, row) => {
    const key = group === null ? `\u0000row ${row}` : `g ${group}`
    const list = members.get(key)
    if (list) list.push(row)
    else members.set(key, [row])
  })
  if (members.size < k) {
    throw new EarmarkError('invalid-input', `group k-fold needs at least ${k} groups; there are ${members.size}`)
  }
  checkK(k, groups.length)
  const random = mulberry32(seed)
  const lists = [...members.values()]
  const order = Array.from({ length: lists.length }, (_, i) => i)
  shuffle(order, random)
  order.sort((a, b) => (lists[b] as number[]).length - (lists[a] as number[]).length)
  const sizes = new Array<number>(k).fill(0)
  const fold = new Int32Array(groups.length)
  for (const g of order) {
    const rows = lists[g] as number[]
    const smallest = sizes.indexOf(Math.min(...sizes))
    for (const row of rows) fold[row] = smallest
    sizes[smallest] = (sizes[smallest] as number) + rows.length
  }
  return foldsFromAssignment(fold, k)
}

/**
 * Predefined folds (ESC-50, UrbanSound8K): fold n tests the rows whose fold is n and trains on the
 * rows of every other fold, in increasing fold order. Rows without a fold take part in no fold.
 */
export function predefinedFolds(folds: readonly (number | null)[]): Fold[] {
  const values = [...new Set(folds.filter((f): f is number => f !== null))].sort((a, b) => a - b)
  if (values.length < 2) {
    throw new EarmarkError(
      'invalid-input',
      `predefined folds need clips in at least 2 folds; there are ${values.length}`,
    )
  }
  return values.map((value) => {
    const fold: Fold = { train: [], test: [] }
    folds.forEach((f, row) => {
      if (f === null) return
      ;(f === value ? fold.test : fold.train).push(row)
    })
    return fold
  })
}

/**
 * A plain hold-out: `testFraction` of the rows tested, the rest trained on; stratified by class
 * (each class split in the same proportion, its test share rounded to the nearest whole row)
 * when labels are given.
 */
export function holdOut(rows: number, testFraction: number, seed: number, labels?: ArrayLike<number>): Fold {
  if (!(testFraction > 0 && testFraction < 1)) {
    throw new EarmarkError('invalid-input', `the test fraction must be between 0 and 1, not ${testFraction}`)
  }
  if (labels && labels.length !== rows)
    throw new EarmarkError('invalid-input', `${labels.length} labels for ${rows} rows`)
  const random = mulberry32(seed)
  const classes = labels ? byClass(labels) : [Array.from({ length: rows }, (_, i) => i)]
  const fold: Fold = { train: [], test: [] }
  for (const members of classes) {
    shuffle(members, random)
    const nTest = Math.round(members.length * testFraction)
    fold.test.push(...members.slice(0, nTest))
    fold.train.push(...members.slice(nTest))
  }
  return sorted(fold)
}

/** How a run's clips were split. */
export interface RunSplitAssignment {
  train: number[]
  val: number[]
  test: number[]
  /** In words: which rows followed the catalog's split column, which were drawn. */
  method: string
}

/**
 * A run's split, fsdd-style: rows whose clip has a split in the catalog keep it (the dataset's own
 * split, e.g. fsdd's takes 0-4 as test), and rows without one are split by a seeded stratified draw,
 * `testFraction` of each class to test. A split column is the dataset author's intent, so it wins
 * over any draw.
 */
export function catalogSplit(
  splits: readonly (Split | null)[],
  labels: ArrayLike<number>,
  seed: number,
  testFraction = 0.2,
): RunSplitAssignment {
  if (splits.length !== labels.length)
    throw new EarmarkError('invalid-input', `${splits.length} splits for ${labels.length} labels`)
  const out: RunSplitAssignment = { train: [], val: [], test: [], method: '' }
  const unassigned: number[] = []
  splits.forEach((split, row) => {
    if (split === null) unassigned.push(row)
    else out[split].push(row)
  })
  const fromCatalog = splits.length - unassigned.length
  if (unassigned.length > 0) {
    const drawn = holdOut(
      unassigned.length,
      testFraction,
      seed,
      Int32Array.from(unassigned, (row) => labels[row] as number),
    )
    out.train.push(...drawn.train.map((i) => unassigned[i] as number))
    out.test.push(...drawn.test.map((i) => unassigned[i] as number))
  }
  out.train.sort((a, b) => a - b)
  out.test.sort((a, b) => a - b)
  const drawn = `a stratified draw of ${Math.round(testFraction * 100)}% to test (seed ${seed})`
  out.method =
    unassigned.length === 0
      ? 'the catalog split column'
      : fromCatalog === 0
        ? drawn
        : `the catalog split column for ${fromCatalog} clips; ${drawn} for the other ${unassigned.length}`
  return out
}

/** Row indices grouped by class, in class order (classes without rows left out). */
function byClass(labels: ArrayLike<number>): number[][] {
  const groups = new Map<number, number[]>()
  for (let row = 0; row < labels.length; row++) {
    const label = labels[row] as number
    const list = groups.get(label)
    if (list) list.push(row)
    else groups.set(label, [row])
  }
  return [...groups.entries()].sort((a, b) => a[0] - b[0]).map(([, rows]) => rows)
}

function foldsFromAssignment(fold: Int32Array, k: number): Fold[] {
  return Array.from({ length: k }, (_, f) => {
    const out: Fold = { train: [], test: [] }
    fold.forEach((g, row) => (g === f ? out.test : out.train).push(row))
    return out
  })
}

function sorted(fold: Fold): Fold {
  return { train: fold.train.sort((a, b) => a - b), test: fold.test.sort((a, b) => a - b) }
}

function checkK(k: number, rows: number): void {
  if (!Number.isInteger(k) || k < 2) throw new EarmarkError('invalid-input', `k-fold needs k >= 2, not ${k}`)
  if (k > rows) throw new EarmarkError('invalid-input', `${k} folds need at least ${k} clips; there are ${rows}`)
}
