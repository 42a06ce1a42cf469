import type { Database } from 'better-sqlite3'
import type { RunFeatureSet } from '@shared/evaluation'
import type { Pipeline, PipelineInput } from '@shared/preprocess'
import { EarmarkError } from '../errors'
import {
  featureRows,
  resolveFeatureConfig,
  type FeatureConfig,
  type FeatureConfigInput,
  type FeatureName,
} from '../features'
import { deepFeatureSchema, deepFeatureShape, type DeepFeatureConfig } from '../training/features'
import { paramsHash, stableHash } from './keys'
import { createFeatureSet, getFeatureSet, resolveFeatureSetParams, type FeatureSetParams } from './sets'
import { clipRateAndDurations, findFeatureSetRow } from '../catalog/feature-sets'

/*
 * A run's recipe: the feature set it trained from (pipeline + configuration, complete) and how the
 * model reads the set's rows (summary vectors, images, sequences or samples). Training,
 * evaluation, sweeps, the map, active learning and `predict` all compute features from a recipe
 * through the feature sets' cached matrix (matrix.ts), so a file is predicted from the same
 * numbers evaluation saw. A run records its recipe in the catalog and in its features.json.
 */

/** How a model reads a feature set's rows. */
export type RecipeInput =
  | { kind: 'summary' }
  /** One feature as an image, cut or padded to `frames` (a CNN's or CRNN's input). */
  | { kind: 'image'; feature: FeatureName; frames: number }
  /** Every feature of the set side by side per frame, cut or zero-padded to `frames` (an LSTM's). */
  | { kind: 'sequence'; frames: number }
  /** The preprocessed samples, cut or zero-padded to `samples` (a base model that takes audio). */
  | { kind: 'waveform'; samples: number }

/** A feature set as a run uses it, resolved. */
export interface Recipe {
  /** The set's name in the project; null when given inline or recorded before runs kept sets. */
  name: string | null
  paramsHash: string
  pipeline: Pipeline
  config: FeatureConfig
  input: RecipeInput
}

/** A recipe from a set's resolved parameters. */
export function recipeOf(name: string | null, params: FeatureSetParams, input: RecipeInput): Recipe {
  return {
    name,
    paramsHash: paramsHash(params.pipeline, params.config),
    pipeline: params.pipeline,
    config: params.config,
    input,
  }
}

/** The hash a run records as its feature hash: equal hashes, equal model inputs. */
export function recipeHash(recipe: Recipe): string {
  return stableHash({ set: recipe.paramsHash, input: recipe.input })
}

/** A recipe as the catalog, features.json and the API carry it (plain JSON). */
export function recipeRecord(recipe: Recipe): RunFeatureSet {
  return JSON.parse(JSON.stringify(recipe)) as RunFeatureSet
}

/** Reads a recorded recipe back, checking its pipeline and configuration. */
export function recipeFromRecord(record: RunFeatureSet): Recipe {
  const params = resolveFeatureSetParams(record.pipeline as PipelineInput, record.config as FeatureConfigInput)
  return { ...recipeOf(record.name, params, record.input as RecipeInput), paramsHash: record.paramsHash }
}

/** The matrix shape a deep model reads from a recipe: [frames, values per frame]. */
export function recipeShape(recipe: Pick<Recipe, 'input' | 'config'>): [frames: number, features: number] {
  const { input, config } = recipe
  switch (input.kind) {
    case 'waveform':
      return [input.samples, 1]
    case 'image':
      return [input.frames, featureRows(input.feature, config)]
    case 'sequence':
      return [input.frames, config.features.reduce((n, f) => n + featureRows(f, config), 0)]
    case 'summary':
      throw new EarmarkError('internal', 'summary vectors have no frames')
  }
}

/** Frames of `seconds` of audio under a configuration (librosa's count, centred or not). */
function framesFor(seconds: number, config: FeatureConfig): number {
  const samples = Math.round(seconds * config.sampleRate)
  return config.center
    ? 1 + Math.floor(samples / config.hop)
    : 1 + Math.floor(Math.max(0, samples - config.nFft) / config.hop)
}

/**
 * A run cannot train from a set that cuts clips into segments: a run predicts one class per clip,
 * and rows of one clip would need their own labels (regions) to be examples of their own.
 */
