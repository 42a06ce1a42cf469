import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'csv-parse/sync'
import { describe, expect, it } from 'vitest'
import type { JobInfo } from '../../../src/shared/domain'
import type { RunDetail, RunPrediction, TrainSummary } from '../../../src/shared/evaluation'
import type { RunEvaluation } from '../../../src/shared/report'
import { classificationMetrics, probabilitiesFromRows } from '../../../src/main/core/evaluation'
import {
  confusionSvg,
  metricsCsv,
  metricsJson,
  predictionsCsv,
  reportHtml,
  runEvaluation,
  type RunReport,
} from '../../../src/main/core/runs/report'
import { testService } from '../../helpers/service'
import { tempDir } from '../../helpers/temp'
import { writeToneClasses } from '../../helpers/tone-classes'

const HOSTILE = '<img src=x onerror=alert(1)>'
const FORMULA = '=HYPERLINK("http://x")'

/** Six hand-made predictions over three classes: 4 right, known per-class scores. */
function handMadeReport(): RunReport {
  const labels = [FORMULA, HOSTILE, 'bird']
  const truth = [0, 0, 1, 1, 2, 2]
  const predicted = [0, 1, 1, 1, 2, 0]
  const probabilities = [
    [0.7, 0.2, 0.1],
    [0.3, 0.6, 0.1],
    [0.1, 0.8, 0.1],
    [0.2, 0.5, 0.3],
    [0.1, 0.1, 0.8],
    [0.5, 0.1, 0.4],
  ]
  const metrics = classificationMetrics(labels, truth, predicted, probabilitiesFromRows(probabilities))
  const predictions: RunPrediction[] = truth.map((t, i) => ({
    clipId: i + 1,
    path: i === 0 ? '@evil.wav' : `/audio/clip${i}.wav`,
    split: 'test',
    true: labels[t]!,
    predicted: labels[predicted[i]!]!,
    top: [],
    probabilities: probabilities[i]!,
    currentLabel: null,
  }))
  const run: RunDetail = {
    id: 7,
    model: 'rf',
    engine: 'js',
    state: 'done',
    params: { trees: 25, maxDepth: null, seed: 3 },
    featureConfig: {},
    featureHash: '0123456789abcdef',
    featureSet: {
      name: 'default',
      paramsHash: 'fedcba9876543210',
      pipeline: [],
      config: {},
      input: { kind: 'summary' },
    },
    seed: 3,
    labels,
    clipCounts: { train: 20, test: 6 },
    splitMethod: 'catalog split column',
    splitPolicy: 'column',
    accuracy: metrics.accuracy,
    macroF1: metrics.macro.f1,
    modelPath: null,
    error: null,
    jobId: null,
    createdAt: '2026-11-25T10:00:00.000Z',
    finishedAt: '2026-11-25T10:01:00.000Z',
    timings: {},
    outdatedLabels: 0,
    source: 'clips',
    windowing: null,
    metrics: { test: metrics },
    history: [],
    featureNames: [],
    importances: { impurity: [], permutation: [] },
  }
  return { run, split: 'test', metrics, predictions }
}

const readCsv = (text: string): string[][] => parse(text) as string[][]

