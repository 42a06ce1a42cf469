import { existsSync } from 'node:fs'
import { copyFile, cp, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { basename, dirname, extname, join } from 'node:path'
import { z } from 'zod'
import { EarmarkError } from '../errors'
import type { ModelOutputs } from '@shared/detection'
import type { RunFeatureSet } from '@shared/evaluation'
import { legacyRecipe, recipeFromRecord, recipeHash, recipeRecord, type Recipe } from '../feature-sets/recipe'
import { summaryNames, type FeatureConfigInput } from '../features'
import { loadTreeModel, type TreeModel } from '../models/trees'
import { DEEP_METADATA_FILE, GRAPH_BASE_DIR } from '../models/deep/files'

/*
 * A run's files, the same in the project's runs folder and in an export, so that `earmark predict`
 * takes either:
 *
 *   model.json     the trained model (for trees, the plain JSON document of models/trees/serialize.ts)
 *   labels.json    the class names, in the order of the model's outputs
 *   features.json  {"config": {...}, "hash": "...", "names": [...], "recipe": {...}}: how to compute
 *                  the model's input from audio: the feature set it trained from (name, hash,
 *                  pipeline, configuration, how the model reads it; `recipe`), its configuration
 *                  alone and its columns. Files written before runs kept sets have no `recipe`:
 *                  their configuration is read under an empty pipeline.
 *   run.json       what the run was: model, hyperparameters, split, metrics (export only)
 */

/** The file names of a run folder. */
export const RUN_FILES = {
  model: 'model.json',
  labels: 'labels.json',
  features: 'features.json',
  run: 'run.json',
} as const

/** Where a project keeps its runs: a folder beside the project file, named after it. */
export function projectRunsFolder(projectPath: string): string {
  return join(dirname(projectPath), `${basename(projectPath, extname(projectPath))} runs`)
}

/** A run's own folder. */
export const runFolder = (projectPath: string, runId: number): string =>
  join(projectRunsFolder(projectPath), `run-${runId}`)

/** Writes a run's model, labels and feature set into a folder; returns the model's path. */
export async function writeRunFiles(
  dir: string,
  model: TreeModel,
  modelDocument: string,
  recipe: Recipe,
): Promise<string> {
  await mkdir(dir, { recursive: true })
  const modelPath = join(dir, RUN_FILES.model)
  await writeFile(modelPath, modelDocument)
  await writeFile(join(dir, RUN_FILES.labels), `${JSON.stringify(model.classes)}\n`)
  await writeFeaturesFile(dir, recipe, model.featureNames)
  return modelPath
}

/**
 * Writes features.json: the run's feature set, its configuration and the model's columns, and for a
 * model trained on regions what its outputs are (`detection`: softmax or sigmoid, background,
 * thresholds, windowing), which detection reads to cut windows and report events.
 */
export async function writeFeaturesFile(
  dir: string,
  recipe: Recipe,
  names: readonly string[],
  outputs?: ModelOutputs,
): Promise<void> {
  const features = {
    config: recipe.config,
    hash: recipeHash(recipe),
    names,
    recipe: recipeRecord(recipe),
    ...(outputs ? { detection: outputs } : {}),
  }
  await writeFile(join(dir, RUN_FILES.features), `${JSON.stringify(features, null, 2)}\n`)
}

/**
 * What a run folder's model says of its outputs for detection: as its features.json records them
 * (a model trained on regions), else a model trained on clips: a softmax over its classes, no
 * background, each class's threshold 0.5, no windowing.
 */
export async function readModelOutputs(dir: string, classes: readonly string[]): Promise<ModelOutputs> {
  let raw: unknown
  try {
    raw = JSON.parse(await readFile(join(dir, RUN_FILES.features), 'utf8'))
  } catch {
    raw = null
  }
  const parsed = featuresFileSchema.safeParse(raw)
  const recorded = parsed.success ? parsed.data.detection : undefined
  if (recorded) return recorded as ModelOutputs
  return {
    output: 'softmax',
    background: null,
    thresholds: Object.fromEntries(classes.map((c) => [c, 0.5])),
    windowing: null,
  }
}

/**
 * The recipe a run folder's features.json records, or null when it has none (a deep run saved
 * before runs kept sets says its inputs in its metadata instead).
 */
export async function readRecipe(dir: string): Promise<Recipe | null> {
  const path = join(dir, RUN_FILES.features)
  let raw: unknown
  try {
    raw = JSON.parse(await readFile(path, 'utf8'))
  } catch {
    return null
  }
  const parsed = featuresFileSchema.safeParse(raw)
  if (!parsed.success || parsed.data.recipe === undefined) return null
  return recipeFromRecord(parsed.data.recipe as RunFeatureSet)
}

/** Copies a run's files into `out` and adds run.json; returns the files written. */
export async function exportRunFiles(modelPath: string, out: string, run: unknown): Promise<string[]> {
  const from = dirname(modelPath)
  await mkdir(out, { recursive: true })
  const written: string[] = []
  // A deep model's folder holds its weights and metadata besides (weights.bin, earmark-model.json),
  // and the GraphModel it was transferred from, if any (base/).
  const entries = existsSync(join(from, DEEP_METADATA_FILE)) ? await readdir(from, { withFileTypes: true }) : []
  const extra = entries
    .filter((e) => e.isFile() && e.name !== RUN_FILES.run && e.name !== 'owner.json')
    .map((e) => e.name)
  for (const name of new Set([RUN_FILES.model, RUN_FILES.labels, RUN_FILES.features, ...extra])) {
    await copyFile(join(from, name), join(out, name))
    written.push(join(out, name))
  }
  if (entries.some((e) => e.isDirectory() && e.name === GRAPH_BASE_DIR)) {
    await cp(join(from, GRAPH_BASE_DIR), join(out, GRAPH_BASE_DIR), { recursive: true })
    written.push(join(out, GRAPH_BASE_DIR))
  }
  await writeFile(join(out, RUN_FILES.run), `${JSON.stringify(run, null, 2)}\n`)
  written.push(join(out, RUN_FILES.run))
  return written
}

const featuresFileSchema = z.object({
  config: z.record(z.string(), z.unknown()),
  hash: z.string(),
  names: z.array(z.string()),
  recipe: z
    .object({
      name: z.string().nullable(),
      paramsHash: z.string(),
      pipeline: z.array(z.record(z.string(), z.unknown())),
      config: z.record(z.string(), z.unknown()),
      input: z.object({ kind: z.enum(['summary', 'image', 'sequence', 'waveform']) }).loose(),
    })
    .optional(),
  detection: z
    .object({
      output: z.enum(['softmax', 'sigmoid']),
      background: z.string().nullable(),
      thresholds: z.record(z.string(), z.number()),
      windowing: z
        .object({ seconds: z.number().positive(), hop: z.number().positive(), minOverlap: z.number() })
        .loose()
        .nullable(),
    })
    .optional(),
})

/** A model with everything needed to predict from audio. */
export interface PredictableModel {
  model: TreeModel
  /** The feature set it trained from (a configuration alone: under an empty pipeline). */
  recipe: Recipe
  modelPath: string
}

/**
 * Loads a run folder (the project's or an export) or a model.json with features.json beside it,
 * and checks that the feature configuration gives the columns the model reads.
 */
export async function loadPredictableModel(path: string): Promise<PredictableModel> {
  let info
  try {
    info = await stat(path)
  } catch {
    throw new EarmarkError('not-found', `No run folder or model file at ${path}.`)
  }
  const modelPath = info.isDirectory() ? join(path, RUN_FILES.model) : path
  const featuresPath = join(dirname(modelPath), RUN_FILES.features)
  const model = await loadTreeModel(modelPath)
  let raw: unknown
  try {
    raw = JSON.parse(await readFile(featuresPath, 'utf8'))
  } catch (error) {
    throw new EarmarkError(
      'not-found',
      `${featuresPath} is missing or unreadable (${error instanceof Error ? error.message : String(error)}): it says how to compute the model's features`,
    )
  }
  const parsed = featuresFileSchema.safeParse(raw)
  if (!parsed.success)
    throw new EarmarkError('corrupt', `${featuresPath} is not a feature description: ${z.prettifyError(parsed.error)}`)
  const recipe = parsed.data.recipe
    ? recipeFromRecord(parsed.data.recipe as RunFeatureSet)
    : legacyRecipe(parsed.data.config as FeatureConfigInput as Record<string, unknown>)
  if (recipe.input.kind !== 'summary')
    throw new EarmarkError('corrupt', `${featuresPath} does not describe summary features`)
  const names = summaryNames(recipe.config)
  if (names.join('\n') !== model.featureNames.join('\n')) {
    throw new EarmarkError(
      'corrupt',
      `${featuresPath} describes other features than the ${model.featureNames.length} the model reads`,
    )
  }
  return { model, recipe, modelPath }
}
