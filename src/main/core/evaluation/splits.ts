import type { Split } from '@shared/domain'
import { plural } from '@shared/plural'
import type { SplitPolicy } from '@shared/evaluation'
import { EarmarkError } from '../errors'
import { mulberry32, shuffle } from '../models/trees/random'

/*
 * Ways to split rows (clips) into training and test sets, for a run and for cross-validation.
 * Every splitter works on row indices, is seeded (the same seed and rows give the same
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
  /**
   * The rule that placed the clips: `column` when every clip followed the catalog's split column,
   * else how the clips without one were drawn: `group` (whole groups held out) or `random`.
   */
  policy: SplitPolicy
  /** In words: which rows followed the catalog's split column, which were drawn and how. */
  method: string
}

/**
 * A run's split. Rows whose clip has a split in the catalog keep it (the dataset's own split, e.g.
 * fsdd's takes 0-4 as test): a split column is the dataset author's intent, so it wins over any
 * draw. The other rows are drawn, seeded:
 * - when they carry groups (speakers, source recordings), whole groups go to test (`groupHoldOut`),
 *   so the test score says how the model does on a speaker it has never heard; a row whose group
 *   already sits on one side through the column joins it there;
 * - without groups, or when every row is in one group (nothing to hold out), a stratified draw of
 *   `testFraction` of each class (`holdOut`), and `method` says why.
 */
export function catalogSplit(
  splits: readonly (Split | null)[],
  labels: ArrayLike<number>,
  seed: number,
  testFraction = 0.2,
  groups?: readonly (string | null)[],
): RunSplitAssignment {
  if (splits.length !== labels.length)
    throw new EarmarkError('invalid-input', `${splits.length} splits for ${labels.length} labels`)
  if (groups && groups.length !== labels.length)
    throw new EarmarkError('invalid-input', `${groups.length} groups for ${labels.length} labels`)
  const out: RunSplitAssignment = { train: [], val: [], test: [], policy: 'column', method: '' }
  const unassigned: number[] = []
  // Which side of the column each group is on: 'test', 'train' (train or val), or 'both'.
  const columnSide = new Map<string, 'train' | 'test' | 'both'>()
  splits.forEach((split, row) => {
    if (split === null) {
      unassigned.push(row)
      return
    }
    out[split].push(row)
    const group = groups?.[row] ?? null
    if (group === null) return
    const side = split === 'test' ? 'test' : 'train'
    const known = columnSide.get(group)
    columnSide.set(group, known === undefined || known === side ? side : 'both')
  })
  const fromCatalog = splits.length - unassigned.length
  const parts: string[] = []
  if (fromCatalog > 0) {
    parts.push(
      unassigned.length === 0
        ? 'the catalog split column'
        : `the catalog split column for ${plural(fromCatalog, 'clip')}`,
    )
  }
  // Rows of a group the column already put on one side follow it there.
  const toDraw: number[] = []
  let followed = 0
  for (const row of unassigned) {
    const group = groups?.[row] ?? null
    const side = group === null ? undefined : columnSide.get(group)
    if (side === 'train' || side === 'test') {
      out[side].push(row)
      followed++
    } else toDraw.push(row)
  }
  if (followed > 0)
    parts.push(`${plural(followed, 'clip')} ${followed === 1 ? 'joins its' : 'join their'} group's side of the column`)
  if (toDraw.length > 0) {
    const drawLabels = Int32Array.from(toDraw, (row) => labels[row] as number)
    const drawGroups = toDraw.map((row) => groups?.[row] ?? null)
    const named = new Set(drawGroups.filter((g): g is string => g !== null))
    const percent = `${Math.round(testFraction * 100)}%`
    const others = fromCatalog + followed > 0 ? ` for the other ${toDraw.length}` : ''
    let drawn: Fold
    if (named.size > 0 && unitCount(drawGroups) >= 2) {
      drawn = groupHoldOut(drawLabels, drawGroups, testFraction, seed)
      const held = new Set(drawn.test.map((i) => drawGroups[i]).filter((g): g is string => g !== null))
      out.policy = 'group'
      parts.push(
        `whole groups held out to test, about ${percent} of the clips, stratified by class as far as the groups allow (seed ${seed}): ${held.size} of ${plural(named.size, 'group')} in test${others}`,
      )
    } else {
      drawn = holdOut(toDraw.length, testFraction, seed, drawLabels)
      out.policy = 'random'
      const why =
        named.size === 1
          ? ` — every clip is in one group (${[...named][0] as string}), so no group can be held out`
          : ''
      parts.push(`a stratified draw of ${percent} to test (seed ${seed})${others}${why}`)
    }
    out.train.push(...drawn.train.map((i) => toDraw[i] as number))
    out.test.push(...drawn.test.map((i) => toDraw[i] as number))
  }
  out.train.sort((a, b) => a - b)
  out.val.sort((a, b) => a - b)
  out.test.sort((a, b) => a - b)
  out.method = parts.join('; ')
  return out
}

