import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { UnlabeledPage, UnlabeledSummary } from '../../../src/shared/active-learning'
import type { ClassInfo, JobInfo } from '../../../src/shared/domain'
import type { TrainSummary } from '../../../src/shared/evaluation'
import { insertRun } from '../../../src/main/core/catalog/runs'
import {
  replaceUnlabeledPredictions,
  unlabeledPredictionPage,
} from '../../../src/main/core/catalog/unlabeled-predictions'
import { mulberry32 } from '../../../src/main/core/models/trees/random'
import { seededCatalog } from '../../helpers/catalog'
import { testService } from '../../helpers/service'
import { encodeWav } from '../../helpers/wav-writer'

let close: (() => Promise<void>) | undefined
afterEach(async () => close?.())

/** 0.4 s at 8 kHz of tones drawn from [low, high] Hz (amplitudes as given), with a little noise. */
function tone(random: () => number, parts: [number, number, number][]): Uint8Array {
  const freqs = parts.map(([low, high, amp]) => [low + (high - low) * random(), amp] as const)
  const samples = Float32Array.from(
    { length: 3200 },
    (_, t) =>
      freqs.reduce((s, [f, amp]) => s + amp * Math.sin((2 * Math.PI * f * t) / 8000), 0) + 0.05 * (random() * 2 - 1),
  )
  return encodeWav([samples], 8000)
}

const HUM: [number, number, number] = [220, 300, 0.5]
const WHISTLE: [number, number, number] = [1500, 2500, 0.5]

describe('stored predictions of unlabeled clips', () => {
  it('pages most uncertain first by margin or entropy, ties by clip, and drops clips labelled since', () => {
    const { db, clipIds, classIds } = seededCatalog(['a', 'b', 'c'], 5)
    const runId = insertRun(db, {
      model: 'rf',
      engine: 'js',
      params: {},
      featureConfig: {},
      featureHash: 'h',
      seed: 0,
      labels: ['a', 'b', 'c'],
      splitMethod: '',
      splitPolicy: 'column',
      jobId: null,
    })
    const [c1, c2, c3, c4] = clipIds as [number, number, number, number]
    // Margins 0.6, 0.1, 0.1, 0.0; entropies in another order, to tell the two orders apart.
    replaceUnlabeledPredictions(db, runId, [
      { clipId: c1, predicted: 'a', probabilities: [0.8, 0.2, 0], margin: 0.6, entropy: 0.5 },
      { clipId: c2, predicted: 'b', probabilities: [0.3, 0.4, 0.3], margin: 0.1, entropy: 1.09 },
      { clipId: c3, predicted: 'c', probabilities: [0.45, 0, 0.55], margin: 0.1, entropy: 0.69 },
      { clipId: c4, predicted: 'a', probabilities: [0.5, 0.5, 0], margin: 0, entropy: 0.69 },
    ])
    const order = (page: UnlabeledPage) => page.rows.map((r) => r.clipId)
    expect(order(unlabeledPredictionPage(db, runId, 'margin', 0, 10))).toEqual([c4, c2, c3, c1])
    expect(order(unlabeledPredictionPage(db, runId, 'entropy', 0, 10))).toEqual([c2, c3, c4, c1])
    const page = unlabeledPredictionPage(db, runId, 'margin', 1, 2)
    expect(page.total).toBe(4)
    expect(order(page)).toEqual([c2, c3])
    expect(page.predictedAt).toMatch(/^\d{4}-/)
    expect(page.rows[0]!.top).toEqual([
      { label: 'b', probability: 0.4 },
      { label: 'a', probability: 0.3 },
      { label: 'c', probability: 0.3 },
    ])

    // Labelling a clip takes it off the list without predicting again.
    const at = new Date().toISOString()
    db.prepare(
      'INSERT INTO clip_labels (clip_id, class_id, author, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
    ).run(c4, classIds[0], 'test', at, at)
    expect(order(unlabeledPredictionPage(db, runId, 'margin', 0, 10))).toEqual([c2, c3, c1])

    // Predicting again replaces the run's rows rather than adding to them.
    replaceUnlabeledPredictions(db, runId, [
      { clipId: c1, predicted: 'b', probabilities: [0.1, 0.9, 0], margin: 0.8, entropy: 0.3 },
    ])
    const again = unlabeledPredictionPage(db, runId, 'margin', 0, 10)
    expect(again.total).toBe(1)
    expect(again.rows[0]).toMatchObject({ clipId: c1, predicted: 'b', margin: 0.8 })
  })
})