describe('run reports', () => {
  it('metrics.json holds classificationMetrics’ numbers, with balanced and top-k accuracy', () => {
    const report = handMadeReport()
    const json = JSON.parse(metricsJson(report.metrics)) as Record<string, unknown>
    expect(Object.keys(json).sort()).toEqual(
      ['accuracy', 'balancedAccuracy', 'confusion', 'labels', 'macro', 'perClass', 'topK', 'weighted'].sort(),
    )
    expect(json).toMatchObject({
      labels: report.metrics.labels,
      accuracy: 4 / 6,
      balancedAccuracy: report.metrics.balancedAccuracy,
      perClass: report.metrics.perClass,
      confusion: [
        [1, 1, 0],
        [0, 2, 0],
        [1, 0, 1],
      ],
    })
    // Class 0: predicted twice, right once (precision 1/2); true twice, found once (recall 1/2).
    expect(report.metrics.perClass[FORMULA]).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2 })
    expect(json['macro']).toEqual({
      precision: report.metrics.macro.precision,
      recall: report.metrics.macro.recall,
      f1: report.metrics.macro.f1,
    })
    expect(json['topK']).toEqual({ '1': 4 / 6 })
  })

  it('the evaluation JSON keys every probability by class name', () => {
    const evaluation: RunEvaluation = runEvaluation(handMadeReport())
    expect(Object.keys(evaluation).sort()).toEqual(
      ['accuracy', 'confusion', 'labels', 'macro', 'perClass', 'predictions', 'weighted'].sort(),
    )
    expect(evaluation.predictions[5]).toEqual({
      path: '/audio/clip5.wav',
      true: 'bird',
      predicted: FORMULA,
      probabilities: { [FORMULA]: 0.5, [HOSTILE]: 0.1, bird: 0.4 },
    })
  })

  it('metrics.csv has a row per class and the two averages; formula-like cells are escaped', () => {
    const { metrics } = handMadeReport()
    const rows = readCsv(metricsCsv(metrics))
    expect(rows[0]).toEqual(['kind', 'class', 'precision', 'recall', 'f1', 'support'])
    expect(rows.map((r) => r[0])).toEqual(['kind', 'class', 'class', 'class', 'macro', 'weighted'])
    expect(rows[1]![1]).toBe(`'${FORMULA}`)
    expect(rows[2]!.slice(1).map((v, i) => (i === 0 ? v : Number(v)))).toEqual([HOSTILE, 0.6666666666666666, 1, 0.8, 2])
    expect(Number(rows[4]![4])).toBe(metrics.macro.f1)
    expect(Number(rows[5]![3])).toBe(metrics.weighted.recall)
    expect(rows[5]![5]).toBe('6')
  })

  it('predictions.csv has one probability column per class; formula-like cells are escaped', () => {
    const { run, predictions } = handMadeReport()
    const rows = readCsv(predictionsCsv(run.labels, predictions))
    expect(rows[0]).toEqual(['path', 'true', 'predicted', `p_${FORMULA}`, `p_${HOSTILE}`, 'p_bird'])
    expect(rows[1]!.slice(0, 3)).toEqual(["'@evil.wav", `'${FORMULA}`, `'${FORMULA}`])
    expect(rows[1]!.slice(3).map(Number)).toEqual([0.7, 0.2, 0.1])
    expect(rows[6]!.slice(0, 3)).toEqual(['/audio/clip5.wav', 'bird', `'${FORMULA}`])
    expect(rows).toHaveLength(7)
  })

  it('report.html is self-contained, draws every matrix cell and escapes hostile class names', () => {
    const report = handMadeReport()
    const html = reportHtml(report, new Date('2026-11-25T12:00:00Z'))
    expect(html).not.toContain(HOSTILE)
    expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;')
    expect(html).not.toMatch(/<script|<link|<img|<iframe|url\(/i)
    // No tag loads anything: no src or href attribute (quoted values dropped: the escaped names say "src=").
    expect(html.replace(/"[^"]*"/g, '""')).not.toMatch(/<[^>]*\s(?:src|href|xlink:href)=/i)
    expect(html.match(/<g class="cell"/g)).toHaveLength(9)
    expect(html).toContain('data-testid="confusion-matrix"')
    expect(html).toContain('true class')
    expect(html).toContain('predicted class')
    expect(html).toContain('66.7%')
    expect(html).toContain('trees=25')
    expect(html).toContain('2026-11-25T12:00:00.000Z')
    // Row-normalised shading: the full row of the second class is the darkest blue, an empty cell white.
    const svg = confusionSvg(report.metrics)
    expect(svg).toMatch(
      /data-true="&#60;img[^"]*" data-predicted="&#60;img[^"]*"><title>[^<]*<\/title><rect[^>]*fill="rgb\(8,69,148\)"/,
    )
    expect(svg).toMatch(
      /data-true="bird" data-predicted="&#60;img[^"]*"><title>[^<]*<\/title><rect[^>]*fill="rgb\(255,255,255\)"/,
    )
  })

  it('report.html names the split policy, and carries the leakage warning when anything leaks', () => {
    const clean = reportHtml(
      {
        ...handMadeReport(),
        leakage: {
          groups: [],
          duplicates: [],
          leakingTestClips: 0,
          summary: 'no group and no recording is on both sides',
        },
      },
      new Date(),
    )
    expect(clean).toContain('<dd data-testid="report-split-policy">column: the catalog split column</dd>')
    expect(clean).not.toContain('report-leakage')
    const report = handMadeReport()
    const leaky = reportHtml(
      {
        ...report,
        run: { ...report.run, splitPolicy: 'random' },
        leakage: {
          groups: [{ group: 'ann <b>', train: 3, test: 2, labels: ['bird'] }],
          duplicates: [],
          leakingTestClips: 2,
          summary: '1 group has clips in both training and test (ann <b>) — scores will be optimistic',
        },
      },
      new Date(),
    )
    expect(leaky).toContain('random: a stratified random draw')
    expect(leaky).toMatch(
      /data-testid="report-leakage"><strong>Leakage:<\/strong> 1 group has clips in both training and test \(ann &#60;b&#62;\) — scores will be optimistic \(2 test clips affected\)/,
    )
  })
})

describe('run reports of a trained run', { timeout: 180_000 }, () => {
  it('writes the four files from the run’s stored predictions, with the numbers the run recorded', async () => {
    const t = testService()
    try {
      const audio = join(t.dir, 'audio')
      writeToneClasses(audio, 10)
      const imported = await t.call<JobInfo>('import:start', { source: audio })
      expect((await t.service.jobs.wait(imported.id)).state).toBe('done')
      const job = await t.call<JobInfo>('train:start', { model: 'rf', params: { trees: 15 }, seed: 2 })
      expect((await t.service.jobs.wait(job.id)).error).toBeNull()
      const { result } = await t.call<{ result: TrainSummary }>('jobs:get', { id: job.id })
      const run = await t.call<RunDetail>('runs:get', { id: result.runId })

      const out = join(tempDir(), 'report')
      const { files } = await t.call<{ files: string[] }>('runs:report', { id: run.id, out })
      expect(files).toEqual(['metrics.json', 'metrics.csv', 'predictions.csv', 'report.html'].map((f) => join(out, f)))
      const stored = run.metrics.test!
      const json = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) as Record<string, unknown>
      expect(json).toMatchObject({
        labels: stored.labels,
        accuracy: stored.accuracy,
        balancedAccuracy: stored.balancedAccuracy,
        topK: stored.topK,
        perClass: stored.perClass,
        confusion: stored.confusion,
      })

      const evaluation = await t.call<RunEvaluation>('runs:evaluation', { id: run.id })
      expect(evaluation.predictions).toHaveLength(run.clipCounts.test!)
      const predictions = readCsv(readFileSync(join(out, 'predictions.csv'), 'utf8'))
      expect(predictions.slice(1).map((r) => r[0])).toEqual(evaluation.predictions.map((p) => p.path))
      expect(readFileSync(join(out, 'report.html'), 'utf8').match(/<g class="cell"/g)).toHaveLength(9)

      await expect(t.call('runs:report', { id: run.id, split: 'val', out })).rejects.toMatchObject({
        code: 'not-found',
        message: expect.stringMatching(/no predictions on the val split/),
      })
    } finally {
      await t.service.close()
    }
  })
})
