import type { Database } from 'better-sqlite3'
import type { RegionWindowing } from '@shared/detection'
import type { RunSplit, SplitPolicy } from '@shared/evaluation'
import { listClasses } from '../catalog/classes'
import { regionTrainingClips, type RegionClip, type SkippedRegionClips } from '../catalog/region-training'
import { getSetting } from '../catalog/settings'
import {
  BACKGROUND,
  classesOverlap,
  defaultWindow,
  labelWindows,
  type LabeledWindow,
  type WindowRule,
} from '../detection/region-windows'
import type { RecordingWindows, RecordingWindowsTask } from '../detection/recording-windows'
import { EarmarkError } from '../errors'
import { catalogSplit, groupHoldOut, holdOut } from '../evaluation'
import { assertWholeClips, inputFor, recipeOf, recipeRecord, type Recipe } from '../feature-sets/recipe'
import { WorkerPool } from '../workers/pool'
import { workerScript, type TasksOf } from '../workers/script'

/*
 * The dataset of a run trained on regions: the project's recordings with labeled regions cut into
 * windows (region-windows.ts says which window is an example of what), split by recording, so that
 * no recording has windows on both sides of training and test, and each window's model input
 * computed on the audio workers from the recording's samples.
 */

/** How a run on regions is asked to cut its windows; what is not given comes from the regions. */
export interface RegionSettings {
  /** Window length and hop, seconds. */
  window?: number
  hop?: number
  /** Share of the shorter of window and region a region must cover (default 0.5). */
  minOverlap?: number
  seed: number
  testFraction: number
  /** Share of the training recordings held out for validation when none is in `val` (default 0.1). */
  validationFraction?: number
}

/** A model's outputs: one softmax over the classes and background, or one sigmoid per class. */
export type RegionOutput = 'softmax' | 'sigmoid'

/** A recording of the run with its side of the split and its windows. */
export interface PlannedRecording {
  clip: RegionClip
  split: RunSplit
  windows: LabeledWindow[]
  /** The class most of its windows count for (background when none), as the run's records keep it. */
  label: string
}

/** The windows a run on regions trains and is evaluated on, before their inputs are computed. */
export interface RegionPlan {
  rule: WindowRule
  output: RegionOutput
  /** The background class's name (softmax), else null. */
  background: string | null
  /** The project's classes the regions use, in palette order. */
  classes: string[]
  /** The model's outputs: the classes, then background for a softmax model. */
  outputs: string[]
  recordings: PlannedRecording[]
  splitMethod: string
  splitPolicy: SplitPolicy
  skipped: SkippedRegionClips
}

/** The default share of a region a window must hold. */
export const DEFAULT_MIN_OVERLAP = 0.5

/**
 * The most windows a run cuts: a guard against a mistyped hop (a millisecond over hours of audio),
 * well above real use (a day of audio at a quarter-second hop is 345,600 windows).
 */
const MAX_WINDOWS = 1_000_000

/**
 * Plans a run on regions: the window (from the regions' lengths unless given), each recording's
 * labeled windows, the outputs (softmax with a background class, or sigmoid when the project is
 * multi-label or regions of different classes overlap), and the split by recording (the catalog's
 * split, else whole groups, else a seeded draw, as runs on clips split; validation held out of
 * training by recording when no recording is in `val`). Invalid input when there is nothing to learn.
 */
