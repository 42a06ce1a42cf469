import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { ImportPreview, ImportSummary, JobInfo } from '../../../src/shared/domain'
import { testService } from '../../helpers/service'
import { encodeWav } from '../../helpers/wav-writer'

let close: (() => Promise<void>) | undefined
afterEach(async () => close?.())

/** Six short tones by two speakers, and a manifest writer for them. */
function setup() {
  const t = testService()
  close = () => t.service.close()
  const audio = join(t.dir, 'audio')
  mkdirSync(audio)
  const files = Array.from({ length: 6 }, (_, i) => {
    const path = join(audio, `tone${i}.wav`)
    const f = 300 + 150 * i
    writeFileSync(
      path,
      encodeWav([Float32Array.from({ length: 1600 }, (_, n) => 0.4 * Math.sin((2 * Math.PI * f * n) / 8000))], 8000),
    )
    return { path, label: i % 2 ? 'high' : 'low', speaker: i < 3 ? 'ann' : 'bob' }
  })
  const manifest = (extra: (i: number) => string, header = 'path,label,group,split') => {
    const path = join(t.dir, 'manifest.csv')
    writeFileSync(path, [header, ...files.map((f, i) => `${f.path},${f.label},${f.speaker},${extra(i)}`)].join('\n'))
    return path
  }
  const importOnce = async (source: string): Promise<ImportSummary> => {
    const job = await t.call<JobInfo>('import:start', { source, labelsFrom: { kind: 'csv' } })
    expect((await t.service.jobs.wait(job.id)).state).toBe('done')
    return (await t.call<{ result: ImportSummary }>('jobs:get', { id: job.id })).result
  }
  return { ...t, manifest, importOnce }
}

describe('importing a manifest again', () => {
  it('previews and applies the changes to clips already in the project, and only those', async () => {
    const { call, manifest, importOnce, service } = setup()
    expect((await importOnce(manifest(() => ''))).added).toBe(6)

    // Bob's clips move to test; clip 0 is relabelled; the rest say nothing new.
    const changed = manifest((i) => (i >= 3 ? 'test' : ''))
    const rows = readFileSync(changed, 'utf8').replace(',low,ann,', ',high,ann,')
    writeFileSync(changed, rows)
    const preview = await call<ImportPreview>('import:preview', { source: changed, labelsFrom: { kind: 'csv' } })
    expect(preview).toMatchObject({
      total: 6,
      alreadyInProject: 6,
      updates: { clips: 4, label: 1, group: 0, split: 3, fold: 0 },
    })
    const summary = await importOnce(changed)
    expect(summary).toMatchObject({ added: 0, duplicates: 6, updated: 4 })
    const db = service.catalog().db
    const splits = db.prepare('SELECT group_name, split FROM clips ORDER BY id').all()
    expect(splits).toEqual([
      { group_name: 'ann', split: null },
      { group_name: 'ann', split: null },
      { group_name: 'ann', split: null },
      { group_name: 'bob', split: 'test' },
      { group_name: 'bob', split: 'test' },
      { group_name: 'bob', split: 'test' },
    ])
    const first = db
      .prepare('SELECT k.name FROM clip_labels l JOIN classes k ON k.id = l.class_id WHERE l.clip_id = 1')
      .pluck()
      .all()
    expect(first).toEqual(['high'])
    // Once applied, the same manifest changes nothing more.
    const again = await call<ImportPreview>('import:preview', { source: changed, labelsFrom: { kind: 'csv' } })
    expect(again.updates.clips).toBe(0)
  })

  it('leaves clips alone when the same files are imported again from their folder', async () => {
    const { call, manifest, importOnce, dir } = setup()
    await importOnce(manifest((i) => (i >= 3 ? 'test' : 'train')))
    const preview = await call<ImportPreview>('import:preview', {
      source: join(dir, 'audio'),
      labelsFrom: { kind: 'folder' },
    })
    expect(preview).toMatchObject({ alreadyInProject: 6, updates: { clips: 0 } })
  })
})
