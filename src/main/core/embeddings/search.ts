// Search by example: a query vector from a clip's stored windows (or a span of it), or from an
// outside file, then the nearest stored windows by cosine similarity, through the kept vector index
// or, as the reference, by comparing every stored vector.
import type { Database } from 'better-sqlite3'
import type { SearchAnswer, SearchMethod, SearchResult } from '@shared/embeddings'
import { EarmarkError } from '../errors'
import { openEmbedder, resolveBase, type EmbeddingBase } from './bases'
import { workerDecoder } from './decode'
import { embedRecording, spaceInfo } from './embed'
import {
  contentClipFinder,
  embedClip,
  getSpace,
  labeledRegionsByClip,
  negativesByClip,
  listSpaces,
  spaceMatrix,
  windowsById,
  windowsOfContent,
  type ContentClip,
  type EmbeddingSpace,
} from '../catalog/embeddings'
import { indexNearest } from './kept-index'
import { normalizeInPlace, windowMark } from './windows'

/** What to search for. */
export type SearchQuery =
  { clipId: number; start?: number; end?: number } | { file: string; start?: number; end?: number }

/** How to search. */
export interface SearchOptions {
  /** The base whose space to search (a run id, a model's path); default: the newest space. */
  base?: string
  top?: number
  method?: SearchMethod
  /** Leave out results already labeled: their clip, a region over their window, or marked as none of the classes. */
  unlabeled?: boolean
}

/** The space a search reads: the newest of the base's, or the newest of all. */
export async function searchSpace(db: Database, base: string | undefined): Promise<EmbeddingSpace> {
  const spaces = listSpaces(db)
  if (spaces.length === 0) {
    throw new EarmarkError(
      'invalid-input',
      'the project has no embeddings yet: run `earmark embed PROJECT --base MODEL` first',
    )
  }
  if (base === undefined) return spaces[0] as EmbeddingSpace
  const resolved = await resolveBase(base, { db })
  const space = spaces.find((s) => s.baseHash === resolved.hash)
  if (!space) {
    throw new EarmarkError(
      'invalid-input',
      `the project has no embeddings by ${resolved.path}: run \`earmark embed\` with it first`,
    )
  }
  return space
}

/** The base that made a space, resolved again from where it was read (to embed a query). */
async function spaceBase(db: Database, space: EmbeddingSpace): Promise<EmbeddingBase> {
  const base = await resolveBase(space.basePath, { db, sampleRate: space.sampleRate })
  if (base.hash !== space.baseHash) {
    throw new EarmarkError(
      'conflict',
      `the model at ${space.basePath} changed since its embeddings were stored: search from a clip's stored windows, or embed again`,
    )
  }
  return base
}

/** A span's windows of a recording's samples, embedded by the space's base. */
async function embedSpan(
  db: Database,
  space: EmbeddingSpace,
  path: string,
  start?: number,
  end?: number,
): Promise<Float32Array[]> {
  const base = await spaceBase(db, space)
  const decoder = workerDecoder()
  let all: Float32Array
  try {
    all = await decoder.decode(path, space.sampleRate)
  } catch (error) {
    throw new EarmarkError(
      'invalid-input',
      `${path} could not be read as audio: ${error instanceof Error ? error.message : String(error)}`,
    )
  } finally {
    await decoder.close()
  }
  const from = Math.max(0, Math.round((start ?? 0) * space.sampleRate))
  const to = Math.min(all.length, end === undefined ? all.length : Math.round(end * space.sampleRate))
  if (!(to > from))
    throw new EarmarkError('invalid-input', `${path} has no audio between ${start ?? 0} s and ${end ?? 'its end'}`)
  const embedder = await openEmbedder(base)
  try {
    return (await embedRecording(embedder, base, all.subarray(from, to), space)).vectors
  } finally {
    await embedder.close()
  }
}

/** The mean direction of some vectors (unit length). */
function meanVector(vectors: readonly Float32Array[], dims: number): Float32Array {
  const mean = new Float32Array(dims)
  for (const v of vectors) for (let j = 0; j < dims; j++) mean[j] = (mean[j] as number) + (v[j] as number)
  if (!normalizeInPlace(mean))
    throw new EarmarkError('invalid-input', 'the query has no direction (its windows cancel out)')
  return mean
}

/** A query's vector, and the span of stored content it came from (left out of its own results). */
async function queryVector(
  db: Database,
  space: EmbeddingSpace,
  query: SearchQuery,
): Promise<{ vector: Float32Array; own: { contentHash: string; start: number; end: number } | null }> {
  if ('file' in query)
    return { vector: meanVector(await embedSpan(db, space, query.file, query.start, query.end), space.dims), own: null }
  const clip = embedClip(db, query.clipId)
  if (!clip) throw new EarmarkError('not-found', `Clip ${query.clipId} not found`)
  const start = query.start ?? 0
  const end = query.end ?? clip.duration
  if (!(end > start))
    throw new EarmarkError('invalid-input', `a query span must end after it starts (${start} s to ${end} s)`)
  const overlapping = windowsOfContent(db, space.id, clip.contentHash).filter((w) => w.start < end && w.end > start)
  // A clip embedded with the space: its stored windows are the query; else its audio is embedded now.
  const vectors =
    overlapping.length > 0 ? overlapping.map((w) => w.vector) : await embedSpan(db, space, clip.path, start, end)
  return { vector: meanVector(vectors, space.dims), own: { contentHash: clip.contentHash, start, end } }
}

