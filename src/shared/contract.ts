/**
 * The API contract: every method the renderer (or the CLI, or a test) may call, with a runtime
 * schema for its input and a type for its result, and every event long jobs emit. Electron IPC and
 * the HTTP/WebSocket server both carry exactly this; the service implements exactly this.
 */
import { z } from 'zod'
import {
  clipSortColumns,
  splits,
  type AppInfo,
  type ClassInfo,
  type ClipDetail,
  type ClipPage,
  type ClipRow,
  type EditInfo,
  type ImportPreview,
  type JobInfo,
  type ProjectSummary,
  type Region,
} from './domain'
import type { FeatureClipView, FeatureSetInfo } from './feature-sets'
import type { JobDetail, ListedJob } from './jobs'
import { sweepSpecSchema } from './sweep-spec'
import { uncertaintyOrders, type UnlabeledPage } from './active-learning'
import { mapMethods } from './explorer'
import { nameProblem, normalizeName } from './names'
import type { SweepableModel, SweepInfo, SweepTrial } from './sweeps'
import { preprocessStepSchema } from './preprocess'
import { spectrogramSettingsSchema, type SpectrogramSettings } from './spectrogram'
import type { LeakageReport, SplitCheck } from './leakage'
import type { GroupSplitRow, SplitEditResult } from './splits'
import type { RunEvaluation, RunReportFiles } from './report'
import {
  detectionReviews,
  reviewOrders,
  trainingSources,
  type Detection,
  type EventMetricsReport,
  type ReviewPage,
  type ThresholdSuggestion,
} from './detection'
import {
  searchMethods,
  type EmbeddingSpaceInfo,
  type HeadAnswer,
  type NegativeMark,
  type SearchAnswer,
} from './embeddings'
import {
  predictionOrders,
  runModels,
  type TrainableModel,
  runSplits,
  type RunDetail,
  type RunInfo,
  type RunPrediction,
  type RunSplitEvaluation,
} from './evaluation'

/** Label interchange formats. */
export const labelFormats = ['csv', 'audacity', 'raven', 'labelstudio'] as const

/** The largest input a call may carry, serialized as JSON. Audio never travels through the API. */
export const MAX_INPUT_BYTES = 1024 * 1024

// Control characters in paths and free text are never intended and break CSV, logs and terminals.
// eslint-disable-next-line no-control-regex
const noControlChars = /^[^\u0000-\u001f\u007f]*$/

// Names follow the one rule every path that creates a class follows (normalised to NFC, no
// control, invisible or direction characters), so the API refuses what an import would.
const name = z
  .string()
  .transform(normalizeName)
  .superRefine((value, ctx) => {
    const problem = nameProblem(value)
    if (problem) ctx.addIssue({ code: 'custom', message: problem })
  })

const filePath = z
  .string()
  .min(1, 'must not be empty')
  .max(4096, 'must be at most 4096 characters')
  .refine((p) => !p.includes('\u0000'), 'must not contain NUL')

const color = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #1f77b4')

/** One key assigns a class: digits and lower-case letters; the rest are the studio's own keys. */
const hotkey = z.string().regex(/^[0-9a-z]$/, 'must be one key: 0-9 or a-z')

const id = z.number().int().positive()

const empty = z.object({}).strict()

const seconds = z.number().finite().min(0).max(1e7)
const hertz = z.number().finite().min(0).max(1e6)

/** A feature set's preprocessing steps (checked in full here) and configuration (checked by the service against the features module's schema). */
const featurePipeline = z.array(preprocessStepSchema).max(32)
const featureConfig = z.record(z.string().max(100), z.unknown())

const clipFilter = z
  .object({
    classIds: z.array(id).max(1000).optional(),
    unlabeled: z.boolean().optional(),
    flagged: z.boolean().optional(),
    split: z.enum([...splits, 'none']).optional(),
    group: z.string().max(1000).optional(),
    minDuration: seconds.optional(),
    maxDuration: seconds.optional(),
    search: z.string().max(500).optional(),
    missing: z.boolean().optional(),
  })
  .strict()

