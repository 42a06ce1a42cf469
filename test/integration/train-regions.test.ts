import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ModelOutputs } from '../../src/shared/detection'
import type { RunDetail, TrainSummary } from '../../src/shared/evaluation'
import type { LongRecording } from '../helpers/long-recordings'
import { importRegionRecordings } from '../helpers/region-recordings'
import { jobResult, serviceOn } from '../helpers/service'

/*
 * Training on regions, through the service as the studio and the CLI call it: long recordings of
 * fsdd-dev digits in pink noise (test/helpers/long-recordings.ts), imported from a manifest with
 * empty labels, their regions from Audacity label tracks, then models trained on windows. Kept small
 * (three digits, a few takes) so that each run takes seconds: the figures are window-level.
 */

describe('training on regions of long recordings', { timeout: 120_000 }, () => {
  // A folder that lives as long as the file's tests (tempDir's goes after each).
  const dir = mkdtempSync(join(tmpdir(), 'earmark-regions-'))
  const t = { dir, ...serviceOn(join(dir, 'regions.earmark'), () => undefined) }
  let recordings: LongRecording[] = []

  beforeAll(async () => {
    const imported = await importRegionRecordings(t, t.dir, 10)
    recordings = imported.recordings
    expect(imported.added).toBe(recordings.length)
    expect(imported.regionsAdded).toBe(recordings.reduce((n, r) => n + r.digits.length, 0))
  }, 60_000)

  afterAll(async () => {
    await t.service.close()
    rmSync(t.dir, { recursive: true, force: true })
  })

  it('imports the recordings as unlabeled clips that keep their speaker and split', () => {
    const db = t.service.catalog().db
    expect(db.prepare('SELECT COUNT(*) FROM clip_labels').pluck().get()).toBe(0)
    const rows = db.prepare('SELECT path, group_name, split FROM clips').all() as {
      path: string
      group_name: string
      split: string
    }[]
    expect(new Set(rows.map((r) => `${r.group_name}/${r.split}`))).toEqual(
      new Set(recordings.map((r) => `${r.speaker}/${r.split}`)),
    )
  })

  /** Trains on regions; checks the recorded run and what the model folder says for detection. */
  async function trainOnRegions(model: string, params: Record<string, unknown>, windows: object = {}) {
    const summary = await jobResult<TrainSummary>(
      t,
      await t.call('train:start', { model, params, seed: 0, from: 'regions', ...windows }),
    )
    const run = await t.call<RunDetail>('runs:get', { id: summary.runId })
    expect(run.source).toBe('regions')
    expect(run.windowing).toEqual(summary.windowing)
    // Recordings keep the manifest's split, each whole on one side (the speakers are on both, as fsdd's takes split them).
    const count = (split: string) => recordings.filter((r) => r.split === split).length
    expect(summary.split).toMatchObject({
      policy: 'column',
      train: count('train'),
      val: count('val'),
      test: count('test'),
    })
    const outputs = JSON.parse(readFileSync(join(run.modelPath!, '..', 'features.json'), 'utf8'))
      .detection as ModelOutputs
    expect(outputs).toMatchObject({ output: 'softmax', background: 'background', windowing: summary.windowing })
    expect(Object.keys(outputs.thresholds).sort()).toEqual(['0', '1', '2'])
    const test = run.metrics.test!
    // Chance: always the most common window class (background).
    const counts = summary.windowing!.windows['test']!
    const total = Object.values(counts).reduce((a, b) => a + b, 0)
    const majority = Math.max(...Object.values(counts)) / total
    console.log(
      `train-regions ${model}: windows ${summary.windowing!.seconds} s hop ${summary.windowing!.hop} s, ` +
        `${JSON.stringify(summary.windowing!.windows)}; test window accuracy ${test.accuracy.toFixed(3)} ` +
        `(majority ${majority.toFixed(3)}), macro-F1 ${test.macro.f1.toFixed(3)}, thresholds ${JSON.stringify(outputs.thresholds)}, ${summary.seconds.toFixed(1)} s`,
    )
    return { summary, run, test, majority, outputs }
  }

  it('trains a random forest on windows, well above the majority class', async () => {
    const { summary, run, test, majority } = await trainOnRegions('rf', { trees: 100 })
    // The default window spans 90% of the digits (0.25-10 s), the hop a quarter of it.
    expect(summary.windowing!.seconds).toBeGreaterThanOrEqual(0.25)
    expect(summary.windowing!.hop).toBeCloseTo(summary.windowing!.seconds / 4, 12)
    expect(summary.windowing!.minOverlap).toBe(0.5)
    expect(run.labels).toEqual(['0', '1', '2', 'background'])
    expect(test.labels).toEqual(['0', '1', '2', 'background'])
    expect(test.accuracy).toBeGreaterThan(majority + 0.5 * (1 - majority))
    expect(test.macro.f1).toBeGreaterThan(0.7)
  })

  it('trains a CNN on windows, well above the majority class, with the window set by hand', async () => {
    const { summary, test, majority } = await trainOnRegions('cnn', { epochs: 10 }, { window: 0.5, hop: 0.125 })
    expect(summary.windowing).toMatchObject({ seconds: 0.5, hop: 0.125, minOverlap: 0.5 })
    expect(summary.epochs).toBeGreaterThan(0)
    expect(test.accuracy).toBeGreaterThan(majority + 0.5 * (1 - majority))
    expect(test.macro.f1).toBeGreaterThan(0.7)
  })

  it('trains sigmoid outputs once regions of different classes overlap, and refuses trees then', async () => {
    // A "1" drawn over part of a training recording's first "0": windows there hold both.
    const db = t.service.catalog().db
    const first = db
      .prepare(
        `SELECT r.clip_id AS clipId, r.start, r."end" FROM region_labels r JOIN classes k ON k.id = r.class_id
         JOIN clips c ON c.id = r.clip_id WHERE k.name = '0' AND c.split = 'train' ORDER BY r.id LIMIT 1`,
      )
      .get() as { clipId: number; start: number; end: number }
    const one = (await t.call<{ id: number; name: string }[]>('classes:list', {})).find((c) => c.name === '1')!
    await t.call('regions:create', { clipId: first.clipId, classId: one.id, start: first.start, end: first.end })
    await expect(t.call('train:start', { model: 'rf', params: {}, from: 'regions' })).rejects.toThrow(
      /overlap.*deep model/,
    )
    const summary = await jobResult<TrainSummary>(
      t,
      await t.call('train:start', { model: 'cnn', params: { epochs: 4 }, seed: 0, from: 'regions' }),
    )
    const run = await t.call<RunDetail>('runs:get', { id: summary.runId })
    expect(run.labels).toEqual(['0', '1', '2'])
    expect(summary.windowing!.background).toBeNull()
    const outputs = JSON.parse(readFileSync(join(run.modelPath!, '..', 'features.json'), 'utf8'))
      .detection as ModelOutputs
    expect(outputs).toMatchObject({ output: 'sigmoid', background: null })
    expect(Object.keys(outputs.thresholds).sort()).toEqual(['0', '1', '2'])
    const metadata = JSON.parse(readFileSync(join(run.modelPath!, '..', 'earmark-model.json'), 'utf8'))
    expect(metadata).toMatchObject({ output: 'sigmoid', background: null, thresholds: outputs.thresholds })
    // Window-level metrics read a window under no threshold as background.
    expect(run.metrics.test!.labels).toEqual(['0', '1', '2', 'background'])
  })
})
