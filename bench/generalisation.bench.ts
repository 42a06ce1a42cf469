/**
 * How well each model kind, with its defaults, names the digits of a speaker it never heard:
 * leave-one-speaker-out cross-validation on fsdd-dev (train on two speakers, test on the third,
 * all three ways; validation for early stopping drawn from the training speakers only), beside
 * the own-split figure (every speaker in training, takes 0-4 tested, fsdd's convention). The
 * defaults are chosen by the leave-one-speaker-out mean; goal: the default CNN at 70% or more.
 * `before` trains the same way with the defaults as they were before the held-out-group measure
 * chose them (given explicitly), so the two tables come from one run on one machine.
 *
 * Environment, for quicker checks: GENERALISATION_KINDS=cnn,lstm (default every kind),
 * GENERALISATION_TAKES=20 (the first takes of each digit and speaker; default all 50),
 * GENERALISATION_OWN=0 (skip the own split), GENERALISATION_LOSO=0 (the own split alone), GENERALISATION_BEFORE=0 (skip `before`),
 * GENERALISATION_PARAMS='{"cnn":{"epochs":5}}' (hyperparameters over the defaults).
 * GENERALISATION_SEEDS=0,1,2 (default 0) trains the deep kinds once per seed, each seed with its own
 * augmented copies: a fold moves by several points with the seed, so defaults are chosen by the
 * mean over seeds (`overSeeds`); the per-fold figures and the own split are the first seed's.
 */
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import {
  crossValidateGroups,
  scoreSplit,
  type FoldScore,
  type GroupCrossValidation,
  type GroupedLabels,
  type Learner,
} from '../src/main/core/evaluation/held-out-groups'
import { loadSummaryFeatures } from '../src/main/core/runs'
import {
  deepLearner,
  defaultRecipeFor,
  HELD_OUT_KINDS,
  loadDeepLearnerInputs,
  treeLearner,
  type HeldOutKind,
} from '../src/main/core/runs/held-out-learners'
import { initEngine } from '../src/main/core/training'
import { finish } from './report'

const fsdd = join(import.meta.dirname, '..', 'test', 'data', 'fsdd-dev')

/**
 * The defaults before the held-out-group measure chose them, as explicit hyperparameters (each
 * kind's other hyperparameters, and every option that did not exist then, at its neutral value).
 */
const NO_AUGMENTATION = {
  augmentCopies: 0,
  vtlp: 0,
  speed: 0,
  pitchShift: 0,
  timeShift: 0,
  freqWarp: 0,
  timeMasks: 0,
  freqMasks: 0,
  mixup: 0,
}
const PREVIOUS_DEFAULTS: Record<'cnn' | 'crnn' | 'lstm', Record<string, unknown> | null> = {
  cnn: { ...NO_AUGMENTATION, epochs: 20 },
  // Unchanged: the CRNN scored the same with the new augmentation as without.
  crnn: null,
  lstm: { ...NO_AUGMENTATION, pooling: 'last' },
}

const env = process.env
const kinds = (env['GENERALISATION_KINDS']?.split(',') ?? [...HELD_OUT_KINDS]) as HeldOutKind[]
for (const k of kinds)
  if (!HELD_OUT_KINDS.includes(k)) throw new Error(`unknown kind ${k}; kinds: ${HELD_OUT_KINDS.join(', ')}`)
const takes = Number(env['GENERALISATION_TAKES'] ?? 50)
const ownSplit = env['GENERALISATION_OWN'] !== '0'
const heldOut = env['GENERALISATION_LOSO'] !== '0'
const before = env['GENERALISATION_BEFORE'] !== '0'
const overrides = JSON.parse(env['GENERALISATION_PARAMS'] ?? '{}') as Partial<
  Record<HeldOutKind, Record<string, unknown>>
>
const seeds = (env['GENERALISATION_SEEDS'] ?? '0').split(',').map(Number)
if (seeds.length === 0 || seeds.some((s) => !Number.isInteger(s) || s < 0))
  throw new Error(`GENERALISATION_SEEDS must be whole numbers from 0, as 0,1,2`)

