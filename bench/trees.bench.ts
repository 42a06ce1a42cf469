/**
 * Random forest and gradient boosting on the fsdd-dev summary-feature matrix, side by side with
 * scikit-learn on the very same CSV (bench/python/trees_sklearn.py, Debian's python3-sklearn).
 * Goals: test accuracy within 1 point of scikit-learn, fit time no more than 1.5x
 * scikit-learn's. Fit times are the median of 3, since the two cores are shared.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  trainGradientBoosting,
  trainRandomForest,
  type TrainingSet,
  type TreeClassifier,
} from '../src/main/core/models/trees'
import { defaultSetParams, recipeOf } from '../src/main/core/feature-sets/recipe'
import { loadSummaryFeatures } from '../src/main/core/runs'
import { finish, ratio } from './report'

const root = join(import.meta.dirname, '..')
const fsdd = join(root, 'test', 'data', 'fsdd-dev')

/** The clip summary-feature matrix, as `earmark features --summary --csv` will write it. */
interface SummaryMatrix {
  paths: string[]
  labels: string[]
  splits: ('train' | 'test')[]
  featureNames: string[]
  /** Row-major, one row per clip. */
  x: Float64Array
}

/**
 * The matrix the benchmark trains on: the summary vectors of the default set `earmark train` uses
 * for 8 kHz clips (src/main/core/feature-sets/recipe.ts), computed on worker threads by the same
 * code, so the figures are those of the studio's own training.
 */
async function summaryMatrix(folder: string): Promise<SummaryMatrix> {
  const files = readdirSync(folder)
    .filter((f) => /^(\d)_([a-z]+)_(\d+)\.wav$/.test(f))
    .sort()
  const paths = files.map((f) => join(folder, f))
  const recipe = recipeOf('default', defaultSetParams('summary', { sampleRate: 8000, seconds: 1 }), { kind: 'summary' })
  const computed = await loadSummaryFeatures({ files: paths }, recipe, { workers: 2 })
  if (computed.failed.length > 0) throw new Error(`could not read ${computed.failed.map((f) => f.path).join(', ')}`)
  return {
    paths,
    // fsdd's file names: {digit}_{speaker}_{take}.wav; takes 0-4 of each digit and speaker are the test set.
    labels: files.map((f) => f.slice(0, 1)),
    splits: files.map((f) => (Number(/_(\d+)\.wav$/.exec(f)?.[1]) <= 4 ? 'test' : 'train')),
    featureNames: computed.names,
    x: computed.x,
  }
}

/** Writes the matrix as `earmark features --summary --csv` does: path, label, split, named columns. */
function writeCsv(matrix: SummaryMatrix, path: string): void {
  const width = matrix.featureNames.length
  const lines = [['path', 'label', 'split', ...matrix.featureNames].join(',')]
  matrix.paths.forEach((p, r) => {
    const values = Array.from(matrix.x.subarray(r * width, (r + 1) * width), (v) => (Number.isNaN(v) ? '' : String(v)))
    lines.push([JSON.stringify(p), matrix.labels[r], matrix.splits[r], ...values].join(','))
  })
  writeFileSync(path, lines.join('\n') + '\n')
}

/** The rows of one split as a training set, classes in sorted order. */
function trainingSet(matrix: SummaryMatrix, split: 'train' | 'test', classes: string[]): TrainingSet {
  const width = matrix.featureNames.length
  const rows = matrix.splits.flatMap((s, r) => (s === split ? [r] : []))
  const x = new Float64Array(rows.length * width)
  rows.forEach((row, i) => x.set(matrix.x.subarray(row * width, (row + 1) * width), i * width))
  const y = Int32Array.from(rows, (row) => classes.indexOf(matrix.labels[row] as string))
  return { x, nRows: rows.length, nFeatures: width, y, featureNames: matrix.featureNames, classes }
}

/** The mean over classes of each class's F1 score (scikit-learn's f1_score(average='macro')). */
function macroF1(truth: Int32Array, predicted: Int32Array, nClasses: number): number {
  let sum = 0
  for (let k = 0; k < nClasses; k++) {
    let tp = 0
    let fp = 0
    let fn = 0
    truth.forEach((t, i) => {
      if (predicted[i] === k && t === k) tp++
      else if (predicted[i] === k) fp++
      else if (t === k) fn++
    })
    sum += tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn)
  }
  return sum / nClasses
}

/** Test accuracy, macro-F1 and fit times of one model, as the Python script reports them. */
interface Figures {
  accuracy: number
  macroF1: number
  fitSeconds: number[]
}

