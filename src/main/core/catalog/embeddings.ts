// The project's stored embeddings: spaces (a base and its window settings, or a transfer run's
// input pipeline), their vectors by content hash and window; and the clips as embedding, search
// and heads read them. Search indexes a space in memory (embeddings/kept-index.ts), not here.
import type { Database } from 'better-sqlite3'
import * as sqliteVec from 'sqlite-vec'
import { EarmarkError } from '../errors'

/** What a space's vectors came from and how its windows were cut. */
export interface SpaceKey {
  /** Hash of the base's files (see bases.ts): the same model anywhere is the same base. */
  baseHash: string
  sampleRate: number
  window: number
  hop: number
  /**
   * How a transfer run made the inputs its frozen base embedded (JSON, see
   * embeddings/transfer-cache.ts), or null for windows of audio embedded by `embed`.
   */
  pipeline?: string | null
}

/** A space as stored. */
export interface EmbeddingSpace extends SpaceKey {
  id: number
  baseKind: string
  basePath: string
  dims: number
  createdAt: string
  /** Vectors stored in it. */
  count: number
  pipeline: string | null
}

/** One window's vector: L2-normalised in spaces of audio windows, as the base gave it in a transfer run's space. */
export interface StoredWindow {
  contentHash: string
  start: number
  end: number
  vector: Float32Array
}

const loaded = new WeakSet<Database>()

/**
 * Loads sqlite-vec into this connection (once). Spaces no longer keep a vec0 table; the extension
 * is needed to drop the ones earlier projects have (migration 0013), and by the search benchmark,
 * which measures vec0 against the kept index.
 */
export function loadVectorExtension(db: Database): void {
  if (loaded.has(db)) return
  try {
    sqliteVec.load(db)
  } catch (error) {
    throw new EarmarkError(
      'internal',
      `the sqlite-vec extension did not load (${error instanceof Error ? error.message : String(error)}): reinstall Earmark's dependencies`,
    )
  }
  loaded.add(db)
}

interface SpaceRow {
  id: number
  base_hash: string
  base_kind: string
  base_path: string
  sample_rate: number
  window: number
  hop: number
  dims: number
  created_at: string
  count: number
  pipeline: string | null
}

const SPACE_COLUMNS = `s.id, s.base_hash, s.base_kind, s.base_path, s.sample_rate, s.window, s.hop, s.dims, s.created_at, s.pipeline,
  (SELECT COUNT(*) FROM embeddings e WHERE e.space_id = s.id) AS count`

function spaceOf(row: SpaceRow): EmbeddingSpace {
  return {
    id: row.id,
    baseHash: row.base_hash,
    baseKind: row.base_kind,
    basePath: row.base_path,
    sampleRate: row.sample_rate,
    window: row.window,
    hop: row.hop,
    dims: row.dims,
    createdAt: row.created_at,
    count: row.count,
    pipeline: row.pipeline,
  }
}

/**
 * Every space of audio windows, newest first: what search, heads and the map read. A transfer
 * run's spaces are left out: their vectors are of standardised feature images, which a query
 * from audio is not embedded as.
 */
export function listSpaces(db: Database): EmbeddingSpace[] {
  return (
    db
      .prepare(`SELECT ${SPACE_COLUMNS} FROM embedding_spaces s WHERE s.pipeline IS NULL ORDER BY s.id DESC`)
      .all() as SpaceRow[]
  ).map(spaceOf)
}

/** The space of exactly this base, window setting and pipeline, if there is one. */
export function findSpace(db: Database, key: SpaceKey): EmbeddingSpace | null {
  const row = db
    .prepare(
      `SELECT ${SPACE_COLUMNS} FROM embedding_spaces s
       WHERE s.base_hash = ? AND s.sample_rate = ? AND s.window = ? AND s.hop = ? AND s.pipeline IS ?`,
    )
    .get(key.baseHash, key.sampleRate, key.window, key.hop, key.pipeline ?? null) as SpaceRow | undefined
  return row ? spaceOf(row) : null
}

