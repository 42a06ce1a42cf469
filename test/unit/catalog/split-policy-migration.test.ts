import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { migrate, migrations } from '../../../src/main/core/catalog/migrations'

describe('the split-policy migration', () => {
  it('reads the policy of runs recorded before from their split description', () => {
    const db = new Database(':memory:')
    const step = migrations.findIndex((m) => m.name === 'split-policy')
    expect(step).toBeGreaterThan(0)
    migrate(db, migrations.slice(0, step))
    const insert = db.prepare(
      `INSERT INTO runs (model, engine, state, params, feature_config, feature_hash, seed, labels, split_method, created_at)
       VALUES ('rf', 'js', 'done', '{}', '{}', 'h', 0, '[]', ?, '2026-01-01')`,
    )
    insert.run('the catalog split column')
    insert.run('a stratified draw of 20% to test (seed 3)')
    insert.run('the catalog split column for 4 clips; a stratified draw of 20% to test (seed 5) for the other 9')
    migrate(db)
    expect(db.prepare('SELECT split_policy FROM runs ORDER BY id').pluck().all()).toEqual([
      'column',
      'random',
      'random',
    ])
    expect(() => db.prepare("UPDATE runs SET split_policy = 'speaker' WHERE id = 1").run()).toThrow(
      /CHECK constraint failed/,
    )
  })
})