const clipSort = z
  .object({ column: z.enum(clipSortColumns), direction: z.enum(['asc', 'desc']) })
  .strict()
  .default({ column: 'name', direction: 'asc' })

const regionFields = {
  classId: id.nullable().optional(),
  start: seconds.optional(),
  end: seconds.optional(),
  lowFreq: hertz.nullable().optional(),
  highFreq: hertz.nullable().optional(),
}

/** What undo and redo answer: the action applied (or null), and what can be done next. */
export interface UndoResult {
  edit: EditInfo | null
  canUndo: boolean
  canRedo: boolean
}

const labelSource = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('folder') }).strict(),
  z
    .object({
      kind: z.literal('pattern'),
      pattern: z
        .string()
        .min(1)
        .max(1000)
        .refine(isValidRegex, 'must be a valid regular expression')
        .refine((p) => /\(\?<(label|group|split|fold)>/.test(p), 'needs a named group: (?<label>…) or (?<group>…)'),
    })
    .strict(),
  z.object({ kind: z.literal('csv') }).strict(),
  z.object({ kind: z.literal('none') }).strict(),
])

function isValidRegex(pattern: string): boolean {
  try {
    new RegExp(pattern, 'u')
    return true
  } catch {
    return false
  }
}

/**
 * Made by the client once per click of a form's submit: a second start with the same key returns
 * the job the first one made instead of starting another (see `JobStarts` in the service).
 */
const idempotencyKey = z
  .string()
  .min(8, 'must be at least 8 characters')
  .max(100, 'must be at most 100 characters')
  .regex(/^[A-Za-z0-9_-]+$/, 'must be letters, digits, - and _')
  .optional()

/** A seed for a random process (a split, a map's layout): any 32-bit unsigned integer. */
const seed = z
  .number()
  .int()
  .min(0)
  .max(2 ** 32 - 1)
  .default(0)

/** What a training run is asked for; `train:start` and `train:check` take the same settings. */
const trainSettings = z.object({
  model: z.enum(runModels),
  params: z.record(z.string().max(100), z.unknown()).default({}),
  seed,
  testFraction: z.number().gt(0).lt(1).default(0.2),
  /** Deep models: share of each class's training clips held out for validation when no clip is in `val`. */
  validationFraction: z.number().gt(0).lt(1).optional(),
  /** Examples from whole clips and their labels (default), or from windows of labeled regions and boxes. */
  from: z.enum(trainingSources).default('clips'),
  /** Regions: window length and hop, seconds (defaults from the regions' lengths). */
  window: z.number().finite().gt(0).max(600).optional(),
  hop: z.number().finite().gt(0).max(600).optional(),
  /** Regions: the share of the shorter of window and region a region must cover for the window to count for its class. */
  minOverlap: z.number().gt(0).max(1).optional(),
})

/** A group's name as the catalog keeps it (a speaker, a source recording). */
const groupName = z.string().trim().min(1).max(1000).regex(noControlChars, 'must not contain control characters')
const fraction = z.number().gt(0).lt(1)

/** How `splits:set` sets every clip's split: by whole groups, by a stratified draw, or from CSV rows. */
const splitRequest = z.discriminatedUnion('by', [
  z
    .object({
      by: z.literal('group'),
      /** The groups to hold out to test (and to val); every other clip goes to train. */
      testGroups: z.array(groupName).max(10_000).optional(),
      valGroups: z.array(groupName).max(10_000).optional(),
      /** Without named groups: about this share of the clips to test (and val), in whole groups. */
      testFraction: fraction.optional(),
      valFraction: fraction.optional(),
      seed,
    })
    .strict(),
  z
    .object({ by: z.literal('random'), testFraction: fraction.default(0.2), valFraction: fraction.optional(), seed })
    .strict(),
  z.object({ by: z.literal('csv'), path: filePath }).strict(),
])

/** Declares a method: its input schema, a one-line summary, and (as a type only) its result. */
const method =
  <R>() =>
  <S extends z.ZodType>(input: S, summary: string) => ({
    input,
    summary,
    result: undefined as unknown as R,
  })

