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