describe('predicting unlabeled clips with a run', { timeout: 180_000 }, () => {
  it('predicts every unlabeled clip with the run model, stores them, and answers them most uncertain first', async () => {
    const t = testService()
    close = () => t.service.close()
    const random = mulberry32(9)
    const labelled = join(t.dir, 'labelled')
    const pool = join(t.dir, 'pool')
    for (const [label, part] of [
      ['hum', HUM],
      ['whistle', WHISTLE],
    ] as const) {
      mkdirSync(join(labelled, label), { recursive: true })
      for (let i = 0; i < 16; i++) writeFileSync(join(labelled, label, `${label}${i}.wav`), tone(random, [part]))
    }
    // Unlabeled: three clear hums, three clear whistles, and two clips with both at once.
    mkdirSync(pool)
    for (let i = 0; i < 3; i++) writeFileSync(join(pool, `u-hum${i}.wav`), tone(random, [HUM]))
    for (let i = 0; i < 3; i++) writeFileSync(join(pool, `u-whistle${i}.wav`), tone(random, [WHISTLE]))
    for (let i = 0; i < 2; i++) writeFileSync(join(pool, `u-both${i}.wav`), tone(random, [HUM, WHISTLE]))

    const call = async <T>(method: string, input: unknown): Promise<T> => {
      const result = await t.dispatch(method as never, input as never)
      if (!result.ok) throw Object.assign(new Error(result.error.message), { code: result.error.code })
      return result.value as T
    }
    const job = async <T>(started: JobInfo): Promise<T> => {
      const finished = await t.service.jobs.wait(started.id)
      expect(finished.error).toBeNull()
      return (await call<{ result: T }>('jobs:get', { id: started.id })).result
    }
    await job(await call<JobInfo>('import:start', { source: labelled }))
    await job(await call<JobInfo>('import:start', { source: pool, labelsFrom: { kind: 'none' } }))
    const { runId } = await job<TrainSummary>(
      await call<JobInfo>('train:start', { model: 'rf', params: { trees: 25 }, seed: 1 }),
    )

    // A run that does not exist is an error of the call; no job starts.
    const missing = await t.dispatch('runs:predictUnlabeled', { id: runId + 100 })
    expect(missing.ok ? null : missing.error.code).toBe('not-found')
    const before = await call<UnlabeledPage>('runs:unlabeled', { id: runId })
    expect(before).toEqual({ rows: [], total: 0, predictedAt: null })
    const summary = await job<UnlabeledSummary>(await call<JobInfo>('runs:predictUnlabeled', { id: runId }))
    expect(summary).toMatchObject({ runId, predicted: 8, failed: [] })

    const byMargin = await call<UnlabeledPage>('runs:unlabeled', { id: runId, order: 'margin' })
    expect(byMargin.total).toBe(8)
    const margins = byMargin.rows.map((r) => r.margin)
    expect(margins).toEqual([...margins].sort((a, b) => a - b))
    for (const row of byMargin.rows) {
      const name = row.path.split(/[\\/]/).pop()!
      if (name.startsWith('u-hum')) expect(row.predicted).toBe('hum')
      if (name.startsWith('u-whistle')) expect(row.predicted).toBe('whistle')
      expect(row.top.reduce((s, p) => s + p.probability, 0)).toBeCloseTo(1, 9)
      expect(row.margin).toBeCloseTo(row.top[0]!.probability - (row.top[1]?.probability ?? 0), 12)
    }
    // Two classes: entropy falls as the margin grows, so both orders agree (up to ties).
    const byEntropy = await call<UnlabeledPage>('runs:unlabeled', { id: runId, order: 'entropy' })
    const entropies = byEntropy.rows.map((r) => r.entropy)
    expect(entropies).toEqual([...entropies].sort((a, b) => b - a))
    expect(byEntropy.rows.map((r) => r.margin)).toEqual(margins)

    // Accept the most uncertain clip's prediction through the labeling API: it leaves the list,
    // and the label is undoable like any other.
    const first = byMargin.rows[0]!
    const classes = await call<ClassInfo[]>('classes:list', {})
    const predictedClass = classes.find((c) => c.name === first.predicted)!
    await call('labels:assign', { clipId: first.clipId, classId: predictedClass.id })
    const after = await call<UnlabeledPage>('runs:unlabeled', { id: runId, order: 'margin' })
    expect(after.total).toBe(7)
    expect(after.rows.map((r) => r.clipId)).not.toContain(first.clipId)
    await call('edits:undo', {})
    expect((await call<UnlabeledPage>('runs:unlabeled', { id: runId })).total).toBe(8)

    // Predicting again replaces the run's rows.
    await job(await call<JobInfo>('runs:predictUnlabeled', { id: runId }))
    const count = t.service
      .catalog()
      .db.prepare('SELECT COUNT(*) FROM run_unlabeled_predictions WHERE run_id = ?')
      .pluck()
      .get(runId)
    expect(count).toBe(8)
  })
})