/** One kind's figures: per fold (by held-out speaker), their mean, and the own split. */
interface KindFigures {
  params: Record<string, unknown>
  folds: Record<string, { accuracy: number; macroF1: number; epochs: number | null; seconds: number }>
  mean: { accuracy: number; macroF1: number } | null
  ownSplit: { accuracy: number; macroF1: number; epochs: number | null } | null
  /** With several seeds (deep kinds): each seed's leave-one-speaker-out mean, and their mean. */
  overSeeds?: {
    seeds: Record<string, { accuracy: number; macroF1: number; folds: Record<string, number> }>
    mean: { accuracy: number; macroF1: number }
  }
}

if (!existsSync(fsdd)) {
  console.log(`skipped: ${fsdd} is absent`)
  process.exit(0)
}
const files = readdirSync(fsdd)
  .filter((f) => /^\d_[a-z]+_\d+\.wav$/.test(f) && Number(/_(\d+)\.wav$/.exec(f)?.[1]) < takes)
  .sort()
const paths = files.map((f) => join(fsdd, f))
const [labels, groups, takeOf] = [
  Int32Array.from(files, (f) => Number(f[0])),
  files.map((f) => f.split('_')[1] as string),
  files.map((f) => Number(/_(\d+)\.wav$/.exec(f)?.[1])),
]
const data: GroupedLabels = { labels, groups, classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] }
// fsdd's own split: takes 0-4 of every digit and speaker are tested, the rest trained on.
const own = {
  train: takeOf.flatMap((t, i) => (t > 4 ? [i] : [])),
  test: takeOf.flatMap((t, i) => (t <= 4 ? [i] : [])),
}
// fsdd-dev's clips: 8 kHz, 95% of them under a second, so the default sets span 1 s.
const facts = { sampleRate: 8000, seconds: 1 }
const engine = await initEngine()
console.log(
  `fsdd-dev: ${files.length} clips of ${new Set(groups).size} speakers; engine ${engine.name}; ` +
    `leave-one-speaker-out${ownSplit ? ' and own split (takes 0-4 tested)' : ''}`,
)

const pct = (v: number): string => `${(100 * v).toFixed(1)}%`
const foldFigures = (s: FoldScore): KindFigures['folds'][string] => ({
  accuracy: s.accuracy,
  macroF1: s.macroF1,
  epochs: s.epochs,
  seconds: s.seconds,
})

async function measure(
  kind: HeldOutKind,
  learner: Learner,
  params: Record<string, unknown>,
  withOwnSplit = ownSplit,
): Promise<KindFigures> {
  const cv: GroupCrossValidation | null = !heldOut
    ? null
    : await crossValidateGroups(data, learner, {
        onFold: (s) =>
          console.log(
            `  ${kind} without ${s.tested.join(', ')}: accuracy ${pct(s.accuracy)}, macro-F1 ${s.macroF1.toFixed(3)}` +
              `${s.epochs === null ? '' : `, ${s.epochs} epochs`} (${s.seconds.toFixed(0)} s)`,
          ),
      })
  const split = withOwnSplit ? await scoreSplit(data, learner, own) : null
  console.log(
    `${kind}: leave-one-speaker-out mean accuracy ${cv ? pct(cv.mean.accuracy) : '-'}, macro-F1 ${cv?.mean.macroF1.toFixed(3) ?? '-'}` +
      (split ? `; own split ${pct(split.accuracy)} (${split.epochs ?? '-'} epochs)` : ''),
  )
  return {
    params,
    folds: Object.fromEntries((cv?.folds ?? []).map((s) => [s.tested.join('+'), foldFigures(s)])),
    mean: cv?.mean ?? null,
    ownSplit: split && { accuracy: split.accuracy, macroF1: split.macroF1, epochs: split.epochs },
  }
}