/** How many units a group split moves: each named group once, each row without a group alone. */
function unitCount(groups: readonly (string | null)[]): number {
  const named = new Set<string>()
  let alone = 0
  for (const g of groups) {
    if (g === null) alone++
    else named.add(g)
  }
  return named.size + alone
}

/**
 * A hold-out that keeps every group whole (GroupShuffleSplit), stratified by class as far as the
 * groups allow: groups are visited in a seeded random order, and a group goes to test when it
 * brings the test side's class counts closer to `testFraction` of each class's rows (squared
 * distance), so the test set ends near the asked size with each class in about its share. At
 * least one group is tested and at least one trained on; a row without a group is a group of its
 * own. Fewer than two groups is an invalid-input error: nothing could be held out.
 */
export function groupHoldOut(
  labels: ArrayLike<number>,
  groups: readonly (string | null)[],
  testFraction: number,
  seed: number,
): Fold {
  if (!(testFraction > 0 && testFraction < 1)) {
    throw new EarmarkError('invalid-input', `the test fraction must be between 0 and 1, not ${testFraction}`)
  }
  if (groups.length !== labels.length)
    throw new EarmarkError('invalid-input', `${groups.length} groups for ${labels.length} labels`)
  const units = groupUnits(groups)
  if (units.length < 2) {
    throw new EarmarkError(
      'invalid-input',
      `holding groups out needs at least 2 groups; there ${units.length === 1 ? 'is 1' : `are ${units.length}`}`,
    )
  }
  const classOf = classIndex(labels)
  const nClasses = classOf.size
  const countsOf = (rows: readonly number[]): Float64Array => {
    const counts = new Float64Array(nClasses)
    for (const row of rows) {
      const c = classOf.get(labels[row] as number) as number
      counts[c] = (counts[c] as number) + 1
    }
    return counts
  }
  const target = countsOf(Array.from({ length: labels.length }, (_, i) => i)).map((n) => n * testFraction)
  const test = new Float64Array(nClasses)
  const distance = (add?: Float64Array): number => {
    let sum = 0
    for (let c = 0; c < nClasses; c++) {
      const d = (test[c] as number) + (add ? (add[c] as number) : 0) - (target[c] as number)
      sum += d * d
    }
    return sum
  }
  const order = Array.from({ length: units.length }, (_, i) => i)
  shuffle(order, mulberry32(seed))
  const inTest = new Uint8Array(units.length)
  const counts = units.map(countsOf)
  let tested = 0
  for (const u of order) {
    if (tested === units.length - 1) break
    const add = counts[u] as Float64Array
    if (distance(add) < distance()) {
      inTest[u] = 1
      tested++
      for (let c = 0; c < nClasses; c++) test[c] = (test[c] as number) + (add[c] as number)
    }
  }
  if (tested === 0) {
    // Every group alone overshoots the asked share: test the one that overshoots least.
    let best = order[0] as number
    for (const u of order) if (distance(counts[u]) < distance(counts[best])) best = u
    inTest[best] = 1
  }
  const fold: Fold = { train: [], test: [] }
  units.forEach((rows, u) => (inTest[u] ? fold.test : fold.train).push(...rows))
  return sorted(fold)
}

