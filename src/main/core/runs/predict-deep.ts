import { existsSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { EarmarkError } from '../errors'
import { DEEP_METADATA_FILE } from '../models/deep/files'
import { deepFeatureSchema } from '../training/features'
import type { DeepModelMetadata } from '../training/saved'
import { predictInWorker } from '../training/worker-host'
import { legacyDeepRecipe, type Recipe } from '../feature-sets/recipe'
import { modelNormalization, normalizeInputs } from '../training/normalize'
import { readRecipe } from './artifacts'
import { loadDeepInputs, type FailedClip, type FeatureSource, type LoadFeaturesOptions } from './features'

/** The folder of a saved deep model that `path` (a run folder, an export or its model.json) names; null for other models. */
export function deepModelFolder(path: string): string | null {
  let folder: string
  try {
    folder = statSync(path).isDirectory() ? path : dirname(path)
  } catch {
    return null
  }
  return existsSync(join(folder, DEEP_METADATA_FILE)) ? folder : null
}

/**
 * The feature set a saved deep model reads: the one its features.json records, or for a model
 * saved before runs kept sets, the input recipe of its metadata as a set.
 */
export async function deepModelRecipe(folder: string): Promise<Recipe> {
  const recorded = await readRecipe(folder)
  if (recorded) return recorded
  const metadata = JSON.parse(await readFile(join(folder, DEEP_METADATA_FILE), 'utf8')) as DeepModelMetadata
  const recipe = deepFeatureSchema.safeParse(metadata.features)
  if (!recipe.success) {
    throw new EarmarkError(
      'corrupt',
      `${join(folder, DEEP_METADATA_FILE)} does not say how the model's inputs are computed`,
    )
  }
  return legacyDeepRecipe(recipe.data)
}

/**
 * Class probabilities of clips or audio files under a saved deep model: its feature set read
 * through the feature door (features.ts), then TensorFlow.js in the training worker, so the
 * caller's thread never blocks on inference. Clips that cannot be read get no row.
 */
export async function predictDeepClips(
  folder: string,
  source: FeatureSource,
  options: LoadFeaturesOptions = {},
): Promise<{ labels: string[]; rows: number[]; proba: Float64Array; failed: FailedClip[] }> {
  const metadata = JSON.parse(await readFile(join(folder, DEEP_METADATA_FILE), 'utf8')) as DeepModelMetadata
  const recipe = await deepModelRecipe(folder)
  const inputs = await loadDeepInputs(source, recipe, options)
  if (inputs.rows.length === 0) {
    return { labels: [...metadata.classes], rows: [], proba: new Float64Array(0), failed: inputs.failed }
  }
  // The per-clip normalisation the model trained with, as training applied it.
  normalizeInputs(inputs.x, inputs.shape, modelNormalization(metadata.spec), recipe)
  const { probabilities, classes } = await predictInWorker(folder, inputs.x, inputs.shape, {
    ...(options.signal ? { signal: options.signal } : {}),
  })
  return { labels: classes, rows: inputs.rows, proba: Float64Array.from(probabilities), failed: inputs.failed }
}
