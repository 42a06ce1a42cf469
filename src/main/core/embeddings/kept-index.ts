// Each space's kept index (binary-index.ts), built from the stored vectors the first time a
// search needs it and kept for the connection, rebuilt when the space has gained vectors since.
import type { Database } from 'better-sqlite3'
import { embeddingRows, sampleVectors, vectorsById, type EmbeddingSpace } from '../catalog/embeddings'
import { EarmarkError } from '../errors'
import {
  asymmetricScores,
  candidateCounts,
  emptyBinaryIndex,
  hammingDistances,
  nearestRows,
  setRow,
  type BinaryIndex,
} from './binary-index'

const kept = new WeakMap<Database, Map<number, BinaryIndex>>()

/** Vectors averaged for the centre bits are taken about: enough to find the middle of the cloud. */
const CENTRE_SAMPLE = 4096

/** Builds a space's index from its stored vectors. */
export function buildIndex(db: Database, space: Pick<EmbeddingSpace, 'id' | 'dims' | 'count'>): BinaryIndex {
  const centre = new Float32Array(space.dims)
  const sample = sampleVectors(db, space, CENTRE_SAMPLE)
  for (const v of sample) for (let j = 0; j < space.dims; j++) centre[j] = (centre[j] as number) + (v[j] as number)
  if (sample.length > 0) for (let j = 0; j < space.dims; j++) centre[j] = (centre[j] as number) / sample.length
  const index = emptyBinaryIndex(centre, space.count)
  let row = 0
  for (const { id, vector } of embeddingRows(db, space)) {
    if (row === space.count) break
    setRow(index, row++, id, vector)
  }
  index.count = row
  return index
}

/** A space's kept index, built or rebuilt if it is missing or older than the space's vectors. */
export function keptIndex(db: Database, space: Pick<EmbeddingSpace, 'id' | 'dims' | 'count'>): BinaryIndex {
  let spaces = kept.get(db)
  if (!spaces) kept.set(db, (spaces = new Map()))
  const index = spaces.get(space.id)
  if (index && index.count === space.count && index.dims === space.dims) return index
  const built = buildIndex(db, space)
  spaces.set(space.id, built)
  return built
}

/**
 * The k stored windows nearest a unit query by cosine similarity, best first: candidates by the
 * bits, then each candidate's stored vector scored exactly.
 */
export function indexNearest(
  db: Database,
  space: Pick<EmbeddingSpace, 'id' | 'dims' | 'count'>,
  query: Float32Array,
  k: number,
): { id: number; score: number }[] {
  if (query.length !== space.dims) {
    throw new EarmarkError('internal', `a query of ${query.length} values for a space of ${space.dims}`)
  }
  const index = keptIndex(db, space)
  const counts = candidateCounts(k)
  const rows = nearestRows(hammingDistances(index, query), index.dims, counts.reordered)
  const rough = asymmetricScores(index, query, rows)
  // The `rescored` best rough scores: the cut from a sorted copy, then the rows at or above it.
  const take = Math.min(rows.length, counts.rescored)
  const cut = take === 0 ? Infinity : (Float32Array.from(rough).sort()[rough.length - take] as number)
  const ids: number[] = []
  for (let r = 0; r < rows.length && ids.length < take; r++) {
    if ((rough[r] as number) >= cut) ids.push(index.ids[rows[r] as number] as number)
  }
  const vectors = vectorsById(db, ids)
  const scored: { id: number; score: number }[] = []
  for (const id of ids) {
    const v = vectors.get(id)
    if (!v) continue
    let dot = 0
    for (let j = 0; j < space.dims; j++) dot += (v[j] as number) * (query[j] as number)
    scored.push({ id, score: dot })
  }
  return scored.sort((a, b) => b.score - a.score || a.id - b.id).slice(0, k)
}