/** Every API method, keyed by `domain:verb`. */
export const apiMethods = {
  'app:info': method<AppInfo>()(empty, 'Facts about the running studio.'),

  'project:get': method<ProjectSummary>()(empty, 'The open project: name, classes, clip counts.'),
  'project:open': method<ProjectSummary>()(
    z.object({ path: filePath }).strict(),
    'Open an existing project file and make it the current project.',
  ),
  'project:create': method<ProjectSummary>()(
    z.object({ path: filePath, name: name.optional() }).strict(),
    'Create a new project file (refuses to overwrite) and open it.',
  ),
  'project:rename': method<ProjectSummary>()(z.object({ name }).strict(), 'Rename the open project.'),
  'project:settings': method<ProjectSummary>()(
    z.object({ multiLabel: z.boolean().optional() }).strict(),
    'Change project settings: whether a clip may carry several classes.',
  ),
  'project:backup': method<{ path: string; bytes: number; createdAt: string }>()(
    z.object({ out: filePath.optional() }).strict(),
    'Write a consistent backup of the open project (to `out`, or to the backup folder beside it).',
  ),
  'project:backups': method<{ path: string; bytes: number; createdAt: string }[]>()(
    empty,
    "The open project's backups in the folder beside it, newest first.",
  ),

  'classes:list': method<ClassInfo[]>()(empty, 'The label classes in palette order.'),
  'classes:add': method<ClassInfo>()(
    z.object({ name, color: color.optional(), hotkey: hotkey.nullable().optional() }).strict(),
    'Add a class; colour and hotkey are picked when not given.',
  ),
  'classes:update': method<ClassInfo>()(
    z
      .object({
        id,
        name: name.optional(),
        color: color.optional(),
        hotkey: hotkey.nullable().optional(),
        swapHotkey: z.boolean().optional(),
      })
      .strict(),
    "Rename, recolour or re-key a class; with swapHotkey, a class holding the key takes this one's old key.",
  ),
  'classes:reorder': method<ClassInfo[]>()(
    z.object({ ids: z.array(id).max(10_000) }).strict(),
    'Put the classes in this order (every class id once).',
  ),
  'classes:merge': method<{ moved: number }>()(
    z.object({ from: id, into: id }).strict(),
    'Move every label of one class to another, then delete the first.',
  ),
  'classes:remove': method<{ id: number; labelsRemoved: number }>()(
    z.object({ id }).strict(),
    'Delete a class and the labels that carry it.',
  ),

  'import:preview': method<ImportPreview>()(
    z
      .object({
        source: filePath,
        labelsFrom: labelSource.default({ kind: 'folder' }),
        limit: z.number().int().min(0).max(1000).default(50),
      })
      .strict(),
    'What importing a folder or CSV manifest would add: first rows, classes, counts, problems. Writes nothing.',
  ),
  'import:start': method<JobInfo>()(
    z
      .object({
        source: filePath,
        labelsFrom: labelSource.default({ kind: 'folder' }),
        copy: z.boolean().default(false),
        idempotencyKey,
      })
      .strict(),
    'Start importing as a job; progress streams as job events, the summary is the job result.',
  ),

  'clips:query': method<ClipPage>()(
    z
      .object({
        filter: clipFilter.default({}),
        sort: clipSort,
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(1000).default(100),
      })
      .strict(),
    'One page of the clip browser: clips matching a filter, sorted, and how many match in all.',
  ),
  'clips:get': method<ClipDetail>()(z.object({ id }).strict(), 'One clip with its labels, flags, note and regions.'),
  'clips:neighbor': method<{ id: number | null; ids: number[] }>()(
    z
      .object({
        id,
        filter: clipFilter.default({}),
        sort: clipSort,
        step: z.enum(['next', 'previous']).default('next'),
        /** How many steps on to look: `ids` holds up to this many clips, nearest first. */
        count: z.number().int().min(1).max(20).default(1),
      })
      .strict(),
    'The clip after (or before) this one among those matching the filter (and the few after it).',
  ),
  'clips:groups': method<{ name: string; count: number }[]>()(empty, 'Clip groups with their counts.'),
  'splits:groups': method<GroupSplitRow[]>()(
    empty,
    'Every group (speaker, recording) with its clips per class and per split; the clips without a group last.',
  ),
  'splits:set': method<SplitEditResult>()(
    splitRequest,
    'Set every clip’s split: hold chosen groups (or about a share of the clips, in whole groups) out to test and val, draw a stratified random split, or read path/clip → split, group, fold from a CSV file. One write, undone by one undo.',
  ),
  'splits:edit': method<SplitEditResult>()(
    z
      .object({
        /** The clips to edit: listed, or every clip matching a clip-list filter. */
        clipIds: z.array(id).min(1).max(100_000).optional(),
        filter: clipFilter.optional(),
        split: z.enum(splits).nullable().optional(),
        group: groupName.nullable().optional(),
        fold: z.number().int().min(0).max(1_000_000).nullable().optional(),
      })
      .strict()
      .refine((e) => (e.clipIds === undefined) !== (e.filter === undefined), {
        message: 'give either clipIds or a filter',
      })
      .refine((e) => e.split !== undefined || e.group !== undefined || e.fold !== undefined, {
        message: 'give a split, group or fold to set (null clears it)',
      }),
    'Set the split, group or fold (null clears) of the listed clips, or of every clip matching a filter, as one undoable edit.',
  ),
  'spectrogram:get': method<SpectrogramSettings | null>()(
    empty,
    'The spectrogram settings the open project was left with (null: never changed).',
  ),
  'spectrogram:set': method<SpectrogramSettings>()(
    spectrogramSettingsSchema,
    'Keep the spectrogram settings (scale, FFT size, colour map, dB range, top frequency) in the open project.',
  ),

  'labels:assign': method<ClipRow>()(
    z.object({ clipId: id, classId: id }).strict(),
    "What a class's hotkey does: set the label (single-label) or toggle it (multi-label).",
  ),
  'labels:set': method<ClipRow>()(
    z.object({ clipId: id, classIds: z.array(id).max(1000) }).strict(),
    "Set a clip's classes exactly.",
  ),
  'labels:flag': method<ClipRow>()(
    z.object({ clipId: id, unsure: z.boolean().optional(), badAudio: z.boolean().optional() }).strict(),
    'Flag a clip as unsure or bad audio (or clear the flags).',
  ),
  'labels:note': method<ClipRow>()(
    z.object({ clipId: id, note: z.string().max(10_000) }).strict(),
    "Set a clip's free-text note.",
  ),
  'regions:create': method<Region>()(
    z.object({ clipId: id, ...regionFields, start: seconds, end: seconds }).strict(),
    'Add a region (start, end) or a time-frequency box (with low and high frequency).',
  ),
  'regions:update': method<Region>()(z.object({ id, ...regionFields }).strict(), 'Move, resize or relabel a region.'),
  'regions:delete': method<{ id: number }>()(z.object({ id }).strict(), 'Delete a region.'),
  'labels:export': method<{ files: string[] }>()(
    z.object({ format: z.enum(labelFormats), out: filePath }).strict(),
    'Write every label to files in a folder: csv (clip labels), audacity or raven (regions, one file per clip), labelstudio (JSON).',
  ),
  'labels:import': method<{
    clipsLabelled: number
    regionsAdded: number
    clipsSplit: number
    unknownClips: string[]
  }>()(
    z.object({ format: z.enum(labelFormats), paths: z.array(filePath).min(1).max(100_000) }).strict(),
    'Read label files: clip labels replace the clip’s, regions are added, a CSV’s split, group and fold columns set those; clips match by path or unique file name.',
  ),
  'edits:undo': method<UndoResult>()(empty, 'Undo the latest labeling action, whatever clip it was on.'),
  'edits:redo': method<UndoResult>()(empty, 'Redo the labeling action undone last.'),

  'clips:rescan': method<{ checked: number; missing: number; restored: number }>()(
    empty,
    'Check that every clip file is where the catalog says; flag the missing ones (nothing is deleted).',
  ),

  'jobs:list': method<ListedJob[]>()(
    z.object({ limit: z.number().int().min(1).max(1000).optional(), active: z.boolean().optional() }).strict(),
    'Recent jobs, newest first, with their parameters (`active`: only the queued and running ones). A job of this host whose process died is first ended as failed.',
  ),
  'jobs:get': method<JobDetail>()(z.object({ id }).strict(), 'One job, with its parameters and its result when done.'),
  'jobs:cancel': method<JobInfo>()(z.object({ id }).strict(), 'Ask a running or queued job to stop.'),

  'featureSets:list': method<FeatureSetInfo[]>()(
    empty,
    'The feature sets of the project: pipeline, configuration, hash.',
  ),
  'featureSets:create': method<FeatureSetInfo>()(
    z.object({ name, pipeline: featurePipeline.optional(), config: featureConfig.optional() }).strict(),
    'Add a feature set: a named preprocessing pipeline and feature configuration (defaults librosa’s).',
  ),
  'featureSets:update': method<FeatureSetInfo>()(
    z
      .object({ id, name: name.optional(), pipeline: featurePipeline.optional(), config: featureConfig.optional() })
      .strict(),
    'Rename a feature set, or replace its pipeline or configuration (each whole).',
  ),
  'featureSets:remove': method<{ id: number }>()(
    z.object({ id }).strict(),
    'Delete a feature set (cached features stay for sets with the same parameters).',
  ),
  'featureSets:compute': method<JobInfo>()(
    z.object({ id, idempotencyKey }).strict(),
    'Compute a feature set for every clip as a job (cached entries are skipped); the summary is the job result.',
  ),
  'features:clip': method<FeatureClipView>()(
    z.object({ clipId: id, setId: id }).strict(),
    'One clip under a feature set: shapes and ranges of its images; the bytes come from the media routes features/<clipId>?set=&kind= and preprocessed/<clipId>?set=.',
  ),

  'train:start': method<JobInfo>()(
    trainSettings
      .extend({
        /** The project's feature set to train from, by name (default: the project's default set). */
        set: name.optional(),
        features: z.record(z.string().max(100), z.unknown()).optional(),
        idempotencyKey,
      })
      .strict(),
    'Train a model on the labelled clips as a job (the catalog split; where clips have none, whole groups held out when they carry groups, else a seeded stratified draw), or with `from: regions` on windows of the labeled regions, split by recording (the summary then has `windowing`); the result is the run summary. Deep models (cnn, crnn, lstm, transfer) train in a worker thread on TensorFlow.js, with per-epoch metrics as job:metrics events.',
  ),
  'train:models': method<TrainableModel[]>()(
    empty,
    'Every model a run can train (rf, gbdt, cnn, crnn, lstm, transfer) with each hyperparameter: type, bounds, default and what it does.',
  ),
  'train:resume': method<JobInfo>()(
    z.object({ id, idempotencyKey }).strict(),
    'Resume a cancelled, failed or interrupted deep-model run from its last checkpoint, under the same run id; the result is the run summary.',
  ),
  'train:check': method<SplitCheck>()(
    trainSettings.strict(),
    'The split `train:start` would use with these settings (clips per side, how it was made) and what leaks in it: groups and identical audio on both sides of training and test.',
  ),
  'sweeps:start': method<{ sweepId: number; job: JobInfo }>()(
    z.object({ spec: sweepSpecSchema, workers: z.number().int().min(1).max(64).optional(), idempotencyKey }).strict(),
    'Create a hyperparameter sweep from its spec and run it as a job (trials cross-validated on worker threads).',
  ),
  'sweeps:resume': method<{ sweepId: number; job: JobInfo }>()(
    z.object({ id, workers: z.number().int().min(1).max(64).optional(), idempotencyKey }).strict(),
    'Resume a sweep that was cancelled or whose process died: finished trials are kept, the rest run.',
  ),
  'sweeps:list': method<Omit<SweepInfo, 'trials' | 'foldClips'>[]>()(
    empty,
    'Sweeps, newest first, with their best trial.',
  ),
  'sweeps:get': method<SweepInfo>()(z.object({ id }).strict(), 'One sweep: its spec and every trial, best first.'),
  'sweeps:cancelTrial': method<SweepTrial>()(
    z.object({ sweepId: id, trialId: id }).strict(),
    'Cancel one queued or running trial of a sweep (its worker is stopped); the sweep goes on.',
  ),
  'sweeps:models': method<SweepableModel[]>()(
    empty,
    'The models a sweep can tune, with each hyperparameter: its kind, bounds, choices and default.',
  ),
  'runs:list': method<RunInfo[]>()(empty, 'Training runs, newest first, with their test accuracy and macro-F1.'),
  'runs:get': method<RunDetail>()(
    z.object({ id }).strict(),
    'One run: parameters, features, metrics per split, history.',
  ),
  'runs:remove': method<{ id: number }>()(z.object({ id }).strict(), 'Delete a run, its records and its model files.'),
  'runs:metrics': method<RunSplitEvaluation>()(
    z.object({ id, split: z.enum(runSplits).default('test') }).strict(),
    "A run's metrics on a split, with per-class precision-recall curves and likely label errors.",
  ),
  'runs:predictions': method<{ rows: RunPrediction[]; total: number }>()(
    z
      .object({
        id,
        split: z.enum(runSplits).default('test'),
        true: z.string().max(200).optional(),
        predicted: z.string().max(200).optional(),
        errorsOnly: z.boolean().default(false),
        order: z.enum(predictionOrders).default('clip'),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(1000).default(100),
      })
      .strict(),
    "A run's per-clip predictions on a split: a confusion cell (true and predicted), its errors, or most uncertain first.",
  ),
  'runs:export': method<{ files: string[] }>()(
    z.object({ id, out: filePath }).strict(),
    "Write a run's model, class names, feature configuration and summary into a folder.",
  ),
  'runs:evaluation': method<RunEvaluation>()(
    z.object({ id, split: z.enum(runSplits).default('test') }).strict(),
    "A run's metrics on a split with every clip's prediction, as `earmark evaluate --json` prints them.",
  ),
  'runs:report': method<RunReportFiles>()(
    z.object({ id, split: z.enum(runSplits).default('test'), out: filePath }).strict(),
    "Write a run's evaluation on a split into a folder: metrics.json, metrics.csv, predictions.csv, report.html.",
  ),
  'runs:predictUnlabeled': method<JobInfo>()(
    z.object({ id, idempotencyKey }).strict(),
    "Predict every unlabeled clip with a run's model as a job, replacing the run's earlier predictions of them.",
  ),
  'runs:unlabeled': method<UnlabeledPage>()(
    z
      .object({
        id,
        order: z.enum(uncertaintyOrders).default('margin'),
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(1000).default(100),
      })
      .strict(),
    "A run's predictions of clips still unlabeled, most uncertain first (least margin or highest entropy).",
  ),
  'runs:leakage': method<LeakageReport>()(
    z.object({ id }).strict(),
    "What leaked between a run's training (with validation) and test clips: groups and identical audio on both sides.",
  ),
  'runs:events': method<EventMetricsReport>()(
    z
      .object({
        id,
        split: z.enum(runSplits).default('test'),
        collar: z.number().finite().gt(0).max(10).default(0.25),
        segment: z.number().finite().gt(0).max(60).default(1),
      })
      .strict(),
    "Event metrics of a run's stored detections against the labeled regions of its clips on a split: event-based and segment-based precision, recall, F1 and error rate, per class, micro and macro, and precision-recall over thresholds (sed_eval's conventions).",
  ),
  'detections:start': method<JobInfo>()(
    z
      .object({
        runId: id,
        /** The clips to scan; default: every clip the run did not train or validate on. */
        clipIds: z.array(id).min(1).max(100_000).optional(),
        /** One threshold for every class instead of the model's own per-class thresholds. */
        threshold: z.number().min(0).max(1).optional(),
        /** Events of a class closer than this many seconds are merged. */
        minGap: seconds.optional(),
        idempotencyKey,
      })
      .strict(),
    "Slide a run's model over clips of any length as a job, replacing the run's earlier detections in them; the summary is the job result.",
  ),
  'detections:list': method<Detection[]>()(
    z.object({ runId: id.optional(), clipId: id }).strict(),
    "A clip's detections (of one run, or of every run), in time order.",
  ),
  'detections:queue': method<ReviewPage>()(
    z
      .object({
        runId: id,
        label: z.string().max(200).optional(),
        order: z.enum(reviewOrders).default('score'),
        /** `bins`: how many detections to draw per class from each score bin, and the bins between minScore and 1. */
        perBin: z.number().int().min(1).max(1000).default(20),
        bins: z.number().int().min(1).max(100).default(5),
        minScore: z.number().min(0).max(1).default(0.05),
        /** Hide detections already reviewed. */
        unreviewed: z.boolean().default(false),
        seed,
        offset: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(1000).default(100),
      })
      .strict(),
    "The review queue of a run's detections: highest score first, or an even sample across score bins per class.",
  ),
  'detections:review': method<Detection>()(
    z
      .object({
        id,
        /** accepted: it becomes a labeled region; rejected: its span is background; relabeled: a region of `label`. */
        review: z.enum(detectionReviews),
        label: z.string().max(200).optional(),
      })
      .strict()
      .refine((r) => (r.review === 'relabeled') === (r.label !== undefined), {
        message: 'a relabel names its class, and only a relabel does',
      }),
    'Accept, reject or relabel a detection, as one undoable edit.',
  ),
  'detections:thresholds': method<ThresholdSuggestion[]>()(
    z.object({ runId: id, targetPrecision: z.number().gt(0).max(1).default(0.9) }).strict(),
    "Per class, from a run's reviewed detections: precision at each score and the lowest threshold reaching the target precision.",
  ),
  'embeddings:start': method<JobInfo>()(
    z
      .object({
        /** A run id of the project, a run or export folder, a TensorFlow.js model folder or an .onnx file. */
        base: z.string().min(1).max(4096),
        /** Window length and hop, seconds (default: the base's own length, and half of it). */
        window: z.number().finite().gt(0).max(600).optional(),
        hop: z.number().finite().gt(0).max(600).optional(),
        /** The rate a base that takes samples reads them at (default 16,000 Hz). */
        sampleRate: z.number().int().min(1000).max(384_000).optional(),
        /** The base output read as the embedding (default: named like an embedding, else the first). */
        output: z.string().min(1).max(500).optional(),
        idempotencyKey,
      })
      .strict(),
    "Embed every present clip's windows with a base as a job, stored once per recording's content (a moved or copied file reuses them); the summary is the job result.",
  ),
  'embeddings:spaces': method<EmbeddingSpaceInfo[]>()(
    empty,
    'The bases and window settings the project has embeddings of, newest first, with their counts.',
  ),
  'embeddings:search': method<SearchAnswer>()(
    z
      .object({
        /** A clip of the project (a span of it with start and end), or an audio file (a span likewise). */
        clipId: id.optional(),
        file: filePath.optional(),
        start: seconds.optional(),
        end: seconds.optional(),
        /** The base whose embeddings to search (default: the newest). */
        base: z.string().min(1).max(4096).optional(),
        top: z.number().int().min(1).max(1000).default(10),
        /** `exact` compares every stored vector: the reference the index is measured against. */
        method: z.enum(searchMethods).default('index'),
        /** Leave out results already labeled: their clip, a region over the window, or marked as none of the classes. */
        unlabeled: z.boolean().default(false),
      })
      .strict()
      .refine((q) => (q.clipId === undefined) !== (q.file === undefined), {
        message: 'search from a clip (clipId) or a file, one of the two',
      })
      .refine((q) => q.start === undefined || q.end === undefined || q.end > q.start, {
        message: 'a span must end after it starts',
      }),
    'The stored windows nearest to a clip, a span of it, or an outside file, by cosine similarity of their embeddings.',
  ),
  'embeddings:negative': method<NegativeMark>()(
    z
      .object({
        clipId: id,
        start: seconds,
        end: seconds,
        /** false takes the mark away. */
        negative: z.boolean().default(true),
      })
      .strict()
      .refine((q) => q.end > q.start, { message: 'a span must end after it starts' }),
    "Mark a window of a clip (a search result) as none of the project's classes: heads on the embeddings train on it as background.",
  ),
  'embeddings:head': method<HeadAnswer>()(
    z
      .object({
        base: z.string().min(1).max(4096).optional(),
        /** Weight of an unlabeled window as a negative of every class (a labeled window weighs 1). */
        weakNegativeWeight: z.number().min(0).max(1).default(0.05),
      })
      .strict(),
    'Train a linear head (one logistic output per class) on the stored embeddings of labeled clips outside the test split, windows under labeled regions and windows marked as none of the classes, unlabeled windows as weak negatives; answers its test accuracy and the unlabeled windows it is least sure of.',
  ),
  'explorer:map': method<JobInfo>()(
    z
      .object({
        method: z.enum(mapMethods).default('umap'),
        seed,
        runId: id.optional(),
        /** Lay out by a stored embedding space (each clip's mean window vector) instead of summary features. */
        space: id.optional(),
        idempotencyKey,
      })
      .strict(),
    "Lay the clips out in 2-D by their standardised summary features, or by a stored embedding space (UMAP or PCA, seeded) as a job; with a run, each point carries its prediction. The map is the job's result.",
  ),
} as const