/** A space by id. */
export function getSpace(db: Database, id: number): EmbeddingSpace {
  const row = db.prepare(`SELECT ${SPACE_COLUMNS} FROM embedding_spaces s WHERE s.id = ?`).get(id) as
    SpaceRow | undefined
  if (!row) throw new EarmarkError('not-found', `embedding space ${id} not found`)
  return spaceOf(row)
}

/** Creates a space (inside the caller's transaction, so it exists only with its vectors). */
export function createSpace(
  db: Database,
  key: SpaceKey,
  base: { kind: string; path: string },
  dims: number,
  now: Date,
): EmbeddingSpace {
  if (!(Number.isInteger(dims) && dims > 0)) throw new EarmarkError('internal', `an embedding has ${dims} values`)
  const { lastInsertRowid } = db
    .prepare(
      `INSERT INTO embedding_spaces (base_hash, base_kind, base_path, sample_rate, window, hop, dims, created_at, pipeline)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      key.baseHash,
      base.kind,
      base.path,
      key.sampleRate,
      key.window,
      key.hop,
      dims,
      now.toISOString(),
      key.pipeline ?? null,
    )
  return getSpace(db, Number(lastInsertRowid))
}

/** The content hashes a space already has vectors for. */
export function embeddedContent(db: Database, spaceId: number): Set<string> {
  const rows = db.prepare('SELECT DISTINCT content_hash FROM embeddings WHERE space_id = ?').pluck().all(spaceId)
  return new Set(rows as string[])
}

const blobOf = (v: Float32Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength)

/** A stored blob as a vector (copied: a Buffer's memory may be pooled). */
export function vectorOf(blob: Buffer): Float32Array {
  const out = new Float32Array(blob.byteLength / 4)
  new Uint8Array(out.buffer).set(blob)
  return out
}

/** Stores windows' vectors in a space; call inside a transaction. */
export function insertWindows(db: Database, space: Pick<EmbeddingSpace, 'id' | 'dims'>, windows: StoredWindow[]): void {
  const insert = db.prepare(
    'INSERT INTO embeddings (space_id, content_hash, start, "end", vector) VALUES (?, ?, ?, ?, ?)',
  )
  for (const w of windows) {
    if (w.vector.length !== space.dims) {
      throw new EarmarkError('internal', `a vector of ${w.vector.length} values for a space of ${space.dims}`)
    }
    insert.run(space.id, w.contentHash, w.start, w.end, blobOf(w.vector))
  }
}

/** A stored window with its row id. */
export interface WindowRow extends StoredWindow {
  id: number
}

interface WindowDbRow {
  id: number
  content_hash: string
  start: number
  end: number
  vector: Buffer
}

const windowOf = (r: WindowDbRow): WindowRow => ({
  id: r.id,
  contentHash: r.content_hash,
  start: r.start,
  end: r.end,
  vector: vectorOf(r.vector),
})

/** The stored windows of one recording's content, in time order. */
export function windowsOfContent(db: Database, spaceId: number, contentHash: string): WindowRow[] {
  return (
    db
      .prepare(
        'SELECT id, content_hash, start, "end", vector FROM embeddings WHERE space_id = ? AND content_hash = ? ORDER BY start',
      )
      .all(spaceId, contentHash) as WindowDbRow[]
  ).map(windowOf)
}

/** Every vector of a space, row-major [count × dims], with each row's id, content and span. */
export interface SpaceMatrix {
  dims: number
  ids: Int32Array | number[]
  contentHashes: string[]
  starts: Float64Array
  ends: Float64Array
  x: Float32Array
}

/** Reads every vector of a space into one matrix (exact search, heads). */
export function spaceMatrix(db: Database, space: Pick<EmbeddingSpace, 'id' | 'dims'>): SpaceMatrix {
  const rows = db
    .prepare('SELECT id, content_hash, start, "end", vector FROM embeddings WHERE space_id = ? ORDER BY id')
    .raw()
    .all(space.id) as [number, string, number, number, Buffer][]
  const n = rows.length
  const x = new Float32Array(n * space.dims)
  const ids: number[] = new Array<number>(n)
  const contentHashes: string[] = new Array<string>(n)
  const starts = new Float64Array(n)
  const ends = new Float64Array(n)
  rows.forEach(([id, hash, start, end, blob], i) => {
    ids[i] = id
    contentHashes[i] = hash
    starts[i] = start
    ends[i] = end
    new Uint8Array(x.buffer, i * space.dims * 4, space.dims * 4).set(blob)
  })
  return { dims: space.dims, ids, contentHashes, starts, ends, x }
}

/** A space's vectors one at a time, by id (to build its kept index without holding every float). */
export function* embeddingRows(
  db: Database,
  space: Pick<EmbeddingSpace, 'id'>,
): Generator<{ id: number; vector: Float32Array }> {
  const rows = db
    .prepare('SELECT id, vector FROM embeddings WHERE space_id = ? ORDER BY id')
    .raw()
    .iterate(space.id) as IterableIterator<[number, Buffer]>
  for (const [id, blob] of rows) yield { id, vector: vectorOf(blob) }
}

/** About `wanted` of a space's vectors, spread evenly over its rows. */
export function sampleVectors(
  db: Database,
  space: Pick<EmbeddingSpace, 'id' | 'count'>,
  wanted: number,
): Float32Array[] {
  const every = Math.max(1, Math.floor(space.count / wanted))
  return (
    db
      .prepare(
        `SELECT vector FROM (SELECT vector, row_number() OVER (ORDER BY id) AS n FROM embeddings WHERE space_id = ?)
         WHERE n % ? = 0 LIMIT ?`,
      )
      .pluck()
      .all(space.id, every, wanted) as Buffer[]
  ).map(vectorOf)
}

/** Stored vectors by row id (one statement for all: a thousand separate look-ups cost several times more). */
export function vectorsById(db: Database, ids: readonly number[]): Map<number, Float32Array> {
  const rows = db
    .prepare('SELECT id, vector FROM embeddings WHERE id IN (SELECT value FROM json_each(?))')
    .raw()
    .all(JSON.stringify(ids)) as [number, Buffer][]
  return new Map(rows.map(([id, blob]) => [id, vectorOf(blob)]))
}

/** Stored windows by row id. */
export function windowsById(db: Database, ids: readonly number[]): Map<number, Omit<WindowRow, 'vector'>> {
  const out = new Map<number, Omit<WindowRow, 'vector'>>()
  const get = db.prepare('SELECT id, content_hash, start, "end" FROM embeddings WHERE id = ?')
  for (const id of ids) {
    const r = get.get(id) as Omit<WindowDbRow, 'vector'> | undefined
    if (r) out.set(r.id, { id: r.id, contentHash: r.content_hash, start: r.start, end: r.end })
  }
  return out
}

/** The content hash of each of these clips that exists, by id. */
export function clipContentHashes(db: Database, clipIds: readonly number[]): Map<number, string> {
  const rows = db
    .prepare('SELECT id, content_hash FROM clips WHERE id IN (SELECT value FROM json_each(?))')
    .raw()
    .all(JSON.stringify(clipIds)) as [number, string][]
  return new Map(rows)
}

/** A clip as the embed job reads it. */
export interface EmbedClip {
  id: number
  path: string
  contentHash: string
  duration: number
}

/** The project's present clips, by id. */
export function presentEmbedClips(db: Database): EmbedClip[] {
  return db
    .prepare('SELECT id, path, content_hash AS contentHash, duration FROM clips WHERE missing = 0 ORDER BY id')
    .all() as EmbedClip[]
}

/** One clip's file, content and duration, if it exists. */
export function embedClip(db: Database, id: number): EmbedClip | undefined {
  return db.prepare('SELECT id, path, content_hash AS contentHash, duration FROM clips WHERE id = ?').get(id) as
    EmbedClip | undefined
}

/** Vectors a space holds for these contents. */
export function countForContents(db: Database, spaceId: number, hashes: readonly string[]): number {
  const count = db.prepare('SELECT COUNT(*) FROM embeddings WHERE space_id = ? AND content_hash = ?').pluck()
  return hashes.reduce((n, h) => n + (count.get(spaceId, h) as number), 0)
}

/** A present clip of some content (the first by id) with its classes joined by `;` (null: unlabeled). */
export interface ContentClip {
  id: number
  path: string
  duration: number
  label: string | null
}

/** Looks up the present clip of a content, as search results name it. */
export function contentClipFinder(db: Database): (hash: string) => ContentClip | undefined {
  const one = db.prepare(`
    SELECT c.id, c.path, c.duration,
      (SELECT group_concat(name, ';') FROM (
        SELECT k.name FROM clip_labels l JOIN classes k ON k.id = l.class_id WHERE l.clip_id = c.id ORDER BY k.name
      )) AS label
    FROM clips c WHERE c.content_hash = ? AND c.missing = 0 ORDER BY c.id LIMIT 1`)
  return (hash) => one.get(hash) as ContentClip | undefined
}

/** A clip as a head reads it: its content, classes (empty: unlabeled) and split. */
export interface HeadClip {
  id: number
  path: string
  duration: number
  contentHash: string
  labels: string[]
  split: string | null
}

/** The project's present clips with their classes and split. */
export function headClips(db: Database): HeadClip[] {
  const rows = db
    .prepare(
      `SELECT c.id, c.path, c.duration, c.content_hash AS contentHash, c.split,
         (SELECT group_concat(name, char(31)) FROM (
           SELECT k.name FROM clip_labels l JOIN classes k ON k.id = l.class_id WHERE l.clip_id = c.id ORDER BY k.name
         )) AS labels
       FROM clips c WHERE c.missing = 0 ORDER BY c.id`,
    )
    .all() as {
    id: number
    path: string
    duration: number
    contentHash: string
    split: string | null
    labels: string | null
  }[]
  return rows.map((r) => ({ ...r, labels: r.labels === null ? [] : r.labels.split('\u001f') }))
}

/** A span of a clip, seconds. */
export interface ClipSpan {
  start: number
  end: number
}

/** Labeled regions of each clip, with their class names. */
export function labeledRegionsByClip(db: Database): Map<number, (ClipSpan & { label: string })[]> {
  const rows = db
    .prepare(
      `SELECT r.clip_id AS clipId, r.start, r."end" AS "end", k.name AS label
       FROM region_labels r JOIN classes k ON k.id = r.class_id ORDER BY r.clip_id, r.start`,
    )
    .all() as (ClipSpan & { clipId: number; label: string })[]
  const out = new Map<number, (ClipSpan & { label: string })[]>()
  for (const { clipId, ...span } of rows) out.set(clipId, [...(out.get(clipId) ?? []), span])
  return out
}

/** Windows marked as none of the classes, by clip. */
export function negativesByClip(db: Database): Map<number, ClipSpan[]> {
  const rows = db
    .prepare('SELECT clip_id AS clipId, start, "end" AS "end" FROM embedding_negatives ORDER BY clip_id, start')
    .all() as (ClipSpan & { clipId: number })[]
  const out = new Map<number, ClipSpan[]>()
  for (const { clipId, ...span } of rows) out.set(clipId, [...(out.get(clipId) ?? []), span])
  return out
}

/** Marks (or unmarks) a window of a clip as none of the classes. */
export function setNegative(db: Database, clipId: number, span: ClipSpan, negative: boolean, now: Date): void {
  if (negative) {
    db.prepare(
      'INSERT INTO embedding_negatives (clip_id, start, "end", created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
    ).run(clipId, span.start, span.end, now.toISOString())
  } else {
    db.prepare('DELETE FROM embedding_negatives WHERE clip_id = ? AND start = ? AND "end" = ?').run(
      clipId,
      span.start,
      span.end,
    )
  }
}
