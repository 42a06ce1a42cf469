import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EventMetricsReport } from '../../src/shared/detection'
import { openCatalog } from '../../src/main/core/catalog/open'
import { createRegion } from '../../src/main/core/labeling'
import { assertBuilt, runEarmark } from '../helpers/cli'
import { writeToneClasses } from '../helpers/tone-classes'

/** The last line of a command's stdout, as JSON. */
const lastJson = <T>(stdout: string): T => JSON.parse(stdout.trim().split('\n').pop() ?? 'null') as T

/*
 * `earmark evaluate --events` on a run that has not detected anything yet: it detects in the test
 * clips that have labeled regions first, with the run's own model, then scores what it stored.
 * The run is a small CNN trained on whole clips (tones of three kinds, 0.5 s each: its windows are
 * its input's length), and each test clip's one region spans the whole clip, as an event filling a
 * short recording would.
 */
describe('earmark evaluate --events', { timeout: 240_000 }, () => {
  let dir: string
  let project: string
  let runId: number
  let annotated: number

  beforeAll(() => {
    assertBuilt()
    dir = mkdtempSync(join(tmpdir(), 'earmark-events-'))
    project = join(dir, 'tones.earmark')
    writeToneClasses(join(dir, 'audio'), 10)
    expect(runEarmark(['init', project]).code).toBe(0)
    const imported = runEarmark(['import', project, join(dir, 'audio'), '--labels-from', 'folder', '--json'])
    expect(imported.code, imported.stderr).toBe(0)
    const params = ['epochs=4', 'batchSize=8', 'filters=[8,16]', 'denseUnits=16', 'patience=null']
    const trained = runEarmark([
      'train',
      project,
      '--model',
      'cnn',
      '--seed',
      '2',
      ...params.flatMap((p) => ['--param', p]),
      '--json',
    ])
    expect(trained.code, trained.stderr).toBe(0)
    runId = lastJson<{ runId: number }>(trained.stdout).runId

    const catalog = openCatalog(project)
    try {
      const db = catalog.db
      const clips = db
        .prepare(
          `SELECT c.id, c.duration, l.class_id AS classId FROM run_clips rc JOIN clips c ON c.id = rc.clip_id
           JOIN clip_labels l ON l.clip_id = c.id WHERE rc.run_id = ? AND rc.split = 'test' ORDER BY c.id`,
        )
        .all(runId) as { id: number; duration: number; classId: number }[]
      const stamp = { author: 'test', now: new Date() }
      for (const c of clips) createRegion(db, c.id, { classId: c.classId, start: 0, end: c.duration }, stamp)
      annotated = clips.length
      expect(annotated).toBeGreaterThan(0)
    } finally {
      catalog.close()
    }
  }, 180_000)

  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('detects with the run’s model when it has no detections there, then scores them', () => {
    const first = runEarmark(['evaluate', project, '--run', String(runId), '--events', '--json'])
    expect(first.code, first.stderr).toBe(0)
    expect(first.stderr).toContain(`Run ${runId} has no detections in its ${annotated} annotated test clip`)
    const report = lastJson<EventMetricsReport>(first.stdout)
    expect(report.clips).toBe(annotated)
    expect(report.event.micro.reference).toBe(annotated)
    expect(report.event.micro.estimated).toBeGreaterThan(0)
    expect(report.segment.micro.reference).toBe(annotated)

    // The detections are stored: a second evaluation scores them again without detecting, the same.
    const again = runEarmark(['evaluate', project, '--run', String(runId), '--events', '--json'])
    expect(again.code, again.stderr).toBe(0)
    expect(again.stderr).not.toContain('detecting')
    expect(lastJson<EventMetricsReport>(again.stdout)).toEqual(report)

    const text = runEarmark(['evaluate', project, '--run', String(runId), '--events'])
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toContain(`Run #${runId} on its test split: event metrics`)
    expect(text.stdout).toMatch(/^\s+micro\s/m)
  })
})
