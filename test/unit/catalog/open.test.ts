import Database from 'better-sqlite3'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { addClass, listClasses } from '../../../src/main/core/catalog/classes'
import { insertClip } from '../../../src/main/core/catalog/clips'
import { addClipLabel, clipLabelIds } from '../../../src/main/core/catalog/labels'
import { openCatalog } from '../../../src/main/core/catalog/open'
import { projectSummary } from '../../../src/main/core/catalog/project'
import { EarmarkError } from '../../../src/main/core/errors'
import { tempDir } from '../../helpers/temp'

const codeOf = (work: () => unknown): string | undefined => {
  try {
    work()
  } catch (error) {
    return error instanceof EarmarkError ? error.code : `not an EarmarkError: ${String(error)}`
  }
  return undefined
}

const clip = { contentHash: 'abc', duration: 1.5, sampleRate: 8000, channels: 1, size: 24044, codec: 'pcm_s16le' }

describe('openCatalog', () => {
  it('creates a project with WAL, foreign keys, a busy timeout and full sync', () => {
    const path = join(tempDir(), 'birds.earmark')
    const catalog = openCatalog(path, { create: true, now: () => new Date('2026-01-02T03:04:05Z') })
    const { db } = catalog
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1)
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000)
    expect(db.pragma('synchronous', { simple: true })).toBe(2)
    const summary = projectSummary(catalog)
    expect(summary).toMatchObject({ name: 'birds', createdAt: '2026-01-02T03:04:05.000Z', clipCount: 0, classes: [] })
    catalog.close()
  })

  it('keeps classes, clips and labels across close and reopen', () => {
    const path = join(tempDir(), 'keep.earmark')
    const first = openCatalog(path, { create: true, name: 'Keep me' })
    const dog = addClass(first.db, { name: 'dog' })
    const clipId = insertClip(first.db, { ...clip, path: '/data/a.wav', group: 'spk1', split: 'train' })
    addClipLabel(first.db, clipId, dog.id, 'tester')
    first.close()

    const second = openCatalog(path)
    const summary = projectSummary(second)
    expect(summary.name).toBe('Keep me')
    expect(summary.clipCount).toBe(1)
    expect(summary.labeledClipCount).toBe(1)
    expect(listClasses(second.db)).toEqual([{ ...dog, clipCount: 1 }])
    expect(clipLabelIds(second.db, clipId)).toEqual([dog.id])
    second.close()
  })

  it('refuses to create over an existing file', () => {
    const path = join(tempDir(), 'exists.earmark')
    writeFileSync(path, 'precious')
    expect(codeOf(() => openCatalog(path, { create: true }))).toBe('conflict')
  })

  it('says which files are not projects, and leaves them as they were', () => {
    const dir = tempDir()
    const text = join(dir, 'notes.earmark')
    writeFileSync(text, 'just some text, not a database')
    expect(codeOf(() => openCatalog(text))).toBe('not-a-project')

    const foreign = join(dir, 'other.sqlite')
    const db = new Database(foreign)
    db.exec('CREATE TABLE invoices (id INTEGER)')
    db.close()
    expect(codeOf(() => openCatalog(foreign))).toBe('not-a-project')
    const again = new Database(foreign)
    expect(again.pragma('user_version', { simple: true })).toBe(0)
    again.close()

    expect(codeOf(() => openCatalog(join(dir, 'absent.earmark')))).toBe('not-found')
  })

  it('reports a damaged file as corrupt', () => {
    const path = join(tempDir(), 'damaged.earmark')
    openCatalog(path, { create: true }).close()
    // A valid header followed by garbage pages.
    const garbage = Buffer.alloc(8192, 0xab)
    Buffer.from('SQLite format 3\u0000').copy(garbage)
    writeFileSync(path, garbage)
    expect(codeOf(() => openCatalog(path))).toBe('corrupt')
  })

  it('cascades clip deletion to its labels (foreign keys are on)', () => {
    const catalog = openCatalog(join(tempDir(), 'fk.earmark'), { create: true })
    const cls = addClass(catalog.db, { name: 'cat' })
    const clipId = insertClip(catalog.db, { ...clip, path: '/x.wav' })
    addClipLabel(catalog.db, clipId, cls.id, 'me')
    catalog.db.prepare('DELETE FROM clips WHERE id = ?').run(clipId)
    expect(catalog.db.prepare('SELECT COUNT(*) AS n FROM clip_labels').get()).toEqual({ n: 0 })
    catalog.close()
  })
})
