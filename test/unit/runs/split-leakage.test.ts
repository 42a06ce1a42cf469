import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { ImportSummary, JobInfo } from '../../../src/shared/domain'
import type { TrainSummary } from '../../../src/shared/evaluation'
import type { LeakageReport, SplitCheck } from '../../../src/shared/leakage'
import { insertClip } from '../../../src/main/core/catalog/clips'
import { mulberry32 } from '../../../src/main/core/models/trees/random'
import { testService } from '../../helpers/service'
import { encodeWav } from '../../helpers/wav-writer'

let close: (() => Promise<void>) | undefined
afterEach(async () => close?.())

const groups = { ann: 'train', bob: 'train', cat: 'test', dan: 'test' } as const
/** Each file's name: label, group (a speaker), the group's split, take. */
const withSplit = 'pattern:(?<label>[a-z]+)_(?<group>[a-z]+)_(?<split>[a-z]+)_\\d+\\.wav'
const withoutSplit = 'pattern:(?<label>[a-z]+)_(?<group>[a-z]+)_[a-z]+_\\d+\\.wav'

/** A hum and a whistle, 4 takes by each of 4 speakers, 0.4 s at 8 kHz: 32 files. */
function writeClips(root: string): string[] {
  mkdirSync(root, { recursive: true })
  const random = mulberry32(7)
  const files: string[] = []
  for (const [label, low, high] of [
    ['hum', 220, 300],
    ['whistle', 1500, 2500],
  ] as const) {
    for (const [group, split] of Object.entries(groups)) {
      for (let take = 0; take < 4; take++) {
        const f = low + (high - low) * random()
        const samples = Float32Array.from(
          { length: 3200 },
          (_, t) => 0.5 * Math.sin((2 * Math.PI * f * t) / 8000) + 0.05 * (random() * 2 - 1),
        )
        const path = join(root, `${label}_${group}_${split}_${take}.wav`)
        writeFileSync(path, encodeWav([samples], 8000))
        files.push(path)
      }
    }
  }
  return files
}

async function project(labels: string, prepare?: (audio: string) => void) {
  const t = testService()
  close = () => t.service.close()
  const audio = join(t.dir, 'audio')
  writeClips(audio)
  prepare?.(audio)
  const pattern = labels.slice('pattern:'.length)
  const imported = await t.call<JobInfo>('import:start', { source: audio, labelsFrom: { kind: 'pattern', pattern } })
  const done = await t.service.jobs.wait(imported.id)
  expect(done.state).toBe('done')
  const summary = (await t.call<{ result: ImportSummary }>('jobs:get', { id: imported.id })).result
  return { ...t, summary }
}