const after: Partial<Record<HeldOutKind, KindFigures>> = {}
const previous: Partial<Record<HeldOutKind, KindFigures>> = {}
for (const kind of kinds) {
  const recipe = defaultRecipeFor(kind, facts)
  const params = overrides[kind] ?? {}
  if (kind === 'rf' || kind === 'gbdt') {
    const m = await loadSummaryFeatures({ files: paths }, recipe, { workers: 2 })
    if (m.failed.length > 0) throw new Error(`could not read ${m.failed.map((f) => f.path).join(', ')}`)
    after[kind] = await measure(kind, treeLearner(kind, params, { x: m.x, names: m.names }, data), params)
    continue
  }
  const inputs = await loadDeepLearnerInputs(paths, recipe)
  const learn = (p: Record<string, unknown>): Learner =>
    deepLearner({ model: kind, params: p } as Parameters<typeof deepLearner>[0], inputs, data)
  const [first, ...others] = seeds as [number, ...number[]]
  const figures = await measure(kind, learn({ ...params, seed: first }), { ...params, seed: first })
  after[kind] = figures
  if (others.length > 0 && figures.mean) {
    const bySeed: NonNullable<KindFigures['overSeeds']>['seeds'] = {}
    const record = (seed: number, f: KindFigures): void => {
      if (!f.mean) return
      const folds = Object.fromEntries(Object.entries(f.folds).map(([g, s]) => [g, s.accuracy]))
      bySeed[String(seed)] = { ...f.mean, folds }
    }
    record(first, figures)
    for (const seed of others) {
      console.log(`${kind}, seed ${seed}:`)
      record(seed, await measure(kind, learn({ ...params, seed }), { ...params, seed }, false))
    }
    const means = Object.values(bySeed)
    const average = (pick: (m: (typeof means)[number]) => number): number =>
      means.reduce((sum, m) => sum + pick(m), 0) / means.length
    figures.overSeeds = {
      seeds: bySeed,
      mean: { accuracy: average((m) => m.accuracy), macroF1: average((m) => m.macroF1) },
    }
    console.log(`${kind}: mean over seeds ${seeds.join(', ')}: accuracy ${pct(figures.overSeeds.mean.accuracy)}`)
  }
  const previousDefaults = PREVIOUS_DEFAULTS[kind]
  if (before && previousDefaults) {
    const old = { ...previousDefaults, ...params, seed: first }
    console.log(`${kind} with the previous defaults:`)
    previous[kind] = await measure(kind, learn(old), old)
  }
}

console.log('\nleave-one-speaker-out accuracy (macro-F1) by held-out speaker; own split')
for (const [name, table] of [
  ['defaults', after],
  ['before', previous],
] as const) {
  for (const [kind, f] of Object.entries(table)) {
    const folds = Object.entries(f.folds).map(([g, s]) => `${g} ${pct(s.accuracy)} (${s.macroF1.toFixed(2)})`)
    console.log(
      `${name.padEnd(9)}${kind.padEnd(5)} ${folds.join('  ')}  mean ${f.mean ? `${pct(f.mean.accuracy)} (${f.mean.macroF1.toFixed(2)})` : '-'}` +
        (f.ownSplit ? `  own ${pct(f.ownSplit.accuracy)}` : '') +
        (f.overSeeds ? `  over seeds ${seeds.join(',')} ${pct(f.overSeeds.mean.accuracy)}` : ''),
    )
  }
}
if (!process.argv.includes('--json')) console.log(JSON.stringify({ after, before: previous }))

await finish('generalisation', {
  machine: {
    engine: `tfjs ${engine.version} ${engine.name}, ${engine.threads} thread(s)`,
    reference: null,
    parallelism: 'one training at a time; the trees on worker threads',
  },
  figures: {
    clips: files.length,
    speakers: [...new Set(groups)].sort(),
    takesPerDigitAndSpeaker: Math.min(takes, 50),
    seeds,
    validation: "10% of each class of the training speakers' clips (a fold's tested speaker never steers training)",
    ...after,
    before: previous,
  },
  ratios: {},
})
