import { checkWaveformAugmentation } from '../augment/settings'
import { EarmarkError } from '../errors'
import type { Learner } from '../evaluation/held-out-groups'
import { defaultSetParams, inputFor, recipeOf, type ClipFacts, type Recipe } from '../feature-sets/recipe'
import type { TreeModelKind } from '../models/trees/model'
import { trainTreeModel } from '../models/trees/train'
import {
  initEngine,
  parseDeepSpec,
  predictDeep,
  trainDeepModel,
  type DeepModelSpecInput,
  type FeatureSource,
} from '../training'
import { normalizeInputs } from '../training/normalize'
import { loadAugmentedCopies, loadDeepInputs } from './features'

/*
 * The learners the held-out-group measure trains: each model kind through Earmark's own training
 * path (trainDeepModel and the trees' trainers) on the inputs of the project's default feature set
 * for its kind, so the figures are those of what a user gets from a run with the defaults.
 * Not in the runs index: this module loads TensorFlow.js.
 */

/** The model kinds the measure covers: the deep kinds on their inputs, the trees on summary vectors. */
export const HELD_OUT_KINDS = ['cnn', 'crnn', 'lstm', 'rf', 'gbdt'] as const
/** A model kind the measure covers. */
export type HeldOutKind = (typeof HELD_OUT_KINDS)[number]

/**
 * The default feature set a run of this kind reads for clips like these: log-mel images for a CNN
 * or CRNN, MFCC + delta sequences for an LSTM, summary vectors for the trees.
 */
export function defaultRecipeFor(kind: HeldOutKind, facts: ClipFacts): Recipe {
  const purpose = kind === 'cnn' || kind === 'crnn' ? 'image' : kind === 'lstm' ? 'sequence' : 'summary'
  const params = defaultSetParams(purpose, facts)
  return recipeOf(`default-${purpose}`, params, inputFor(purpose, params, facts))
}

/** A deep learner's inputs: every clip's model input under the recipe, and the clips themselves. */
export interface DeepLearnerInputs {
  /** Every clip's [frames × features] input, one after another, as the feature set computes it. */
  x: Float32Array
  shape: readonly [frames: number, features: number]
  recipe: Recipe
  /** Each clip's file, from which its augmented copies are made. */
  paths: readonly string[]
}

/**
 * The inputs of some audio files under a recipe, computed as a run computes its clips' (on
 * `workers` audio worker threads; 0: this thread); a file that cannot be read is an error.
 */
export async function loadDeepLearnerInputs(
  paths: readonly string[],
  recipe: Recipe,
  options: { workers?: number } = {},
): Promise<DeepLearnerInputs> {
  const loaded = await loadDeepInputs({ files: paths }, recipe, { workers: options.workers ?? 2 })
  if (loaded.failed.length > 0) {
    throw new EarmarkError(
      'invalid-input',
      `could not read ${loaded.failed.map((f) => `${f.path} (${f.reason})`).join(', ')}`,
    )
  }
  return { x: loaded.x, shape: loaded.shape, recipe, paths }
}

/**
 * A deep model trained as a run trains it: per-clip normalisation of every input (the model's
 * own, applied in prediction too), augmented copies of the training clips (never of validation or
 * test clips), early stopping and best weights on the validation rows. A clip's copies depend only
 * on the seed and the clip, so each is made once and serves every fold that trains on it.
 */
