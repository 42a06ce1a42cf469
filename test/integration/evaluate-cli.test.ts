import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunEvaluation } from '../../src/shared/report'
import { openCatalog } from '../../src/main/core/catalog/open'
import { getRun } from '../../src/main/core/catalog/runs'
import { classificationMetrics } from '../../src/main/core/evaluation'
import { assertBuilt, runEarmark } from '../helpers/cli'
import { writeToneClasses } from '../helpers/tone-classes'

/** The last line of a command's stdout, as JSON. */
const lastJson = <T>(stdout: string): T => JSON.parse(stdout.trim().split('\n').pop() ?? 'null') as T

describe('earmark evaluate', { timeout: 240_000 }, () => {
  let dir: string
  let project: string
  let runId: number

  beforeAll(() => {
    assertBuilt()
    dir = mkdtempSync(join(tmpdir(), 'earmark-evaluate-'))
    project = join(dir, 'tones.earmark')
    writeToneClasses(join(dir, 'audio'), 10)
    expect(runEarmark(['init', project]).code).toBe(0)
    const imported = runEarmark(['import', project, join(dir, 'audio'), '--labels-from', 'folder', '--json'])
    expect(imported.code, imported.stderr).toBe(0)
    const trained = runEarmark(['train', project, '--model', 'rf', '--param', 'trees=15', '--seed', '2', '--json'])
    expect(trained.code, trained.stderr).toBe(0)
    runId = lastJson<{ runId: number }>(trained.stdout).runId
  }, 180_000)

  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('prints the metrics and every test clip’s prediction as one JSON object, as the run recorded them', () => {
    const result = runEarmark(['evaluate', project, '--run', String(runId), '--json'])
    expect(result.code, result.stderr).toBe(0)
    const evaluation = lastJson<RunEvaluation>(result.stdout)
    expect(Object.keys(evaluation).sort()).toEqual(
      ['accuracy', 'confusion', 'labels', 'macro', 'perClass', 'predictions', 'weighted'].sort(),
    )
    const catalog = openCatalog(project)
    const run = (() => {
      try {
        return getRun(catalog.db, runId)
      } finally {
        catalog.close()
      }
    })()
    const stored = run.metrics.test!
    expect(evaluation.labels).toEqual(run.labels)
    expect(evaluation.predictions).toHaveLength(run.clipCounts.test!)
    expect(evaluation.confusion).toEqual(stored.confusion)
    expect(evaluation.accuracy).toBe(stored.accuracy)
    expect(evaluation.perClass).toEqual(stored.perClass)
    expect(evaluation.macro).toEqual({
      precision: stored.macro.precision,
      recall: stored.macro.recall,
      f1: stored.macro.f1,
    })

    // The numbers follow from the printed predictions alone.
    const index = (name: string) => evaluation.labels.indexOf(name)
    const recomputed = classificationMetrics(
      evaluation.labels,
      evaluation.predictions.map((p) => index(p.true)),
      evaluation.predictions.map((p) => index(p.predicted)),
    )
    expect(evaluation.weighted.f1).toBeCloseTo(recomputed.weighted.f1, 12)
    expect(evaluation.confusion).toEqual(recomputed.confusion)
    for (const p of evaluation.predictions) {
      expect(existsSync(p.path)).toBe(true)
      expect(Object.keys(p.probabilities)).toEqual(evaluation.labels)
      const best = Object.entries(p.probabilities).sort((a, b) => b[1] - a[1])[0]!
      expect(p.probabilities[p.predicted]).toBe(best[1])
    }
  })

  it('prints a classification report and the confusion matrix, and writes the report files', () => {
    const out = join(dir, 'report')
    const result = runEarmark(['evaluate', project, '--run', String(runId), '--report', out])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toMatch(/precision\s+recall\s+f1-score\s+support/)
    expect(result.stdout).toMatch(/macro avg\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+\d+/)
    expect(result.stdout).toContain('Confusion matrix (rows: true class, columns: predicted class)')
    for (const name of ['chirp', 'hum', 'whistle'])
      expect(result.stdout).toMatch(new RegExp(`^\\s*${name}\\s+\\d`, 'm'))
    for (const file of ['metrics.json', 'metrics.csv', 'predictions.csv', 'report.html'])
      expect(existsSync(join(out, file)), file).toBe(true)
    expect(JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'))).toHaveProperty('balancedAccuracy')
  })

  it('refuses a split without predictions (exit 1) and an unknown split (exit 2)', () => {
    const missing = runEarmark(['evaluate', project, '--run', String(runId), '--split', 'val', '--json'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/has no predictions on the val split/)
    expect(missing.stdout).toBe('')
    const noRun = runEarmark(['evaluate', project, '--run', '99'])
    expect(noRun.code).toBe(1)
    expect(noRun.stderr).toMatch(/Run 99 not found/)
    expect(runEarmark(['evaluate', project, '--run', String(runId), '--split', 'holdout']).code).toBe(2)
  })
})
