import { createHash } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { listClasses } from '../../../src/main/core/catalog/classes'
import { openCatalog, type Catalog } from '../../../src/main/core/catalog/open'
import type { Inspection } from '../../../src/main/core/import/inspect'
import { planImport } from '../../../src/main/core/import/plan'
import { rescanClips } from '../../../src/main/core/import/rescan'
import { runImport, type ImportOptions } from '../../../src/main/core/import/run-import'
import { JobCancelledError, type JobContext } from '../../../src/main/core/jobs/runner'
import { tempDir } from '../../helpers/temp'

// These tests are about the import's bookkeeping; the real decoder is exercised in test/integration.
const fakeInspect = async (path: string): Promise<Inspection> => {
  const bytes = readFileSync(path)
  if (bytes.toString().startsWith('BAD')) throw new Error('not audio: looks like text')
  return {
    size: bytes.length,
    hash: createHash('sha256').update(bytes).digest('hex'),
    codec: 'pcm_s16le',
    sampleRate: 8000,
    channels: 1,
    duration: bytes.length / 16000,
    warnings: [],
  }
}

function context(signal = new AbortController().signal) {
  const logs: string[] = []
  const ctx: JobContext = {
    jobId: 1,
    signal,
    progress: () => undefined,
    log: (_level, message) => logs.push(message),
    metrics: () => undefined,
    engine: () => undefined,
  }
  return { ctx, logs }
}

let catalog: Catalog | undefined
afterEach(() => catalog?.close())

function setup(files: Record<string, string>) {
  const dir = tempDir()
  const source = join(dir, 'audio')
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(source, name, '..'), { recursive: true })
    writeFileSync(join(source, name), content)
  }
  catalog = openCatalog(join(dir, 'p.earmark'), { create: true })
  const options: ImportOptions = { inspect: fakeInspect, author: 'tester', concurrency: 4 }
  const count = (sql: string) => (catalog!.db.prepare(sql).pluck().get() as number) ?? 0
  return { dir, source, catalog, options, count }
}

