/**
 * sqlite-vec's vec0 over a space's stored vectors, for the search benchmark only: the studio
 * searches through the kept index (src/main/core/embeddings/kept-index.ts), which this measures
 * against. A vec0 table (0.1) is a brute-force scan of the float vectors in C.
 */
import type { Database } from 'better-sqlite3'
import { loadVectorExtension } from '../src/main/core/catalog/embeddings'

const blobOf = (v: Float32Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength)

/** A vec0 table holding a space's vectors under their row ids; returns its name. */
export function vec0Table(db: Database, space: { id: number; dims: number }): string {
  loadVectorExtension(db)
  const table = `bench_vec0_${Math.trunc(space.id)}`
  db.exec(`CREATE VIRTUAL TABLE ${table} USING vec0(vector float[${Math.trunc(space.dims)}] distance_metric=cosine)`)
  const insert = db.prepare(`INSERT INTO ${table} (rowid, vector) VALUES (?, ?)`)
  const rows = db
    .prepare('SELECT id, vector FROM embeddings WHERE space_id = ? ORDER BY id')
    .raw()
    .iterate(space.id) as IterableIterator<[number, Buffer]>
  db.transaction(() => {
    for (const [id, blob] of rows) insert.run(BigInt(id), blob)
  })()
  return table
}

/** The k nearest rows of a vec0 table: row ids and cosine distances, nearest first. */
export function vec0Nearest(
  db: Database,
  table: string,
  query: Float32Array,
  k: number,
): { id: number; distance: number }[] {
  const rows = db
    .prepare(`SELECT rowid AS id, distance FROM ${table} WHERE vector MATCH ? AND k = ? ORDER BY distance`)
    .all(blobOf(query), Math.max(1, Math.min(4096, Math.trunc(k)))) as { id: number | bigint; distance: number }[]
  return rows.map((r) => ({ id: Number(r.id), distance: r.distance }))
}