export function assertWholeClips(recipe: Pick<Recipe, 'name' | 'pipeline'>): void {
  if (recipe.pipeline.some((s) => s.step === 'segment')) {
    throw new EarmarkError(
      'invalid-input',
      `feature set ${recipe.name ?? '(given)'} cuts clips into segments, and a run classifies whole clips: train from a set without a segment step`,
    )
  }
}

/**
 * The recipe of a deep-model input recorded before runs kept feature sets: the clip resampled,
 * cut or zero-padded to `seconds` (as the old inputs were), then its log-mel, its MFCCs with
 * deltas, or its samples.
 */
export function legacyDeepRecipe(recipe: DeepFeatureConfig): Recipe {
  const r = deepFeatureSchema.parse(recipe)
  const nMfcc = Math.min(r.nMfcc, r.nMels)
  const features: FeatureName[] =
    r.kind === 'mfcc' ? (['mfcc', 'mfcc_delta', 'mfcc_delta2'] as const).slice(0, 1 + r.deltas) : ['logmel']
  const params = resolveFeatureSetParams(
    [
      { step: 'resample', sampleRate: r.sampleRate },
      { step: 'fixLength', seconds: r.seconds, mode: 'start' },
    ],
    { sampleRate: r.sampleRate, nFft: r.nFft, hop: r.hop, nMels: r.nMels, nMfcc, features },
  )
  const [frames] = deepFeatureShape(r)
  const input: RecipeInput =
    r.kind === 'waveform'
      ? { kind: 'waveform', samples: frames }
      : r.kind === 'logmel'
        ? { kind: 'image', feature: 'logmel', frames }
        : { kind: 'sequence', frames }
  return recipeOf(null, params, input)
}

/**
 * The recipe of a run recorded before runs kept feature sets, from its feature configuration: a
 * tree run's summary configuration under an empty pipeline, or a deep run's input recipe.
 */
export function legacyRecipe(featureConfig: Record<string, unknown>): Recipe {
  const deep = deepFeatureSchema.safeParse(featureConfig)
  if (deep.success) return legacyDeepRecipe(deep.data)
  return recipeOf(null, resolveFeatureSetParams([], featureConfig as FeatureConfigInput), { kind: 'summary' })
}

/** What the project's clips are like: their most common sample rate and a typical length. */
export interface ClipFacts {
  /** The sample rate most present clips have (the highest on a tie; 22,050 Hz without clips). */
  sampleRate: number
  /** Long enough for 95% of the clips: at least 1 s, at most 10 s, in quarter seconds. */
  seconds: number
}

/** The facts the default sets are made from, over every present, readable clip. */
export function clipFacts(db: Database): ClipFacts {
  const { commonRate, durations } = clipRateAndDurations(db)
  return { sampleRate: commonRate ?? 22050, seconds: typicalSeconds(durations) }
}

/** Long enough for 95% of these durations: at least 1 s, at most 10 s, in quarter seconds. */
function typicalSeconds(durations: readonly number[]): number {
  const sorted = [...durations].sort((a, b) => a - b)
  const p95 = sorted[Math.min(sorted.length - 1, Math.floor(0.95 * sorted.length))] ?? 1
  return Math.min(10, Math.max(1, Math.ceil(p95 * 4) / 4))
}

/** What a model reads: each purpose has its own default set. */
export type RecipePurpose = 'summary' | 'image' | 'sequence' | 'waveform'

/** The names of the project's default sets. */
const DEFAULT_SET_NAMES: Record<RecipePurpose, string> = {
  summary: 'default',
  image: 'default-image',
  sequence: 'default-sequence',
  waveform: 'default-waveform',
}

/**
 * The feature set trees train on when none is given: at the clips' own sample rate, ~25 ms frames
 * (the power of two at or above, so 256 samples at 8 kHz, 512 at 16 kHz) with a quarter hop, 40 mel
 * bands, 20 MFCCs, the scalar spectral features, zero-crossing rate and RMS, each summarised by
 * mean, standard deviation, minimum and maximum: 104 columns. Frame lengths follow the rate because
 * librosa's 2048-sample default spans a quarter of a second at 8 kHz, longer than a syllable. On
 * fsdd-dev this gave 97-99% test accuracy with both tree models; adding MFCC deltas doubled gradient
 * boosting's fit time for no gain.
 */