/** Cosine similarity of the query with every stored vector, best first: the reference for the index. */
export function exactNearest(
  x: Float32Array,
  dims: number,
  query: Float32Array,
  k: number,
): { row: number; score: number }[] {
  const n = x.length / dims
  const scores = new Float32Array(n)
  for (let i = 0; i < n; i++) {
    let dot = 0
    const o = i * dims
    for (let j = 0; j < dims; j++) dot += (x[o + j] as number) * (query[j] as number)
    scores[i] = dot
  }
  // A bounded selection: keep the k best seen so far, sorted.
  const best: { row: number; score: number }[] = []
  for (let i = 0; i < n; i++) {
    const s = scores[i] as number
    if (best.length === k && s <= (best[k - 1] as { score: number }).score) continue
    let at = best.length
    while (at > 0 && (best[at - 1] as { score: number }).score < s) at--
    best.splice(at, 0, { row: i, score: s })
    if (best.length > k) best.pop()
  }
  return best
}

/** Candidate windows, nearest first, until `wanted` pass `keep` (or the space is exhausted). */
function candidates(
  db: Database,
  space: EmbeddingSpace,
  query: Float32Array,
  method: SearchMethod,
  wanted: number,
  keep: (w: { contentHash: string; start: number; end: number }) => boolean,
): { contentHash: string; start: number; end: number; score: number }[] {
  const MAX_K = 4096
  if (method === 'index') {
    for (let k = Math.min(MAX_K, wanted * 2 + 16); ; k = Math.min(MAX_K, k * 4)) {
      const near = indexNearest(db, space, query, k)
      const rows = windowsById(
        db,
        near.map((r) => r.id),
      )
      const kept = near.flatMap((r) => {
        const w = rows.get(r.id)
        return w && keep(w) ? [{ ...w, score: r.score }] : []
      })
      if (kept.length >= wanted || near.length < k || k === space.count) return kept.slice(0, wanted)
      // Past what the index answers at once: compare every vector instead.
      if (k === MAX_K) break
    }
  }
  const m = spaceMatrix(db, space)
  const ranked = exactNearest(m.x, m.dims, query, m.contentHashes.length)
  const out: { contentHash: string; start: number; end: number; score: number }[] = []
  for (const { row, score } of ranked) {
    const w = {
      contentHash: m.contentHashes[row] as string,
      start: m.starts[row] as number,
      end: m.ends[row] as number,
    }
    if (!keep(w)) continue
    out.push({ ...w, score })
    if (out.length >= wanted) break
  }
  return out
}

/** The stored windows nearest to a query (excluding the query's own span), best first. */
export async function searchEmbeddings(
  db: Database,
  query: SearchQuery,
  options: SearchOptions = {},
): Promise<SearchAnswer> {
  const began = performance.now()
  const top = options.top ?? 10
  if (!(Number.isInteger(top) && top >= 1 && top <= 1000)) {
    throw new EarmarkError('invalid-input', `--top must be a whole number from 1 to 1000, not ${top}`)
  }
  const space = await searchSpace(db, options.base)
  const { vector, own } = await queryVector(db, space, query)
  const clipOf = contentClipFinder(db)
  const known = new Map<string, ReturnType<typeof clipOf>>()
  const lookup = (hash: string): ReturnType<typeof clipOf> => {
    if (!known.has(hash)) known.set(hash, clipOf(hash))
    return known.get(hash)
  }
  const regions = labeledRegionsByClip(db)
  const negatives = negativesByClip(db)
  const markOf = (clipId: number, w: { start: number; end: number }): string[] | undefined =>
    windowMark(w.start, w.end, regions.get(clipId) ?? [], negatives.get(clipId) ?? [])
  const keep = (w: { contentHash: string; start: number; end: number }): boolean => {
    if (own && w.contentHash === own.contentHash && w.start < own.end && w.end > own.start) return false
    const clip = lookup(w.contentHash)
    if (clip === undefined) return false
    return !(options.unlabeled && (clip.label !== null || markOf(clip.id, w) !== undefined))
  }
  const method = options.method ?? 'index'
  const found = candidates(db, space, vector, method, top, keep)
  const results: SearchResult[] = found.map((w) => {
    const clip = lookup(w.contentHash) as ContentClip
    const mark = markOf(clip.id, w)
    return {
      clipId: clip.id,
      path: clip.path,
      clipDuration: clip.duration,
      start: w.start,
      end: w.end,
      score: w.score,
      label: clip.label,
      spanLabel: mark !== undefined && mark.length > 0 ? mark.join(';') : null,
      negative: mark !== undefined && mark.length === 0,
    }
  })
  return { space: spaceInfo(getSpace(db, space.id)), results, method, seconds: (performance.now() - began) / 1000 }
}
