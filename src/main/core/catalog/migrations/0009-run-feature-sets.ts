import type { Database } from 'better-sqlite3'

/**
 * A run keeps the feature set it trained from (name, parameters' hash, pipeline, configuration and
 * how the model reads it, as JSON), so that evaluation, the map, active learning and `predict`
 * repeat exactly its preprocessing. Runs recorded before have none (NULL): their feature
 * configuration reads as a set with an empty pipeline.
 */
export function migrateTo0009(db: Database): void {
  db.exec(`ALTER TABLE runs ADD COLUMN feature_set TEXT`)
}