describe('runImport', () => {
  it('gives clips ids in plan order however the inspections finish, so a folder always imports the same', async () => {
    const names = Array.from({ length: 40 }, (_, i) => `c/${String(i).padStart(2, '0')}.wav`)
    const { source, catalog, options } = setup(Object.fromEntries(names.map((n, i) => [n, `clip ${i}`])))
    // Later files finish first: each waits less than the one before it.
    const slowFirst = async (path: string) => {
      const i = Number(/(\d+)\.wav$/.exec(path)?.[1])
      await new Promise((resolve) => setTimeout(resolve, (40 - i) * 2))
      return fakeInspect(path)
    }
    const plan = await planImport(source, { kind: 'folder' })
    await runImport(catalog, plan, { ...options, inspect: slowFirst, concurrency: 8 }, context().ctx)
    const paths = catalog.db.prepare('SELECT path FROM clips ORDER BY id').pluck().all() as string[]
    expect(paths).toEqual(plan.rows.map((r) => r.path))
  })

  it('adds clips with their labels, creating classes, and reports bad files by path and reason', async () => {
    const { source, catalog, options, count } = setup({
      'dog/a.wav': 'aaaa',
      'dog/b.wav': 'bbbb',
      'cat/c.wav': 'cccc',
      'cat/broken.wav': 'BAD text',
    })
    const summary = await runImport(catalog, await planImport(source, { kind: 'folder' }), options, context().ctx)
    expect(summary).toMatchObject({ added: 3, duplicates: 0, relocated: 0, classes: ['cat', 'dog'] })
    expect(summary.failed).toEqual([{ path: join(source, 'cat', 'broken.wav'), reason: 'not audio: looks like text' }])
    expect(listClasses(catalog.db).map((c) => [c.name, c.clipCount])).toEqual([
      ['cat', 1],
      ['dog', 2],
    ])
    expect(count("SELECT COUNT(*) FROM clip_labels WHERE author = 'tester'")).toBe(3)
  })

  it('imports a manifest row with an empty label as an unlabeled clip that keeps its group, split and fold', async () => {
    const { dir, source, catalog, options, count } = setup({ 'long/a.wav': 'aaaa', 'long/b.wav': 'bbbb' })
    const manifest = join(dir, 'recordings.csv')
    writeFileSync(
      manifest,
      [
        'path,label,group,split,fold',
        `${join(source, 'long', 'a.wav')},,site 1,test,3`,
        'audio/long/b.wav,dog,site 2,train,1',
      ].join('\n'),
    )
    const plan = await planImport(manifest, { kind: 'csv' })
    expect(plan.problems).toEqual([])
    const summary = await runImport(catalog, plan, options, context().ctx)
    expect(summary).toMatchObject({ added: 2, classes: ['dog'] })
    const clips = catalog.db.prepare('SELECT path, group_name, split, fold FROM clips ORDER BY path').all() as {
      path: string
      group_name: string
      split: string
      fold: number
    }[]
    expect(clips).toEqual([
      { path: join(source, 'long', 'a.wav'), group_name: 'site 1', split: 'test', fold: 3 },
      { path: join(source, 'long', 'b.wav'), group_name: 'site 2', split: 'train', fold: 1 },
    ])
    const labelled = (name: string) =>
      count(`SELECT COUNT(*) FROM clip_labels l JOIN clips c ON c.id = l.clip_id WHERE c.path LIKE '%${name}'`)
    expect(labelled('a.wav')).toBe(0)
    expect(labelled('b.wav')).toBe(1)
  })

  it('adds nothing twice: same path, or same content under another name', async () => {
    const { source, catalog, options, count } = setup({ 'dog/a.wav': 'same', 'dog/copy of a.wav': 'same' })
    const plan = await planImport(source, { kind: 'folder' })
    const first = await runImport(catalog, plan, options, context().ctx)
    expect(first).toMatchObject({ added: 1, duplicates: 1 })
    const second = await runImport(catalog, plan, options, context().ctx)
    expect(second).toMatchObject({ added: 0, duplicates: 2 })
    expect(count('SELECT COUNT(*) FROM clips')).toBe(1)
  })

  it('finds a moved file again by its content, keeping its labels', async () => {
    const { source, catalog, options, count } = setup({ 'dog/a.wav': 'moving' })
    await runImport(catalog, await planImport(source, { kind: 'folder' }), options, context().ctx)
    mkdirSync(join(source, 'elsewhere'))
    renameSync(join(source, 'dog', 'a.wav'), join(source, 'elsewhere', 'a.wav'))
    expect(rescanClips(catalog.db)).toEqual({ checked: 1, missing: 1, restored: 0 })
    expect(count('SELECT missing FROM clips')).toBe(1)
    const again = await runImport(catalog, await planImport(source, { kind: 'folder' }), options, context().ctx)
    expect(again).toMatchObject({ added: 0, relocated: 1 })
    expect(catalog.db.prepare('SELECT path, missing FROM clips').get()).toEqual({
      path: join(source, 'elsewhere', 'a.wav'),
      missing: 0,
    })
    expect(count('SELECT COUNT(*) FROM clip_labels')).toBe(1)
  })

  it('stops when cancelled, keeps what it wrote consistent, and a re-run completes the rest', async () => {
    const files = Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [`k/${String(i).padStart(2, '0')}.wav`, `clip ${i}`]),
    )
    const { source, catalog, options, count } = setup(files)
    const plan = await planImport(source, { kind: 'folder' })
    const controller = new AbortController()
    let seen = 0
    const slowInspect: ImportOptions['inspect'] = async (path) => {
      if (++seen === 10) controller.abort()
      return fakeInspect(path)
    }
    const cancelled = await runImport(
      catalog,
      plan,
      { ...options, inspect: slowInspect },
      context(controller.signal).ctx,
    ).catch((error: unknown) => error)
    expect(cancelled).toBeInstanceOf(JobCancelledError)
    const partial = (cancelled as JobCancelledError).partialResult as { added: number }
    expect(partial.added).toBeGreaterThan(0)
    expect(partial.added).toBeLessThan(40)
    expect(count('SELECT COUNT(*) FROM clips')).toBe(partial.added)
    expect(catalog.db.pragma('integrity_check', { simple: true })).toBe('ok')

    const rest = await runImport(catalog, plan, options, context().ctx)
    expect(rest.added).toBe(40 - partial.added)
    expect(rest.duplicates).toBe(partial.added)
    expect(count('SELECT COUNT(*) FROM clips')).toBe(40)
  })

  it('copies files into the project folder when asked, without stray copies on re-import', async () => {
    const { dir, source, catalog, options } = setup({ 'dog/a.wav': 'one', 'cat/a.wav': 'two' })
    const copyInto = join(dir, 'p audio')
    const plan = await planImport(source, { kind: 'folder' })
    expect(await runImport(catalog, plan, { ...options, copyInto }, context().ctx)).toMatchObject({ added: 2 })
    const paths = catalog.db.prepare('SELECT path FROM clips ORDER BY path').pluck().all()
    expect(paths).toEqual([join(copyInto, 'cat', 'a.wav'), join(copyInto, 'dog', 'a.wav')])
    expect(await runImport(catalog, plan, { ...options, copyInto }, context().ctx)).toMatchObject({
      added: 0,
      duplicates: 2,
    })
    expect(readdirSync(join(copyInto, 'dog'))).toEqual(['a.wav'])
    expect(readdirSync(join(copyInto, 'cat'))).toEqual(['a.wav'])
    expect(catalog.db.prepare('SELECT COUNT(*) FROM clips').pluck().get()).toBe(2)
  })
})
