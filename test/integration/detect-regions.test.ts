import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Detection, DetectSummary } from '../../src/shared/detection'
import type { ClipPage } from '../../src/shared/domain'
import type { TrainSummary } from '../../src/shared/evaluation'
import { createDispatcher } from '../../src/main/core/api/dispatch'
import { createStudioService } from '../../src/main/core/service'
import { fsddFiles } from '../helpers/fsdd'
import { buildLongRecordings, writeRecordingsManifest, type LongRecording } from '../helpers/long-recordings'

/*
 * Detection with models trained on regions, through the service as the studio calls it: long
 * recordings of three fsdd-dev digits in pink noise, their regions from Audacity label tracks, a
 * random forest and a CNN trained on windows (softmax with a background class, per-class
 * thresholds), then `detections:start` over the held-out recordings. The background is never an
 * event; most digits are found where they are, with their class, and most detections are digits.
 */

const DIGITS = new Set(['0', '1', '2'])
const SPLITS = [
  { split: 'train', takes: [5, 16] },
  { split: 'val', takes: [17, 20] },
  { split: 'test', takes: [0, 4] },
] as const

describe('detection with models trained on regions', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'earmark-detect-regions-'))
  const service = createStudioService({ version: '0.0.0-test', defaultProjectPath: join(dir, 'regions.earmark') })
  const dispatch = createDispatcher(service.handlers, () => undefined)
  const call = async <T>(method: string, input: unknown): Promise<T> => {
    const result = await dispatch(method as never, input as never)
    if (!result.ok) throw new Error(result.error.message)
    return result.value as T
  }
  async function finished<T>(job: { id: number }): Promise<T> {
    const done = await service.jobs.wait(job.id)
    expect(done.state, done.error ?? '').toBe('done')
    return (await call<{ result: T }>('jobs:get', { id: job.id })).result
  }
  const recordings: LongRecording[] = []

  beforeAll(async () => {
    SPLITS.forEach(({ split, takes }, i) => {
      const digits = fsddFiles().filter((f) => DIGITS.has(f.digit) && f.take >= takes[0] && f.take <= takes[1])
      recordings.push(...buildLongRecordings({ seed: 20 + i, dir, split, digits, seconds: { min: 12, max: 20 } }))
    })
    const manifest = writeRecordingsManifest(dir, recordings)
    await finished(await call('import:start', { source: manifest, labelsFrom: { kind: 'csv' } }))
    await call('labels:import', { format: 'audacity', paths: recordings.map((r) => r.labelPath) })
  }, 120_000)

  afterAll(async () => {
    await service.close()
    rmSync(dir, { recursive: true, force: true })
  })

  /**
   * Over the test recordings: the share of digits a detection of their class overlaps, and the
   * share of detections that overlap a digit of their class.
   */
  async function overlaps(runId: number): Promise<{ found: number; right: number }> {
    const page = await call<ClipPage>('clips:query', { filter: {}, limit: 1000 })
    let found = 0
    let digits = 0
    let right = 0
    let detected = 0
    const meet = (a: { start: number; end: number }, b: { start: number; end: number }) =>
      a.start < b.end && b.start < a.end
    for (const r of recordings.filter((r) => r.split === 'test')) {
      const clip = page.rows.find((c) => c.path === r.path)!
      const detections = await call<Detection[]>('detections:list', { clipId: clip.id, runId })
      expect(detections.every((d) => d.label !== 'background' && d.runId === runId)).toBe(true)
      digits += r.digits.length
      found += r.digits.filter((g) => detections.some((d) => d.label === g.label && meet(d, g))).length
      detected += detections.length
      right += detections.filter((d) => r.digits.some((g) => d.label === g.label && meet(d, g))).length
    }
    return { found: found / digits, right: right / detected }
  }

  async function trainAndDetect(model: string, params: Record<string, unknown>, windows: object = {}) {
    const trained = await finished<TrainSummary>(
      await call('train:start', { model, params, seed: 0, from: 'regions', ...windows }),
    )
    const summary = await finished<DetectSummary>(await call('detections:start', { runId: trained.runId }))
    const tests = recordings.filter((r) => r.split === 'test')
    // The default clips: the recordings the run neither trained nor validated on.
    expect(summary).toMatchObject({ runId: trained.runId, clips: tests.length, failed: [] })
    expect(summary.audioSeconds).toBeCloseTo(
      tests.reduce((s, r) => s + r.seconds, 0),
      1,
    )
    expect(summary.detections).toBeGreaterThan(0)
    const share = await overlaps(trained.runId)
    console.log(
      `detect-regions ${model}: ${summary.detections} detections in ${summary.clips} recordings (${summary.audioSeconds.toFixed(0)} s in ${summary.seconds.toFixed(1)} s); ` +
        `${(100 * share.found).toFixed(0)}% of the digits found, ${(100 * share.right).toFixed(0)}% of the detections on a digit of their class`,
    )
    return share
  }

  it('detects with a random forest trained on windows of regions', async () => {
    const { found, right } = await trainAndDetect('rf', { trees: 100 })
    expect(found).toBeGreaterThan(0.7)
    expect(right).toBeGreaterThan(0.7)
  })

  it('detects with a CNN trained on windows of regions', async () => {
    const { found, right } = await trainAndDetect('cnn', { epochs: 8 }, { window: 0.5, hop: 0.125 })
    expect(found).toBeGreaterThan(0.6)
    expect(right).toBeGreaterThan(0.6)
  })
})
