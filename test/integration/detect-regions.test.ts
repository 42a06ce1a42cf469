import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Detection, DetectSummary } from '../../src/shared/detection'
import type { ClipPage } from '../../src/shared/domain'
import type { TrainSummary } from '../../src/shared/evaluation'
import type { LongRecording } from '../helpers/long-recordings'
import { importRegionRecordings } from '../helpers/region-recordings'
import { jobResult, serviceOn } from '../helpers/service'

/*
 * Detection with models trained on regions, through the service as the studio calls it: long
 * recordings of three fsdd-dev digits in pink noise, their regions from Audacity label tracks, a
 * random forest and a CNN trained on windows (softmax with a background class, per-class
 * thresholds), then `detections:start` over the held-out recordings. The background is never an
 * event; most digits are found where they are, with their class, and most detections are digits.
 */

describe('detection with models trained on regions', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'earmark-detect-regions-'))
  const t = serviceOn(join(dir, 'regions.earmark'), () => undefined)
  const { call } = t
  let recordings: LongRecording[] = []

  beforeAll(async () => {
    ;({ recordings } = await importRegionRecordings(t, dir, 20))
  }, 120_000)

  afterAll(async () => {
    await t.service.close()
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
    const trained = await jobResult<TrainSummary>(
      t,
      await call('train:start', { model, params, seed: 0, from: 'regions', ...windows }),
    )
    const summary = await jobResult<DetectSummary>(t, await call('detections:start', { runId: trained.runId }))
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
