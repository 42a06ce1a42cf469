// A transfer run's frozen-base embeddings, kept in the project's embedding store so the next run
// of the same base on the same inputs reads them instead of running the base again (a sweep over
// a head's hyperparameters runs the base once, not once a trial).
//
// Why a space of its own rather than the windows `embed` stores: a transfer run's base sees the
// run's feature images of whole clips (cut or padded to the set's frames), standardised with
// statistics fitted on the run's training clips; `embed` gives the base windows of audio,
// standardised as the base was trained, and keeps unit vectors for cosine search. The two are
// different numbers, so each is keyed by exactly what made it: here the base's files, the
// embedding read, the feature set, the per-clip normalisation, the input shape and the
// standardisation.
import { createHash } from 'node:crypto'
import type { Database } from 'better-sqlite3'
import {
  clipContentHashes,
  createSpace,
  embeddedContent,
  findSpace,
  insertWindows,
  windowsOfContent,
  type EmbeddingSpace,
} from '../catalog/embeddings'
import { recipeHash, type Recipe } from '../feature-sets/recipe'
import type { Standardizer } from '../training/data'
import { sameStandardizer, type EmbeddedExamples, type StoredEmbeddings } from '../training/stored-embeddings'
import { hashFiles, modelFiles } from './model-files'

/** What a transfer run's frozen base embeds: made by these, its embeddings are the same numbers. */
export interface TransferInputs {
  /** The base model's folder. */
  baseModel: string
  /** The layer or node read as the embedding (null: the base's default). */
  embeddingLayer: string | null
  recipe: Recipe
  /** The per-clip normalisation of the run's inputs ('none', 'cmvn', …): the same recipe normalised otherwise is other inputs. */
  normalize: string
  shape: readonly [frames: number, features: number]
  /** The standardisation of the inputs before the base (identity for bases that take raw inputs). */
  standardizer: Standardizer
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex')

/** The space a run's kept embeddings live in: its key, and how it is described. */
function spaceKeyOf(inputs: TransferInputs): {
  baseHash: string
  sampleRate: number
  window: number
  hop: number
  pipeline: string
} {
  const pipeline = JSON.stringify({
    kind: 'transfer-input',
    embeddingLayer: inputs.embeddingLayer,
    recipe: recipeHash(inputs.recipe),
    normalize: inputs.normalize,
    shape: inputs.shape,
    standardizer: sha256(JSON.stringify(inputs.standardizer)),
  })
  const model = hashFiles(inputs.baseModel, modelFiles(inputs.baseModel), 'transfer-base')
  const { config } = inputs.recipe
  // The span one input covers; one vector per clip, so the hop is the same.
  const seconds = Math.max(1, inputs.shape[0]) * (config.hop / config.sampleRate)
  return {
    // With the pipeline in it, so that a space of `embed`'s windows of the same base never shares its key.
    baseHash: sha256(`${model}\0${pipeline}`),
    sampleRate: config.sampleRate,
    window: seconds,
    hop: seconds,
    pipeline,
  }
}

/** A run's examples as the cache sees them: each example's clip content. */
export interface TransferExamples {
  /** The clip of each example, by example index. */
  clipIds: readonly number[]
}

/**
 * The kept embeddings of a run's examples, or undefined when none are kept (the run embeds them
 * all). Reads only; cheap when the space does not exist.
 */
export function readTransferEmbeddings(
  db: Database,
  inputs: TransferInputs,
  examples: TransferExamples,
): StoredEmbeddings | undefined {
  const space = findSpace(db, spaceKeyOf(inputs))
  if (!space || space.count === 0) return undefined
  const hashes = clipContentHashes(db, examples.clipIds)
  const n = examples.clipIds.length
  const vectors = new Float32Array(n * space.dims)
  const present = new Uint8Array(n)
  let found = 0
  examples.clipIds.forEach((clipId, i) => {
    const hash = hashes.get(clipId)
    const v = hash === undefined ? undefined : windowsOfContent(db, space.id, hash)[0]?.vector
    if (!v || v.length !== space.dims) return
    vectors.set(v, i * space.dims)
    present[i] = 1
    found++
  })
  if (found === 0) return undefined
  return { dims: space.dims, vectors, present, standardizer: inputs.standardizer }
}

/**
 * Keeps what a run's frozen base embedded, one vector per clip content (a clip imported twice is
 * embedded once), in one transaction. Embeddings of another standardisation than the inputs' are
 * not kept: they would be filed under the wrong key. Returns the vectors added.
 */
export function keepTransferEmbeddings(
  db: Database,
  inputs: TransferInputs,
  examples: TransferExamples,
  embedded: EmbeddedExamples,
  base: { kind: string; path: string },
  now: Date,
): number {
  if (!sameStandardizer(embedded.standardizer, inputs.standardizer)) return 0
  const key = spaceKeyOf(inputs)
  const hashes = clipContentHashes(
    db,
    embedded.rows.map((r) => examples.clipIds[r] as number),
  )
  return db.transaction(() => {
    const space: EmbeddingSpace = findSpace(db, key) ?? createSpace(db, key, base, embedded.dims, now)
    if (space.dims !== embedded.dims) return 0
    const kept = embeddedContent(db, space.id)
    const windows = []
    for (let r = 0; r < embedded.rows.length; r++) {
      const hash = hashes.get(examples.clipIds[embedded.rows[r] as number] as number)
      if (hash === undefined || kept.has(hash)) continue
      kept.add(hash)
      windows.push({
        contentHash: hash,
        start: 0,
        end: key.window,
        vector: embedded.vectors.subarray(r * embedded.dims, (r + 1) * embedded.dims),
      })
    }
    insertWindows(db, space, windows)
    return windows.length
  })()
}
