// A frozen base's embeddings kept between runs: a transfer run whose base is frozen embeds each
// training and validation example once; the project keeps those vectors (by the clip's content),
// and the next run of the same base on the same inputs reads them instead of running the base
// again. Plain data, no TensorFlow.js: the main process fills and stores them, the trainer uses them.
import type { Standardizer } from './data'

/** Embeddings of some of a dataset's examples, kept from an earlier run of the same base on the same inputs. */
export interface StoredEmbeddings {
  /** Values per embedding. */
  dims: number
  /** Row-major [examples × dims], by example index; rows whose `present` is 0 are not read. */
  vectors: Float32Array
  /** 1 where the example's embedding is stored. */
  present: Uint8Array
  /** The standardisation the inputs went through before the base: only a run standardising alike uses them. */
  standardizer: Standardizer
}

/** What a frozen base embedded in one run: the examples it ran on, and their vectors. */
export interface EmbeddedExamples {
  dims: number
  /** Example indices, in the order of `vectors`' rows. */
  rows: number[]
  /** Row-major [rows × dims]. */
  vectors: Float32Array
  standardizer: Standardizer
}

/** Whether two standardisations are the same, value for value. */
export function sameStandardizer(a: Standardizer, b: Standardizer): boolean {
  const equal = (x: readonly number[], y: readonly number[]): boolean =>
    x.length === y.length && x.every((v, i) => Object.is(v, y[i]))
  return equal(a.mean, b.mean) && equal(a.std, b.std)
}

/**
 * The stored embeddings a run can use: those of its base's width and its standardisation, for a
 * dataset of `count` examples; null when none fit.
 */
export function usableEmbeddings(
  stored: StoredEmbeddings | undefined,
  dims: number,
  standardizer: Standardizer,
  count: number,
): StoredEmbeddings | null {
  if (!stored || stored.dims !== dims || stored.present.length !== count) return null
  if (stored.vectors.length !== count * dims || !sameStandardizer(stored.standardizer, standardizer)) return null
  return stored
}