function defaultSummaryConfig(sampleRate: number): FeatureConfig {
  const nFft = Math.max(256, 2 ** Math.ceil(Math.log2(0.025 * sampleRate)))
  return resolveFeatureConfig({
    sampleRate,
    nFft,
    hop: nFft / 4,
    nMels: 40,
    nMfcc: 20,
    features: [
      'mfcc',
      'spectral_centroid',
      'spectral_bandwidth',
      'spectral_rolloff',
      'spectral_flatness',
      'zcr',
      'rms',
    ],
    stats: ['mean', 'std', 'min', 'max'],
  })
}

/**
 * The default set's parameters for a purpose and these clips. Deep inputs are the clip resampled,
 * cut or zero-padded to the typical length: 64-band log-mel images (nFft 512 at 8 kHz, 1024 at
 * 16 kHz, else 2048, quarter hop), 20 MFCCs + deltas of 40 bands (half hop), or 16 kHz samples for
 * a base model that takes audio (as YAMNet).
 */
export function defaultSetParams(purpose: RecipePurpose, facts: ClipFacts): FeatureSetParams {
  const { sampleRate, seconds } = facts
  if (purpose === 'summary') return resolveFeatureSetParams([], defaultSummaryConfig(sampleRate))
  const rate = purpose === 'waveform' ? 16000 : sampleRate
  const nFft = rate <= 8000 ? 512 : rate <= 16000 ? 1024 : 2048
  const pipeline: PipelineInput = [
    { step: 'resample', sampleRate: rate },
    { step: 'fixLength', seconds, mode: 'start' },
  ]
  const config: FeatureConfigInput =
    purpose === 'sequence'
      ? { sampleRate: rate, nFft, hop: nFft / 2, nMels: 40, nMfcc: 20, features: ['mfcc', 'mfcc_delta'] }
      : { sampleRate: rate, nFft, hop: nFft / 4, nMels: 64, features: ['logmel'] }
  return resolveFeatureSetParams(pipeline, config)
}

/**
 * The project's default set for a purpose, created on demand from its clips (then listed in the
 * Features tab like any set, and kept as it is: edit it there to change what runs use by default).
 */
export function defaultFeatureSet(db: Database, purpose: RecipePurpose): { name: string; params: FeatureSetParams } {
  const name = DEFAULT_SET_NAMES[purpose]
  if (!findFeatureSetRow(db, name)) {
    const params = defaultSetParams(purpose, clipFacts(db))
    try {
      createFeatureSet(db, { name, pipeline: params.pipeline, config: params.config })
    } catch (error) {
      // Another process (the studio, the CLI) made it first: use theirs.
      if (!(error instanceof EarmarkError && error.code === 'conflict')) throw error
    }
  }
  const info = getFeatureSet(db, name)
  return { name: info.name, params: resolveFeatureSetParams(info.pipeline, info.config) }
}

/** A set of the project by name (or its default for the purpose), with its resolved parameters. */
export function projectFeatureSet(
  db: Database,
  name: string | undefined,
  purpose: RecipePurpose,
): { name: string; params: FeatureSetParams } {
  if (name === undefined) return defaultFeatureSet(db, purpose)
  const info = getFeatureSet(db, name)
  return { name: info.name, params: resolveFeatureSetParams(info.pipeline, info.config) }
}

/**
 * How a model of this purpose reads a set: for images and sequences, frames for the set's fixed
 * length when its pipeline fixes one (else the clips' typical length); for samples, as many.
 */
export function inputFor(purpose: RecipePurpose, params: FeatureSetParams, facts: ClipFacts): RecipeInput {
  if (purpose === 'summary') return { kind: 'summary' }
  const fixed = [...params.pipeline].reverse().find((s) => s.step === 'fixLength')
  const seconds = fixed && fixed.step === 'fixLength' ? fixed.seconds : facts.seconds
  if (purpose === 'waveform') return { kind: 'waveform', samples: Math.round(seconds * params.config.sampleRate) }
  const frames = framesFor(seconds, params.config)
  if (purpose === 'sequence') return { kind: 'sequence', frames }
  if (!params.config.features.includes('logmel')) {
    throw new EarmarkError(
      'invalid-input',
      'a CNN or CRNN reads log-mel images: train it from a feature set whose features include logmel',
    )
  }
  return { kind: 'image', feature: 'logmel', frames }
}