/** The table of methods. */
export type ApiMethods = typeof apiMethods
/** A method's name. */
export type MethodName = keyof ApiMethods
/** What a caller passes (before defaults and trimming). */
export type MethodInput<M extends MethodName> = z.input<ApiMethods[M]['input']>
/** What the service receives, after validation. */
export type MethodParams<M extends MethodName> = z.output<ApiMethods[M]['input']>
/** What the method returns. */
export type MethodResult<M extends MethodName> = ApiMethods[M]['result']

/** Every method name, for transports that expose one function per method. */
export const methodNames = Object.keys(apiMethods) as MethodName[]

/** Whether a string names an API method (own keys only, so `__proto__` and `toString` are not). */
export function isMethodName(value: unknown): value is MethodName {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(apiMethods, value)
}

/** Progress of a job: units done of total, with a rate and an ETA when known. */
export interface JobProgressEvent {
  jobId: number
  done: number
  total: number | null
  /** Units per second over the recent past. */
  rate: number | null
  /** Seconds left, estimated. */
  etaSeconds: number | null
  message: string
}

/** One log line of a job. */
export interface JobLogEvent {
  jobId: number
  level: 'info' | 'warn' | 'error'
  message: string
  at: string
}

/** Training or sweep metrics at one step (epoch, trial). */
export interface JobMetricsEvent {
  jobId: number
  step: number
  values: Record<string, number>
}

