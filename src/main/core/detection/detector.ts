import { existsSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { ModelOutputs, WindowSettings } from '@shared/detection'
import { EarmarkError } from '../errors'
import type { Recipe } from '../feature-sets/recipe'
import { DEEP_METADATA_FILE } from '../models/deep/files'
import { loadPredictableModel, readModelOutputs, RUN_FILES } from '../runs/artifacts'
import { deepModelFolder, deepModelRecipe } from '../runs/predict-deep'
import { modelNormalization, normalizeInputs } from '../training/normalize'
import { loadDeepModel, predictDeep, type DeepModelMetadata } from '../training/saved'

/*
 * A saved model as a detector: what it reads (its recipe), what it answers (its outputs, the
 * background class, per-class thresholds) and how a recording is cut into the windows it scores.
 * A model trained on regions says all of this in its features.json; a model trained on clips
 * scores windows of its clips' length, a quarter of that apart, each class at 0.5. A log-mel
 * model's hop is rounded to whole frames (0.25 s at 8 kHz with 128-sample frames: 0.256 s).
 */

/** What a detector is, without the model itself (plain JSON: it crosses to and from workers). */
export interface DetectorInfo {
  kind: 'deep' | 'tree'
  /** The model's name (cnn, crnn, lstm, rf, gbdt, …). */
  model: string
  /** The model file. */
  modelPath: string
  /** The model's outputs, in the order of its scores (the background class included). */
  classes: string[]
  outputs: ModelOutputs
  recipe: Recipe
  /** The windows it scores: the training windows, or the clips' length for a model trained on clips. */
  window: WindowSettings
}

/** A loaded detector: its scores of a batch of window inputs, row-major [windows × classes]. */
export interface Detector extends DetectorInfo {
  score(x: Float32Array | Float64Array, count: number): Promise<ArrayLike<number>>
}

/** Windows a deep model scores at once: enough to amortise a call, few enough to keep its activations small. */
export const SCORE_BATCH = 64

/** Window length and hop given instead of the model's own. */
export interface WindowOverride {
  seconds?: number
  hop?: number
}

/**
 * Loads a saved model (a run folder, an export, or the model file in one) to detect with. A path
 * that is no model is an invalid-input error saying what a model folder holds.
 */
export async function loadDetector(path: string, override: WindowOverride = {}): Promise<Detector> {
  let isFolder: boolean
  try {
    isFolder = statSync(path).isDirectory()
  } catch {
    throw new EarmarkError('not-found', `no model at ${path}: give a run folder, an export, or the model.json in one`)
  }
  const folder = isFolder ? path : dirname(path)
  const deep = deepModelFolder(path)
  if (deep === null && !existsSync(join(folder, RUN_FILES.model))) {
    throw new EarmarkError(
      'invalid-input',
      `${path} is not a model: a run folder or an export holds model.json and features.json (and ${DEEP_METADATA_FILE} for a deep model)`,
    )
  }
  if (deep !== null) {
    const metadata = JSON.parse(await readFile(join(deep, DEEP_METADATA_FILE), 'utf8')) as DeepModelMetadata
    const recipe = await deepModelRecipe(deep)
    const outputs = await readModelOutputs(deep, metadata.classes)
    const trained = await loadDeepModel(deep)
    return {
      kind: 'deep',
      model: metadata.spec.model,
      modelPath: join(deep, RUN_FILES.model),
      classes: [...trained.classes],
      outputs,
      recipe,
      window: windowOf(recipe, outputs, override),
      score: async (x) => {
        // Windows are short clips: normalised per window, as the model's training clips were.
        normalizeInputs(x as Float32Array, trained.inputShape, modelNormalization(metadata.spec), recipe)
        return (await predictDeep(trained, x as Float32Array, { batchSize: SCORE_BATCH })).probabilities
      },
    }
  }
  const { model, recipe, modelPath } = await loadPredictableModel(path)
  const outputs = await readModelOutputs(dirname(modelPath), model.classes)
  const nFeatures = model.featureNames.length
  return {
    kind: 'tree',
    model: model.kind,
    modelPath,
    classes: [...model.classes],
    outputs,
    recipe,
    window: windowOf(recipe, outputs, override),
    score: (x, count) => Promise.resolve(model.predictProba({ x: x as Float64Array, nRows: count, nFeatures })),
  }
}

/** The windows a detector scores: as given, as the model trained on them, or its clips' length. */
function windowOf(recipe: Recipe, outputs: ModelOutputs, override: WindowOverride): WindowSettings {
  const trained = outputs.windowing
  const seconds = override.seconds ?? trained?.seconds ?? recipeSeconds(recipe)
  if (seconds === null) {
    throw new EarmarkError(
      'invalid-input',
      'the model was trained on whole clips of any length, so it has no window length: give one (--window SECONDS)',
    )
  }
  const given = override.hop
  const hop = given ?? alignedHop((override.seconds === undefined ? trained?.hop : undefined) ?? seconds / 4, recipe)
  for (const [name, value] of [
    ['window', seconds],
    ['hop', hop],
  ] as const) {
    if (!(Number.isFinite(value) && value > 0 && value <= 3600)) {
      throw new EarmarkError(
        'invalid-input',
        `the ${name} must be a positive number of seconds (at most 3600), not ${value}`,
      )
    }
  }
  return { seconds, hop }
}

/**
 * A hop of whole log-mel frames (the nearest, at least one) for a model that reads log-mel images,
 * so that its windows share their frames and are computed several times faster
 * (window-input.ts); a hop the user gives is kept as it is.
 */
function alignedHop(hop: number, recipe: Recipe): number {
  const { input, config } = recipe
  if (input.kind !== 'image' || input.feature !== 'logmel') return hop
  const frames = Math.max(1, Math.round((hop * config.sampleRate) / config.hop))
  return (frames * config.hop) / config.sampleRate
}

/**
 * The length of audio a recipe's input stands for, seconds: the length its pipeline fixes, else
 * what its samples or frames span; null for summary vectors of clips of any length.
 */
export function recipeSeconds(recipe: Recipe): number | null {
  const fixed = [...recipe.pipeline].reverse().find((s) => s.step === 'fixLength')
  if (fixed && fixed.step === 'fixLength') return fixed.seconds
  const { input, config } = recipe
  switch (input.kind) {
    case 'summary':
      return null
    case 'waveform':
      return input.samples / config.sampleRate
    case 'image':
    case 'sequence': {
      const samples = config.center ? (input.frames - 1) * config.hop : (input.frames - 1) * config.hop + config.nFft
      return samples / config.sampleRate
    }
  }
}
