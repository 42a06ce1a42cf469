import type { Database } from 'better-sqlite3'
import { loadVectorExtension } from '../embeddings'

/**
 * Two changes to embedding spaces.
 *
 * A space may now hold a transfer run's frozen-base embeddings: one vector per clip of the run's
 * inputs (its feature set's image or sequence, standardised as the run standardises them), so a
 * later run on the same base and inputs reads them instead of running the base again. `pipeline`
 * says how those inputs were made (JSON); it is NULL for spaces of audio windows made by `embed`.
 * Such a space's vectors are the base's outputs as they are, not L2-normalised: the head trains on
 * exactly what the base gives.
 *
 * Search no longer reads sqlite-vec `vec0` tables (the kept index in memory answers faster, see
 * the search benchmark), so each space's `embedding_index_<id>` table is dropped rather than kept
 * in step with every write.
 */
export function migrateTo0013(db: Database): void {
  db.exec('ALTER TABLE embedding_spaces ADD COLUMN pipeline TEXT')
  const spaces = db.prepare('SELECT id FROM embedding_spaces').all() as { id: number }[]
  if (spaces.length === 0) return
  // Dropping a virtual table needs its module.
  loadVectorExtension(db)
  for (const { id } of spaces) db.exec(`DROP TABLE IF EXISTS embedding_index_${Math.trunc(id)}`)
}