/** The engine a training run trains on, as soon as its worker has chosen it. */
export interface JobEngineEvent {
  jobId: number
  runId: number
  /** The engine's short name, as the run records it (e.g. `wasm`, `cpu`). */
  engine: string
  /** The engine for people: backend, threads, SIMD. */
  description: string
}

/** Events the studio pushes to every connected client. */
export interface ApiEvents {
  /** A job advanced. */
  'job:progress': JobProgressEvent
  /** A job wrote a log line. */
  'job:log': JobLogEvent
  /** A job reported metrics. */
  'job:metrics': JobMetricsEvent
  /** A training job's engine is known. */
  'job:engine': JobEngineEvent
  /** A job changed state (started, finished, failed, cancelled). */
  'job:state': JobInfo
  /** The open project changed (another project opened, renamed, classes or clips changed). */
  'project:changed': ProjectSummary
  /** A clip's labels, flags, note or regions changed (here or in another window). */
  'clip:changed': ClipRow
}

/** An event's name. */
export type EventName = keyof ApiEvents

/** Every event name, declared once. */
export const eventNames = [
  'job:progress',
  'job:log',
  'job:metrics',
  'job:engine',
  'job:state',
  'project:changed',
  'clip:changed',
] as const satisfies readonly EventName[]

/** Whether a string names an API event. */
export function isEventName(value: unknown): value is EventName {
  return typeof value === 'string' && (eventNames as readonly string[]).includes(value)
}

/** An event as it travels over a socket. */
export type EventMessage = { [E in EventName]: { event: E; payload: ApiEvents[E] } }[EventName]