export function planRegionExamples(db: Database, settings: RegionSettings): RegionPlan {
  const { clips, skipped } = regionTrainingClips(db)
  const lengths = clips.flatMap((c) => c.regions.filter((r) => r.label !== null).map((r) => r.end - r.start))
  if (lengths.length === 0) {
    throw new EarmarkError(
      'invalid-input',
      'training on regions needs labeled regions: the project has none (draw or import some, or train on clips)',
    )
  }
  const defaults = defaultWindow(lengths)
  const seconds = settings.window ?? defaults.seconds
  const rule: WindowRule = {
    seconds,
    hop: settings.hop ?? seconds / 4,
    minOverlap: settings.minOverlap ?? DEFAULT_MIN_OVERLAP,
  }
  if (!(rule.minOverlap > 0 && rule.minOverlap <= 1)) {
    throw new EarmarkError('invalid-input', `the overlap must be above 0 and at most 1, not ${rule.minOverlap}`)
  }
  const multiLabel = getSetting(db, 'multi_label') === 'true'
  const output: RegionOutput = multiLabel || classesOverlap(clips.map((c) => c.regions)) ? 'sigmoid' : 'softmax'
  const used = new Set(clips.flatMap((c) => c.regions.map((r) => r.label)))
  const classes = listClasses(db)
    .map((c) => c.name)
    .filter((name) => used.has(name))
  if (classes.includes(BACKGROUND)) {
    throw new EarmarkError(
      'invalid-input',
      `a class is called "${BACKGROUND}", the name a model trained on regions gives windows without an event: rename it to train on regions`,
    )
  }
  const background = output === 'softmax' ? BACKGROUND : null
  const outputs = background === null ? classes : [...classes, background]

  // Counted before labeling, which would itself hold every window.
  const cut = clips.reduce((n, c) => n + Math.ceil(c.duration / rule.hop), 0)
  if (cut > MAX_WINDOWS) {
    throw new EarmarkError(
      'invalid-input',
      `a hop of ${rule.hop} s cuts the recordings into ${cut} windows, more than ${MAX_WINDOWS}: give a longer --hop`,
    )
  }
  const labeled = clips
    .map((clip) => ({ clip, windows: labelWindows(clip.duration, clip.regions, clip.rejected, rule) }))
    .filter((r) => r.windows.length > 0)
  const withClass = new Set(labeled.flatMap((r) => r.windows.flatMap((w) => w.labels)))
  if (withClass.size === 0) {
    throw new EarmarkError(
      'invalid-input',
      `no window of ${rule.seconds} s counts for a class (a region must cover ${rule.minOverlap} of the shorter of window and region): try another --window or --min-overlap`,
    )
  }
  const hasBackground = labeled.some((r) => r.windows.some((w) => w.labels.length === 0))
  if (output === 'softmax' && withClass.size + (hasBackground ? 1 : 0) < 2) {
    throw new EarmarkError(
      'invalid-input',
      'the windows are all of one class and none is background: label regions of another class, or recordings with stretches between events',
    )
  }

  // The class most of a recording's windows count for: what stratifies the split.
  const index = new Map(outputs.map((name, k) => [name, k]))
  const dominant = labeled.map(({ windows }) => {
    const counts = new Map<string, number>()
    for (const w of windows) {
      const label = w.labels[0] ?? BACKGROUND
      counts.set(label, (counts.get(label) ?? 0) + 1)
    }
    const ranked = [...counts.entries()].filter(([l]) => l !== BACKGROUND).sort((a, b) => b[1] - a[1])
    return ranked[0]?.[0] ?? BACKGROUND
  })
  const y = Int32Array.from(dominant, (label) => index.get(label) ?? classes.length)
  const split = catalogSplit(
    labeled.map((r) => r.clip.split),
    y,
    settings.seed,
    settings.testFraction,
    labeled.map((r) => r.clip.group),
  )
  let method = split.method
  if (split.val.length === 0 && split.train.length >= 3) {
    // Thresholds are chosen on validation windows, and early stopping watches them: hold some
    // training recordings out, at least one, by whole groups when there are groups enough.
    const fraction = Math.max(settings.validationFraction ?? 0.1, 1 / split.train.length)
    const train = split.train
    const trainGroups = train.map((i) => labeled[i]?.clip.group ?? null)
    const byGroup = split.policy === 'group' && new Set(trainGroups).size >= Math.ceil(1 / fraction)
    const drawn = byGroup
      ? groupHoldOut(
          Int32Array.from(train, (i) => y[i] as number),
          trainGroups,
          fraction,
          settings.seed + 1,
        )
      : holdOut(train.length, fraction, settings.seed + 1)
    split.val = drawn.test.map((i) => train[i] as number).sort((a, b) => a - b)
    split.train = drawn.train.map((i) => train[i] as number).sort((a, b) => a - b)
    method += `; ${byGroup ? 'whole groups' : 'recordings'} held out of training for validation (${split.val.length})`
  }
  const side = new Map<number, RunSplit>()
  for (const s of ['train', 'val', 'test'] as const) for (const i of split[s]) side.set(i, s)
  const recordings = labeled.map((r, i) => ({
    clip: r.clip,
    split: side.get(i) ?? 'train',
    windows: r.windows,
    label: dominant[i] as string,
  }))
  if (!recordings.some((r) => r.split === 'train')) {
    throw new EarmarkError('invalid-input', 'no recording with regions is left to train on')
  }
  return {
    rule,
    output,
    background,
    classes,
    outputs,
    recordings,
    splitMethod: method,
    splitPolicy: split.policy,
    skipped,
  }
}

/** Windows per split and class (background by its name; windows of several classes count for each). */
export function windowCounts(plan: RegionPlan): Record<string, Record<string, number>> {
  const counts: Record<string, Record<string, number>> = {}
  for (const r of plan.recordings) {
    const row = (counts[r.split] ??= {})
    for (const w of r.windows) {
      for (const label of w.labels.length === 0 ? [BACKGROUND] : w.labels) row[label] = (row[label] ?? 0) + 1
    }
  }
  return counts
}

