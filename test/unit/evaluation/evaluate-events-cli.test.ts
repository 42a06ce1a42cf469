import { describe, expect, it } from 'vitest'
import type { EventMetricsReport } from '../../../src/shared/detection'
import { insertRunClips } from '../../../src/main/core/catalog/runs'
import { createRegion } from '../../../src/main/core/labeling'
import { seededCatalog } from '../../helpers/catalog'
import { runEarmarkInProcess } from '../../helpers/cli-in-process'
import { insertDetectionRun, insertDetections } from '../../helpers/detections'

/** A project whose run 1 has detections in its one annotated test clip; the catalog is closed. */
function project(): { path: string; runId: number } {
  const seeded = seededCatalog(['dog', 'cat'], 2)
  const { db, catalog } = seeded
  const [c0, c1] = seeded.clipIds as [number, number]
  const [dog, cat] = seeded.classIds as [number, number]
  const stamp = { author: 'ann', now: new Date('2026-12-06T10:00:00Z') }
  const runId = insertDetectionRun(db, ['dog', 'cat'])
  insertRunClips(db, runId, [
    { clipId: c0, split: 'test', label: 'dog', labelVersion: null },
    { clipId: c1, split: 'train', label: 'cat', labelVersion: null },
  ])
  createRegion(db, c0, { classId: dog, start: 0.1, end: 0.4 }, stamp)
  createRegion(db, c0, { classId: cat, start: 0.6, end: 0.9 }, stamp)
  // dog hits dog [0.1, 0.4]; cat [0.62, 0.9] hits cat with the default 0.25 s collar (onset 0.02 late).
  insertDetections(
    db,
    runId,
    [
      { clipId: c0, label: 'dog', start: 0.1, end: 0.45, score: 0.9 },
      { clipId: c0, label: 'cat', start: 0.62, end: 0.9, score: 0.7 },
    ],
    stamp.now,
  )
  const path = catalog.path
  catalog.close()
  return { path, runId }
}

describe('earmark evaluate --events', () => {
  it('prints the event metrics report as JSON, and as a table of classes, micro and macro', async () => {
    const { path, runId } = project()
    const json = await runEarmarkInProcess(['evaluate', path, '--run', String(runId), '--events', '--json'])
    expect(json.code, json.err).toBe(0)
    const report = JSON.parse(json.out.trim()) as EventMetricsReport
    expect(report.collar).toBe(0.25)
    expect(report.event.micro).toMatchObject({ reference: 2, estimated: 2, truePositives: 2, f1: 1 })

    // A 0.01 s collar misses the cat (its onset is 0.02 late): 1 of 2 matched, F1 1/2, and the
    // leftover cat is no substitution either (its onset misses the collar whatever the class).
    const strict = await runEarmarkInProcess([
      'evaluate',
      path,
      '--run',
      String(runId),
      '--events',
      '--collar',
      '0.01',
      '--json',
    ])
    const strictReport = JSON.parse(strict.out.trim()) as EventMetricsReport
    expect(strictReport.event.micro.f1).toBe(0.5)
    expect(strictReport.event.errorRate.counts).toEqual({ substitutions: 0, deletions: 1, insertions: 1, reference: 2 })

    const text = await runEarmarkInProcess(['evaluate', path, '--run', String(runId), '--events'])
    expect(text.code, text.err).toBe(0)
    expect(text.out).toContain('Event-based (onset collar 0.25 s')
    expect(text.out).toMatch(/^\s+micro\s+1\.0000\s+1\.0000\s+1\.0000\s+0\.0000\s+2\s+2\s+2$/m)
    expect(text.out).toMatch(/^\s+dog\s+1\.0000/m)
    expect(text.out).toContain('Segment-based (1 s segments')
    expect(text.out).toContain('ER 0.0000 = substitutions 0.0000 + deletions 0.0000 + insertions 0.0000')
  })

  it('refuses a collar that is not a positive number of seconds, and --report with --events', async () => {
    const { path, runId } = project()
    const collar = await runEarmarkInProcess(['evaluate', path, '--run', String(runId), '--events', '--collar', '0'])
    expect(collar.code).toBe(2)
    const report = await runEarmarkInProcess([
      'evaluate',
      path,
      '--run',
      String(runId),
      '--events',
      '--report',
      '/tmp/x',
    ])
    expect(report.code).toBe(2)
  })
})