/**
 * Stratified group k-fold (scikit-learn's StratifiedGroupKFold with shuffle): no group in two
 * folds, and each class spread over the folds as evenly as whole groups allow. Groups are visited
 * in a seeded random order, those whose clips are most concentrated in few classes first (they are
 * the hardest to place), each to the fold where the spread of every class's share over the folds
 * stays smallest (ties: the fold with fewest rows). A row without a group is a group of its own.
 */
export function stratifiedGroupKFold(
  labels: ArrayLike<number>,
  groups: readonly (string | null)[],
  k: number,
  seed: number,
): Fold[] {
  if (groups.length !== labels.length)
    throw new EarmarkError('invalid-input', `${groups.length} groups for ${labels.length} labels`)
  const units = groupUnits(groups)
  if (units.length < k) {
    throw new EarmarkError('invalid-input', `group k-fold needs at least ${k} groups; there are ${units.length}`)
  }
  checkK(k, labels.length)
  const classOf = classIndex(labels)
  const nClasses = classOf.size
  const totals = new Float64Array(nClasses)
  const counts = units.map((rows) => {
    const c = new Float64Array(nClasses)
    for (const row of rows) {
      const cls = classOf.get(labels[row] as number) as number
      c[cls] = (c[cls] as number) + 1
      totals[cls] = (totals[cls] as number) + 1
    }
    return c
  })
  const order = Array.from({ length: units.length }, (_, i) => i)
  shuffle(order, mulberry32(seed))
  const spread = order.map((u) => std(counts[u] as Float64Array))
  const rank = new Map(order.map((u, i) => [u, i]))
  order.sort((a, b) => (spread[rank.get(b) as number] as number) - (spread[rank.get(a) as number] as number))
  const perFold = Array.from({ length: k }, () => new Float64Array(nClasses))
  const sizes = new Array<number>(k).fill(0)
  const fold = new Int32Array(labels.length)
  for (const u of order) {
    const add = counts[u] as Float64Array
    let best = 0
    let bestScore = Infinity
    for (let f = 0; f < k; f++) {
      const candidate = perFold[f] as Float64Array
      for (let c = 0; c < nClasses; c++) candidate[c] = (candidate[c] as number) + (add[c] as number)
      let score = 0
      for (let c = 0; c < nClasses; c++) {
        score += std(Float64Array.from(perFold, (p) => (p[c] as number) / (totals[c] as number)))
      }
      score /= nClasses
      for (let c = 0; c < nClasses; c++) candidate[c] = (candidate[c] as number) - (add[c] as number)
      if (
        score < bestScore - 1e-12 ||
        (Math.abs(score - bestScore) <= 1e-12 && (sizes[f] as number) < (sizes[best] as number))
      ) {
        best = f
        bestScore = score
      }
    }
    const target = perFold[best] as Float64Array
    for (let c = 0; c < nClasses; c++) target[c] = (target[c] as number) + (add[c] as number)
    const rows = units[u] as number[]
    for (const row of rows) fold[row] = best
    sizes[best] = (sizes[best] as number) + rows.length
  }
  return foldsFromAssignment(fold, k)
}

/** Rows by group, in order of first appearance; a row without a group is a group of its own. */
function groupUnits(groups: readonly (string | null)[]): number[][] {
  const members = new Map<string, number[]>()
  groups.forEach((group, row) => {
    const key = group === null ? `\u0000row ${row}` : `g ${group}`
    const list = members.get(key)
    if (list) list.push(row)
    else members.set(key, [row])
  })
  return [...members.values()]
}

/** Each class value's position among the sorted distinct values. */
function classIndex(labels: ArrayLike<number>): Map<number, number> {
  const values = [...new Set(Array.from(labels))].sort((a, b) => a - b)
  return new Map(values.map((v, i) => [v, i]))
}

function std(values: Float64Array): number {
  let mean = 0
  for (const v of values) mean += v
  mean /= values.length
  let sum = 0
  for (const v of values) sum += (v - mean) * (v - mean)
  return Math.sqrt(sum / values.length)
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
