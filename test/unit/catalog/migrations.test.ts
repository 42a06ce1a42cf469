import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import {
  assertMonotonic,
  LATEST_SCHEMA_VERSION,
  migrate,
  migrations,
  schemaVersion,
  type Migration,
} from '../../../src/main/core/catalog/migrations'
import { loadVectorExtension } from '../../../src/main/core/catalog/embeddings'
import { EarmarkError } from '../../../src/main/core/errors'

const tables = (db: Database.Database) =>
  (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map(
    (r) => r.name,
  )

describe('migrations', () => {
  it('bring an empty database to the latest schema and record each step', () => {
    const db = new Database(':memory:')
    expect(schemaVersion(db)).toBe(0)
    expect(migrate(db)).toEqual(migrations.map((m) => m.version))
    expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION)
    expect(tables(db)).toEqual(
      expect.arrayContaining([
        'settings',
        'classes',
        'clips',
        'clip_labels',
        'region_labels',
        'jobs',
        'schema_version',
      ]),
    )
    const recorded = db.prepare('SELECT version, name FROM schema_version ORDER BY version').all()
    expect(recorded).toEqual(migrations.map((m) => ({ version: m.version, name: m.name })))
  })

  it('drop the vec0 tables of spaces made before the kept index, keeping their vectors', () => {
    const db = new Database(':memory:')
    migrate(db, migrations.slice(0, 12))
    db.prepare(
      `INSERT INTO embedding_spaces (id, base_hash, base_kind, base_path, sample_rate, window, hop, dims, created_at)
       VALUES (7, 'h', 'onnx', '/m.onnx', 16000, 1, 0.5, 2, '2026-01-01T00:00:00Z')`,
    ).run()
    db.prepare('INSERT INTO embeddings (space_id, content_hash, start, "end", vector) VALUES (7, ?, 0, 1, ?)').run(
      'c',
      Buffer.from(new Float32Array([0.6, 0.8]).buffer),
    )
    loadVectorExtension(db)
    db.exec('CREATE VIRTUAL TABLE embedding_index_7 USING vec0(vector float[2] distance_metric=cosine)')
    expect(migrate(db)).toEqual(migrations.slice(12).map((m) => m.version))
    expect(tables(db).filter((t) => t.startsWith('embedding_index'))).toEqual([])
    expect(db.prepare('SELECT COUNT(*) FROM embeddings').pluck().get()).toBe(1)
    expect(db.prepare('SELECT pipeline FROM embedding_spaces').pluck().get()).toBeNull()
  })

  it('do nothing on an up-to-date database', () => {
    const db = new Database(':memory:')
    migrate(db)
    expect(migrate(db)).toEqual([])
    expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION)
  })

  it('refuse a database written by a newer Earmark, and leave it untouched', () => {
    const db = new Database(':memory:')
    migrate(db)
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`)
    let caught: unknown
    try {
      migrate(db)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(EarmarkError)
    expect((caught as EarmarkError).code).toBe('schema-too-new')
    expect((caught as EarmarkError).message).toMatch(/newer Earmark/)
    expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION + 1)
  })

  it('roll back every step when one fails, so no half-migrated schema remains', () => {
    const db = new Database(':memory:')
    const failing: Migration[] = [
      ...migrations,
      {
        version: migrations.length + 1,
        name: 'broken',
        up: (d) => {
          d.exec('CREATE TABLE half_done (x INTEGER)')
          throw new Error('disk on fire')
        },
      },
    ]
    expect(() => migrate(db, failing)).toThrow('disk on fire')
    expect(schemaVersion(db)).toBe(0)
    expect(tables(db)).toEqual([])
  })

  it('insist that versions rise by one', () => {
    const noop = () => undefined
    expect(() =>
      assertMonotonic([
        { version: 1, name: 'a', up: noop },
        { version: 3, name: 'b', up: noop },
      ]),
    ).toThrow(/expected 2/)
  })
})