/** How the run records its windowing. */
export function regionWindowing(plan: RegionPlan): RegionWindowing {
  return {
    seconds: plan.rule.seconds,
    hop: plan.rule.hop,
    minOverlap: plan.rule.minOverlap,
    background: plan.background,
    windows: windowCounts(plan),
  }
}

/**
 * The recipe of a run on regions from the recipe it would use on clips: a window is a short clip of
 * fixed length, so the set's fixLength steps go, and the input spans the window (its frames, or
 * samples). `keepInput`: the input is fixed by a base model (transfer from an Earmark model), and
 * windows are cut or padded to it.
 */
export function windowRecipe(recipe: Recipe, seconds: number, keepInput = false): Recipe {
  assertWholeClips(recipe)
  const params = { pipeline: recipe.pipeline.filter((s) => s.step !== 'fixLength'), config: recipe.config }
  const input = keepInput
    ? recipe.input
    : inputFor(recipe.input.kind, params, { sampleRate: recipe.config.sampleRate, seconds })
  return recipeOf(recipe.name, params, input)
}

/** One window's example: its recording (index into the plan's recordings), start and classes. */
export interface WindowExample {
  recording: number
  start: number
  labels: string[]
}

/** The inputs of every window of a plan that could be read, in the plan's order. */
export interface RegionInputs {
  windows: WindowExample[]
  /** Summary vectors (trees), or [frames × values] matrices (deep models), one per window. */
  summary: { names: string[]; x: Float64Array } | null
  frames: { shape: [number, number]; x: Float32Array } | null
  /** Recordings that could not be read. */
  failed: { recording: number; path: string; reason: string }[]
}

/** How a plan's windows are computed. */
export interface RegionInputOptions {
  /** Runs one recording's windows on an audio worker (the studio's pool); default: a pool of `workers`. */
  compute?: (task: RecordingWindowsTask) => Promise<RecordingWindows>
  workers?: number
  signal?: AbortSignal
  onProgress?: (done: number, total: number) => void
}

/** Computes the inputs of a plan's windows, recording by recording, on the audio workers. */
export async function loadRegionInputs(
  plan: RegionPlan,
  recipe: Recipe,
  options: RegionInputOptions = {},
): Promise<RegionInputs> {
  let pool: WorkerPool<TasksOf<'audio-worker'>> | undefined
  let compute = options.compute
  if (!compute) {
    const own = new WorkerPool(workerScript('audio-worker'), { size: Math.max(1, options.workers ?? 2) })
    pool = own
    compute = (task) => own.run('recordingWindows', task)
  }
  const record = recipeRecord(recipe)
  const results: (RecordingWindows | null)[] = new Array<RecordingWindows | null>(plan.recordings.length).fill(null)
  const failed: RegionInputs['failed'] = []
  const abort = (): void => void pool?.close()
  options.signal?.addEventListener('abort', abort)
  let done = 0
  try {
    let next = 0
    const lane = async (): Promise<void> => {
      while (next < plan.recordings.length) {
        if (options.signal?.aborted) throw new Error('cancelled')
        const i = next++
        const r = plan.recordings[i] as PlannedRecording
        try {
          results[i] = await (compute as NonNullable<typeof compute>)({
            path: r.clip.path,
            recipe: record,
            starts: r.windows.map((w) => w.start),
            seconds: plan.rule.seconds,
          })
        } catch (error) {
          if (options.signal?.aborted) throw error
          failed.push({
            recording: i,
            path: r.clip.path,
            reason: error instanceof Error ? error.message : String(error),
          })
        }
        options.onProgress?.(++done, plan.recordings.length)
      }
    }
    await Promise.all(Array.from({ length: Math.max(1, (options.workers ?? 2) * 2) }, lane))
  } finally {
    options.signal?.removeEventListener('abort', abort)
    await pool?.close()
  }
  const windows: WindowExample[] = []
  const parts: (Float32Array | Float64Array)[] = []
  let names: string[] | null = null
  let shape: [number, number] | null = null
  results.forEach((result, i) => {
    if (!result) return
    const r = plan.recordings[i] as PlannedRecording
    for (const w of r.windows) windows.push({ recording: i, start: w.start, labels: w.labels })
    parts.push(result.x)
    if (result.kind === 'summary') names = result.names
    else shape = result.shape
  })
  const total = parts.reduce((n, p) => n + p.length, 0)
  const join = <T extends Float32Array | Float64Array>(out: T): T => {
    parts.reduce((at, p) => (out.set(p, at), at + p.length), 0)
    return out
  }
  return {
    windows,
    summary: names === null ? null : { names, x: join(new Float64Array(total)) },
    frames: shape === null ? null : { shape, x: join(new Float32Array(total)) },
    failed: failed.sort((a, b) => a.recording - b.recording),
  }
}
