import type { Database } from 'better-sqlite3'
import { EarmarkError, notFound } from '../errors'

/** A feature set as stored: pipeline and configuration as complete JSON, with their hash. */
export interface FeatureSetRow {
  id: number
  name: string
  /** JSON of the resolved pipeline. */
  pipeline: string
  /** JSON of the resolved feature configuration. */
  config: string
  paramsHash: string
  createdAt: string
  updatedAt: string
}

const SELECT = `SELECT id, name, pipeline, config, params_hash AS paramsHash, created_at AS createdAt,
                       updated_at AS updatedAt FROM feature_sets`

/** Every feature set, by name. */
export function listFeatureSetRows(db: Database): FeatureSetRow[] {
  return db.prepare(`${SELECT} ORDER BY name, id`).all() as FeatureSetRow[]
}

/** One feature set by id. */
export function getFeatureSetRow(db: Database, id: number): FeatureSetRow {
  const row = db.prepare(`${SELECT} WHERE id = ?`).get(id) as FeatureSetRow | undefined
  if (!row) throw notFound(`Feature set ${id}`)
  return row
}

/** One feature set by name (case-insensitive), or undefined. */
export function findFeatureSetRow(db: Database, name: string): FeatureSetRow | undefined {
  return db.prepare(`${SELECT} WHERE name = ?`).get(name) as FeatureSetRow | undefined
}

/** What a new or changed feature set stores. */
export interface FeatureSetFields {
  name: string
  pipeline: string
  config: string
  paramsHash: string
}

/** Adds a feature set; a taken name is a conflict. */
export function insertFeatureSetRow(db: Database, fields: FeatureSetFields, now = new Date()): FeatureSetRow {
  assertNameFree(db, fields.name)
  const at = now.toISOString()
  const info = db
    .prepare(
      `INSERT INTO feature_sets (name, pipeline, config, params_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
    )
    .run(fields.name, fields.pipeline, fields.config, fields.paramsHash, at, at)
  return getFeatureSetRow(db, Number(info.lastInsertRowid))
}

/** Replaces a feature set's fields. */
export function updateFeatureSetRow(
  db: Database,
  id: number,
  fields: FeatureSetFields,
  now = new Date(),
): FeatureSetRow {
  getFeatureSetRow(db, id)
  assertNameFree(db, fields.name, id)
  db.prepare(
    `UPDATE feature_sets SET name = ?, pipeline = ?, config = ?, params_hash = ?, updated_at = ? WHERE id = ?`,
  ).run(fields.name, fields.pipeline, fields.config, fields.paramsHash, now.toISOString(), id)
  return getFeatureSetRow(db, id)
}

/** Deletes a feature set (its cached features stay: another set with the same parameters shares them). */
export function deleteFeatureSetRow(db: Database, id: number): void {
  if (db.prepare('DELETE FROM feature_sets WHERE id = ?').run(id).changes === 0) throw notFound(`Feature set ${id}`)
}

function assertNameFree(db: Database, name: string, except?: number): void {
  const other = findFeatureSetRow(db, name)
  if (other && other.id !== except)
    throw new EarmarkError('conflict', `A feature set named ${other.name} already exists.`)
}

/** A clip as feature computation needs it: where its file is, its content, labels and split. */
export interface FeatureClip {
  id: number
  path: string
  contentHash: string
  /** Class names, sorted, joined by `;` (empty when unlabelled). */
  label: string
  split: string | null
}

const SELECT_CLIPS = `
  SELECT c.id, c.path, c.content_hash AS contentHash, c.split,
         COALESCE((SELECT group_concat(name, ';') FROM (
           SELECT k.name FROM clip_labels l JOIN classes k ON k.id = l.class_id WHERE l.clip_id = c.id ORDER BY k.name
         )), '') AS label
  FROM clips c`

/** Every clip whose file is present, by path. */
export function featureClips(db: Database): FeatureClip[] {
  return db.prepare(`${SELECT_CLIPS} WHERE c.missing = 0 ORDER BY c.path`).all() as FeatureClip[]
}

/** These clips, in the order asked; an unknown id is not-found. */
export function featureClipsById(db: Database, ids: readonly number[]): FeatureClip[] {
  const one = db.prepare(`${SELECT_CLIPS} WHERE c.id = ?`)
  return ids.map((id) => {
    const row = one.get(id) as FeatureClip | undefined
    if (!row) throw notFound(`Clip ${id}`)
    return row
  })
}

/**
 * What the project's default feature sets are made from, over every present, readable clip: the
 * most common sample rate (the highest on a tie; undefined without clips) and the durations in
 * seconds, shortest first.
 */
export function clipRateAndDurations(db: Database): { commonRate: number | undefined; durations: number[] } {
  const commonRate = db
    .prepare(
      `SELECT sample_rate FROM clips WHERE missing = 0 AND bad_audio = 0
       GROUP BY sample_rate ORDER BY COUNT(*) DESC, sample_rate DESC LIMIT 1`,
    )
    .pluck()
    .get() as number | undefined
  const durations = db
    .prepare('SELECT duration FROM clips WHERE missing = 0 AND bad_audio = 0 ORDER BY duration')
    .pluck()
    .all() as number[]
  return { commonRate, durations }
}

/** A clip as the map shows it: its file and its class names now (joined by ' + '; null without). */
export interface MapClip {
  id: number
  path: string
  /** Its audio's content hash (stored embeddings are keyed by it). */
  contentHash: string
  label: string | null
}

/** Every clip whose audio can be read, with its class names now, in clip order. */
export function mapClips(db: Database): MapClip[] {
  return db
    .prepare(
      `SELECT c.id, c.path, c.content_hash AS contentHash,
              (SELECT GROUP_CONCAT(name, ' + ') FROM
                 (SELECT k.name FROM clip_labels l JOIN classes k ON k.id = l.class_id
                  WHERE l.clip_id = c.id ORDER BY k.position)) AS label
       FROM clips c WHERE c.missing = 0 AND c.bad_audio = 0 ORDER BY c.id`,
    )
    .all() as MapClip[]
}

/** A clip's duration in seconds, as imported. */
export function clipDuration(db: Database, clipId: number): number {
  const duration = db.prepare('SELECT duration FROM clips WHERE id = ?').pluck().get(clipId) as number | undefined
  if (duration === undefined) throw notFound(`Clip ${clipId}`)
  return duration
}