describe('split leakage of runs and planned runs', { timeout: 180_000 }, () => {
  it('holds whole speakers out by default, and lists the speakers a random split puts on both sides', async () => {
    const { call, service } = await project(withoutSplit)
    // No split column, and clips carry speakers: the default split holds out whole speakers.
    const byGroup = await call<SplitCheck>('train:check', { model: 'rf', seed: 4 })
    expect(byGroup.counts).toEqual({ train: 24, val: 0, test: 8 })
    expect(byGroup.method).toMatch(/whole groups held out to test.*1 of 4 groups in test/)
    expect(byGroup.leakage.groups).toEqual([])
    expect(byGroup.leakage.summary).toBe('no group and no recording is on both sides of the split')
    // Deep models keep the test speaker out; with 3 speakers left, validation is drawn by class
    // (a whole speaker would take a third of training), and validation counts as training.
    const deepByGroup = await call<SplitCheck>('train:check', { model: 'cnn', seed: 4 })
    expect(deepByGroup.counts.test).toBe(8)
    expect(deepByGroup.counts.train + deepByGroup.counts.val).toBe(24)
    expect(deepByGroup.method).toContain("of each class's training clips held out for validation")
    expect(deepByGroup.leakage.groups).toEqual([])
    // With validation asked at a third, whole speakers are held out for it.
    const third = await call<SplitCheck>('train:check', { model: 'cnn', seed: 4, validationFraction: 0.34 })
    expect(third.counts).toEqual({ train: 16, val: 8, test: 8 })
    expect(third.method).toContain('whole groups held out of training for validation')

    // A stratified random split written to the catalog: now the column, and speakers straddle it.
    await call('splits:set', { by: 'random', testFraction: 0.2, seed: 4 })
    const check = await call<SplitCheck>('train:check', { model: 'rf', seed: 4 })
    expect(check.method).toBe('the catalog split column')
    expect(check.counts).toEqual({ train: 26, val: 0, test: 6 })
    const leaked = check.leakage.groups.map((g) => g.group).sort()
    // 6 test clips drawn from 4 speakers of 8 clips each: at least one speaker straddles the split.
    expect(leaked.length).toBeGreaterThanOrEqual(1)
    for (const g of check.leakage.groups) expect(g.train + g.test).toBe(8)
    expect(check.leakage.duplicates).toEqual([])
    expect(check.leakage.leakingTestClips).toBe(check.leakage.groups.reduce((n, g) => n + g.test, 0))
    expect(check.leakage.summary).toMatch(
      new RegExp(
        `^${leaked.length} groups? ha(s|ve) clips in both training and test \\(.*\\) — scores will be optimistic`,
      ),
    )

    // The run draws exactly the split the check announced, and its summary says what leaked.
    const job = await call<JobInfo>('train:start', { model: 'rf', params: { trees: 5 }, seed: 4 })
    expect((await service.jobs.wait(job.id)).error).toBeNull()
    const { runId, split } = (await call<{ result: TrainSummary }>('jobs:get', { id: job.id })).result
    expect(split).toEqual({ policy: 'column', train: 26, val: 0, test: 6, leakedGroups: leaked, sharedContent: 0 })
    expect(await call<LeakageReport>('runs:leakage', { id: runId })).toEqual(check.leakage)

    // Deep models hold validation out of the training clips; training and test stay as drawn.
    const deep = await call<SplitCheck>('train:check', { model: 'cnn', seed: 4 })
    expect(deep.counts.test).toBe(6)
    expect(deep.counts.val).toBeGreaterThan(0)
    expect(deep.counts.train + deep.counts.val).toBe(26)
    expect(deep.method).toContain('held out for validation')
    expect(deep.leakage).toEqual(check.leakage)

    await expect(call('runs:leakage', { id: 99 })).rejects.toMatchObject({ code: 'not-found' })
  })

  it('finds nothing when the catalog splits by speaker', async () => {
    const { call } = await project(withSplit)
    for (const model of ['rf', 'lstm'] as const) {
      const check = await call<SplitCheck>('train:check', { model, seed: 1 })
      expect(check.counts.train + check.counts.val).toBe(16)
      expect(check.counts.test).toBe(16)
      expect(check.leakage).toEqual({
        groups: [],
        duplicates: [],
        leakingTestClips: 0,
        summary: 'no group and no recording is on both sides of the split',
      })
    }
  })

  it('catches the same audio on both sides', async () => {
    // A copy of a training file under a test speaker's name: import keeps one clip per content.
    const { call, service, summary, dir } = await project(withSplit, (audio) =>
      copyFileSync(join(audio, 'hum_ann_train_0.wav'), join(audio, 'hum_eve_test_9.wav')),
    )
    expect(summary).toMatchObject({ added: 32, duplicates: 1 })
    expect((await call<SplitCheck>('train:check', { model: 'rf' })).leakage.duplicates).toEqual([])

    // A catalog can still hold two clips of one content (written by another tool, or before
    // import deduplicated): the copy on the test side is reported with both clip ids.
    const db = service.catalog().db
    const original = db
      .prepare("SELECT id, content_hash AS hash, duration FROM clips WHERE path LIKE '%hum_ann_train_0.wav'")
      .get() as { id: number; hash: string; duration: number }
    const copy = insertClip(
      db,
      {
        path: join(dir, 'audio', 'hum_eve_test_9.wav'),
        contentHash: original.hash,
        duration: original.duration,
        sampleRate: 8000,
        channels: 1,
        size: 6444,
        codec: 'pcm_s16le',
        group: 'eve',
        fold: null,
        split: 'test',
      },
      new Date(),
    )
    db.prepare(
      'INSERT INTO clip_labels (clip_id, class_id, author, created_at, updated_at) SELECT ?, class_id, author, created_at, updated_at FROM clip_labels WHERE clip_id = ?',
    ).run(copy, original.id)

    const check = await call<SplitCheck>('train:check', { model: 'rf' })
    expect(check.leakage.groups).toEqual([])
    expect(check.leakage.duplicates).toEqual([
      { contentHash: original.hash, trainClipIds: [original.id], testClipIds: [copy], labels: ['hum'] },
    ])
    expect(check.leakage.summary).toMatch(/^1 recording is identical on both sides — scores will be optimistic/)
  })
})