export function deepLearner(
  specInput: DeepModelSpecInput,
  inputs: DeepLearnerInputs,
  data: { labels: ArrayLike<number>; classes: readonly string[] },
  options: { signal?: AbortSignal; workers?: number } = {},
): Learner {
  const spec = parseDeepSpec(specInput)
  const { params } = spec
  const [frames, width] = inputs.shape
  const per = frames * width
  const count = inputs.x.length / per
  const x = inputs.x.slice()
  normalizeInputs(x, inputs.shape, params.normalize, inputs.recipe)
  const copies = params.augmentCopies
  if (copies > 0) checkWaveformAugmentation(params)
  // Copy c of clip i is row count + i·copies + c of the learner's source. A clip's copies depend
  // only on the seed and the clip, so they are made once, for every clip, and serve every fold.
  let copyRows: Promise<Float32Array> | null = null
  const makeCopies = async (): Promise<Float32Array> => {
    if (copies === 0) return new Float32Array(0)
    const made = await loadAugmentedCopies({ files: inputs.paths }, inputs.recipe, params, params.seed, {
      workers: options.workers ?? 2,
      ...(options.signal ? { signal: options.signal } : {}),
    })
    if (made.failed.length > 0) {
      throw new EarmarkError('invalid-input', `could not augment ${made.failed.map((f) => f.path).join(', ')}`)
    }
    normalizeInputs(made.x, inputs.shape, params.normalize, inputs.recipe)
    return made.x
  }
  const withCopies = labelsWithCopies(data.labels, count, copies)
  return async ({ train, validation, test }) => {
    copyRows ??= makeCopies()
    const copied = train.flatMap((i) => Array.from({ length: copies }, (_, c) => count + i * copies + c))
    const source = rowSource(x, await copyRows, inputs.shape, [...train, ...copied, ...validation])
    await initEngine()
    const trained = await trainDeepModel(
      spec,
      {
        // Only the fold's own rows are readable: a tested clip's input is not even in the source.
        features: source,
        labels: withCopies,
        classes: data.classes,
        train: [...train, ...copied],
        validation,
      },
      options.signal ? { signal: options.signal } : {},
    )
    try {
      const tested = new Float32Array(test.length * per)
      test.forEach((row, i) => tested.set(x.subarray(row * per, (row + 1) * per), i * per))
      const { predicted } = await predictDeep(trained, tested)
      return { predicted: Int32Array.from(predicted), epochs: trained.epochs }
    } finally {
      trained.model.dispose()
    }
  }
}

/**
 * A tree model trained on every training row (the trees have no early stopping, so the
 * validation rows are trained on too, as a tree run trains on all its training clips).
 */
export function treeLearner(
  kind: TreeModelKind,
  params: Record<string, unknown>,
  matrix: { x: Float64Array; names: readonly string[] },
  data: { labels: ArrayLike<number>; classes: readonly string[] },
  options: { workers?: number } = {},
): Learner {
  const width = matrix.names.length
  const subset = (rows: readonly number[]): { x: Float64Array; y: Int32Array } => {
    const x = new Float64Array(rows.length * width)
    rows.forEach((row, i) => x.set(matrix.x.subarray(row * width, (row + 1) * width), i * width))
    return { x, y: Int32Array.from(rows, (row) => data.labels[row] as number) }
  }
  return async ({ train, validation, test }) => {
    const fit = subset([...train, ...validation])
    const model = await trainTreeModel(
      kind,
      {
        ...fit,
        nRows: train.length + validation.length,
        nFeatures: width,
        featureNames: matrix.names,
        classes: data.classes,
      },
      params,
      options.workers === undefined ? {} : { workers: options.workers },
    )
    const { x } = subset(test)
    return { predicted: model.predict({ x, nRows: test.length, nFeatures: width }) }
  }
}

/** The labels of the clips, then of each clip's copies (copy c of clip i after all clips, at count + i·copies + c). */
function labelsWithCopies(labels: ArrayLike<number>, count: number, copies: number): Int32Array {
  const out = new Int32Array(count * (1 + copies))
  for (let i = 0; i < count; i++) {
    out[i] = labels[i] as number
    out.fill(labels[i] as number, count + i * copies, count + (i + 1) * copies)
  }
  return out
}

/**
 * A feature source over the given rows of the clips' inputs and their copies: reading any other
 * row is an error, so a learner cannot see a tested clip however the trainer is written.
 */
function rowSource(
  x: Float32Array,
  copies: Float32Array,
  shape: readonly [number, number],
  rows: readonly number[],
): FeatureSource {
  const per = shape[0] * shape[1]
  const count = x.length / per
  const allowed = new Set(rows)
  return {
    count: count + copies.length / per,
    shape,
    read: (i, out, offset) => {
      if (!allowed.has(i)) throw new Error(`row ${i} is not one of the fold's training rows`)
      const from = i < count ? x : copies
      const at = i < count ? i : i - count
      out.set(from.subarray(at * per, (at + 1) * per), offset)
    },
  }
}