async function measure(train: () => Promise<TreeClassifier>, test: TrainingSet): Promise<Figures> {
  const fitSeconds: number[] = []
  let model: TreeClassifier | undefined
  for (let run = 0; run < REPEATS; run++) {
    const start = performance.now()
    model = await train()
    fitSeconds.push((performance.now() - start) / 1000)
  }
  const predicted = (model as TreeClassifier).predict(test)
  const right = predicted.filter((k, i) => k === test.y[i]).length
  return { accuracy: right / test.nRows, macroF1: macroF1(test.y, predicted, test.classes.length), fitSeconds }
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN

function report(name: string, ours: Figures, theirs: Figures): boolean {
  const [fit, reference] = [median(ours.fitSeconds), median(theirs.fitSeconds)]
  const points = 100 * (ours.accuracy - theirs.accuracy)
  const pct = (v: number): string => `${(100 * v).toFixed(2)}%`.padStart(8)
  console.log(
    `${name.padEnd(22)} accuracy ${pct(ours.accuracy)} vs ${pct(theirs.accuracy)} (${points >= 0 ? '+' : ''}${points.toFixed(2)} points)` +
      `   macro-F1 ${ours.macroF1.toFixed(4)} vs ${theirs.macroF1.toFixed(4)}` +
      `   fit ${fit.toFixed(3)} s vs ${reference.toFixed(3)} s (Earmark takes ${(fit / reference).toFixed(2)}x the time)`,
  )
  console.log(
    `${''.padEnd(22)} fit runs: earmark ${ours.fitSeconds.map((t) => t.toFixed(3)).join(', ')} s;` +
      ` scikit-learn ${theirs.fitSeconds.map((t) => t.toFixed(3)).join(', ')} s`,
  )
  return points >= -1 && fit <= 1.5 * reference
}

/** Fits per model and side (EARMARK_BENCH_REPEATS=1 for a quick check of the harness). */
const REPEATS = Number(process.env['EARMARK_BENCH_REPEATS'] ?? 3)

/** scikit-learn's figures on the CSV, on `threads` threads (the forest's jobs and OpenMP's). */
function scikitLearn(csv: string, threads: number): { sklearn: string; rf: Figures; gbdt: Figures } {
  const python = spawnSync(
    '/usr/bin/python3',
    [join(import.meta.dirname, 'python', 'trees_sklearn.py'), csv, String(REPEATS), String(threads)],
    {
      encoding: 'utf8',
      env: {
        ...process.env,
        OMP_NUM_THREADS: String(threads),
        OPENBLAS_NUM_THREADS: String(threads),
        MKL_NUM_THREADS: String(threads),
      },
    },
  )
  if (python.status !== 0) throw new Error(`scikit-learn run failed (is python3-sklearn installed?): ${python.stderr}`)
  return JSON.parse(python.stdout.trim().split('\n').pop() ?? '{}') as { sklearn: string; rf: Figures; gbdt: Figures }
}

if (!existsSync(fsdd)) {
  console.log(`skipped: ${fsdd} is absent`)
  process.exit(0)
}
const dir = mkdtempSync(join(tmpdir(), 'earmark-trees-'))
try {
  const started = performance.now()
  const matrix = await summaryMatrix(fsdd)
  const csv = join(dir, 'summary.csv')
  writeCsv(matrix, csv)
  const classes = [...new Set(matrix.labels)].sort()
  const train = trainingSet(matrix, 'train', classes)
  const test = trainingSet(matrix, 'test', classes)
  console.log(
    `fsdd-dev summary features: ${train.nRows} train / ${test.nRows} test clips x ${train.nFeatures} features, ` +
      `${classes.length} classes (matrix in ${((performance.now() - started) / 1000).toFixed(1)} s)`,
  )

  const rf = await measure(() => trainRandomForest(train, { trees: 300, seed: 0 }), test)
  const gbdt = await measure(() => trainGradientBoosting(train, { seed: 0 }), test)
  // The same models on this thread alone, for reference: no worker start-up, one core.
  const rfHere = await measure(() => trainRandomForest(train, { trees: 300, seed: 0 }, { workers: 0 }), test)
  const gbdtHere = await measure(() => trainGradientBoosting(train, { seed: 0 }, { workers: 0 }), test)

  const sklearn = { 2: scikitLearn(csv, 2), 1: scikitLearn(csv, 1) }

  console.log(
    `\nearmark vs scikit-learn, same CSV (fit: median of ${REPEATS}; goals: accuracy >= -1 point, fit <= 1.5x)`,
  )
  const rfOk = report('random forest (300)', rf, sklearn[2].rf)
  const gbdtOk = report('gradient boosting', gbdt, sklearn[2].gbdt)
  report('  rf, one thread', rfHere, sklearn[1].rf)
  report('  gbdt, one thread', gbdtHere, sklearn[1].gbdt)
  console.log(
    `goals: random forest ${rfOk ? 'met' : 'MISSED'}, gradient boosting ${gbdtOk ? 'met' : 'MISSED'}` +
      ' (worker threads start through tsx here, about 0.2 s more than from the build)',
  )
  const figures: Record<string, number> = { trainClips: train.nRows, testClips: test.nRows, features: train.nFeatures }
  const ratios: Record<string, number | null> = {}
  const pairs = [
    ['rfTwoThreads', rf, sklearn[2].rf],
    ['gbdtTwoThreads', gbdt, sklearn[2].gbdt],
    ['rfOneThread', rfHere, sklearn[1].rf],
    ['gbdtOneThread', gbdtHere, sklearn[1].gbdt],
  ] as const
  for (const [key, ours, theirs] of pairs) {
    const [fit, reference] = [median(ours.fitSeconds), median(theirs.fitSeconds)]
    Object.assign(figures, {
      [`${key}EarmarkFitSeconds`]: fit,
      [`${key}SklearnFitSeconds`]: reference,
      [`${key}EarmarkAccuracyPercent`]: 100 * ours.accuracy,
      [`${key}SklearnAccuracyPercent`]: 100 * theirs.accuracy,
      [`${key}EarmarkMacroF1`]: ours.macroF1,
      [`${key}SklearnMacroF1`]: theirs.macroF1,
    })
    // Fit speed: scikit-learn's time over Earmark's, above 1 where Earmark fits faster.
    ratios[`${key}Fit`] = ratio(1 / fit, 1 / reference)
  }
  await finish('trees', {
    machine: {
      engine: `Earmark's random forest (300 trees) and gradient boosting (TypeScript) on Node ${process.version}`,
      reference: `scikit-learn ${sklearn[2].sklearn} (Debian) RandomForestClassifier(300), HistGradientBoostingClassifier`,
      parallelism:
        'two threads each (Earmark 2 tree workers, scikit-learn n_jobs=2 / 2 OpenMP threads), then one each; one after the other',
    },
    figures,
    ratios,
  })
} finally {
  rmSync(dir, { recursive: true, force: true })
}
