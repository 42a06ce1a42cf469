import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { JobInfo } from '../../../src/shared/domain'
import type {
  RunDetail,
  RunInfo,
  RunPrediction,
  RunSplitEvaluation,
  TrainSummary,
} from '../../../src/shared/evaluation'
import { mulberry32 } from '../../../src/main/core/models/trees/random'
import { predictFiles } from '../../../src/main/core/runs'
import { testService } from '../../helpers/service'
import { encodeWav } from '../../helpers/wav-writer'

let close: (() => Promise<void>) | undefined
afterEach(async () => close?.())

/**
 * Two classes a summary vector tells apart: a low hum (220-300 Hz) and a high whistle
 * (1.5-2.5 kHz), each with some noise, 0.4 s at 8 kHz. 24 clips of each, in dog/ and bird/.
 */
function writeClips(root: string): string[] {
  const random = mulberry32(5)
  const files: string[] = []
  for (const [label, low, high] of [
    ['hum', 220, 300],
    ['whistle', 1500, 2500],
  ] as const) {
    mkdirSync(join(root, label), { recursive: true })
    for (let i = 0; i < 24; i++) {
      const f = low + (high - low) * random()
      const samples = Float32Array.from(
        { length: 3200 },
        (_, t) => 0.5 * Math.sin((2 * Math.PI * f * t) / 8000) + 0.05 * (random() * 2 - 1),
      )
      const path = join(root, label, `${label}${i}.wav`)
      writeFileSync(path, encodeWav([samples], 8000))
      files.push(path)
    }
  }
  return files
}

async function project() {
  const t = testService()
  close = () => t.service.close()
  const audio = join(t.dir, 'audio')
  const files = writeClips(audio)
  const call = async <T>(method: string, input: unknown): Promise<T> => {
    const result = await t.dispatch(method as never, input as never)
    if (!result.ok) throw Object.assign(new Error(result.error.message), { code: result.error.code })
    return result.value as T
  }
  const imported = await call<JobInfo>('import:start', { source: audio })
  expect((await t.service.jobs.wait(imported.id)).state).toBe('done')
  const train = async (input: Record<string, unknown>) => {
    const job = await call<JobInfo>('train:start', input)
    const finished = await t.service.jobs.wait(job.id)
    expect(finished.error).toBeNull()
    return (await call<{ result: TrainSummary }>('jobs:get', { id: job.id })).result
  }
  return { ...t, files, call, train }
}

// Worker threads start through tsx's loader here, and the two cores are shared: generous timeouts.
describe('training runs', { timeout: 180_000 }, () => {
  it('trains, records the run with its clips, metrics and predictions, and saves a model that predicts files', async () => {
    const { call, train, files, projectPath } = await project()
    const summary = await train({ model: 'rf', params: { trees: 25 }, seed: 3 })
    expect(summary).toMatchObject({ model: 'rf', engine: 'js', epochs: null, metrics: { accuracy: 1, macroF1: 1 } })
    expect(summary.seconds).toBeGreaterThan(0)

    const runs = await call<RunInfo[]>('runs:list', {})
    expect(runs).toHaveLength(1)
    const run = await call<RunDetail>('runs:get', { id: summary.runId })
    expect(run).toMatchObject({
      state: 'done',
      model: 'rf',
      labels: ['hum', 'whistle'],
      seed: 3,
      // No clip has a split in the catalog: 20% of each class drawn to test.
      clipCounts: { train: 38, test: 10 },
      accuracy: 1,
      outdatedLabels: 0,
    })
    expect(run.params).toMatchObject({ trees: 25, seed: 3, maxFeatures: 'sqrt', maxDepth: null })
    expect(run.splitMethod).toMatch(/stratified draw of 20% to test \(seed 3\)/)
    expect(run.featureHash).toMatch(/^[0-9a-f]{16}$/)
    expect(run.featureConfig).toMatchObject({ sampleRate: 8000, nFft: 256, hop: 64, nMfcc: 20 })
    expect(run.featureNames).toHaveLength(104)
    expect(run.featureNames[0]).toBe('mfcc_0_mean')
    expect(Object.keys(run.metrics).sort()).toEqual(['test', 'train'])
    expect(run.metrics.test!.confusion).toEqual([
      [5, 0],
      [0, 5],
    ])
    expect(run.timings).toMatchObject({
      features: expect.any(Number),
      fit: expect.any(Number),
      total: expect.any(Number),
    })
    expect(run.modelPath).toBe(join(dirname(projectPath), 'test runs', `run-${summary.runId}`, 'model.json'))

    // Predictions of one confusion cell, with the top probabilities.
    const cell = await call<{ rows: RunPrediction[]; total: number }>('runs:predictions', {
      id: summary.runId,
      true: 'whistle',
      predicted: 'whistle',
    })
    expect(cell.total).toBe(5)
    expect(cell.rows[0]).toMatchObject({ split: 'test', true: 'whistle', predicted: 'whistle', currentLabel: null })
    expect(cell.rows[0]!.top[0]!.label).toBe('whistle')
    expect(cell.rows[0]!.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9)
    const empty = await call<{ total: number }>('runs:predictions', {
      id: summary.runId,
      true: 'hum',
      predicted: 'whistle',
    })
    expect(empty.total).toBe(0)
    const uncertain = await call<{ rows: RunPrediction[] }>('runs:predictions', { id: summary.runId, order: 'margin' })
    const margins = uncertain.rows.map((r) => Math.abs(r.probabilities[0]! - r.probabilities[1]!))
    expect(margins).toEqual([...margins].sort((a, b) => a - b))

    const evaluation = await call<RunSplitEvaluation>('runs:metrics', { id: summary.runId })
    expect(evaluation.metrics.accuracy).toBe(1)
    expect(evaluation.curves.map((c) => c.label)).toEqual(['hum', 'whistle'])
    expect(evaluation.curves[0]!.averagePrecision).toBe(1)
    expect(evaluation.labelIssues).toEqual([])

    // The saved model predicts the audio files the same way the run did.
    const cellPaths = cell.rows.map((r) => r.path)
    const predicted = await predictFiles(run.modelPath!, cellPaths, { workers: 1 })
    expect(predicted.labels).toEqual(['hum', 'whistle'])
    predicted.predictions.forEach((p, i) => {
      expect(p.predicted).toBe('whistle')
      expect(p.probabilities['whistle']).toBeCloseTo(cell.rows[i]!.probabilities[1]!, 12)
    })
    expect(files).toEqual(expect.arrayContaining(cellPaths))
  })

  it('says a run is trained on outdated labels once a clip it used is relabelled', async () => {
    const { call, train, service } = await project()
    const { runId } = await train({ model: 'gbdt', params: { maxIter: 10, minSamplesLeaf: 2 } })
    const [test] = (await call<{ rows: RunPrediction[] }>('runs:predictions', { id: runId, true: 'hum', limit: 1 }))
      .rows
    const classes = service.catalog().db.prepare('SELECT id, name FROM classes').all() as { id: number; name: string }[]
    const whistle = classes.find((c) => c.name === 'whistle')!.id
    await call('labels:assign', { clipId: test!.clipId, classId: whistle })
    expect((await call<RunInfo[]>('runs:list', {}))[0]!.outdatedLabels).toBe(1)
    const again = (await call<{ rows: RunPrediction[] }>('runs:predictions', { id: runId, true: 'hum', limit: 1 }))
      .rows[0]
    expect(again).toMatchObject({ clipId: test!.clipId, true: 'hum', currentLabel: 'whistle' })
  })

  it('marks a cancelled run as cancelled', async () => {
    const { call, service } = await project()
    const job = await call<JobInfo>('train:start', { model: 'rf', params: { trees: 50 } })
    await call('jobs:cancel', { id: job.id })
    expect((await service.jobs.wait(job.id)).state).toBe('cancelled')
    const [run] = await call<RunInfo[]>('runs:list', {})
    expect(run).toMatchObject({ state: 'cancelled', modelPath: null, error: null, jobId: job.id })
  })

  it('refuses bad hyperparameters before starting a job, and removes a run with its files', async () => {
    const { call, train, dispatch } = await project()
    const bad = await dispatch('train:start', { model: 'rf', params: { tres: 10 } })
    expect(bad.ok).toBe(false)
    if (!bad.ok) {
      expect(bad.error.code).toBe('invalid-input')
      expect(bad.error.message).toMatch(/tres/)
    }
    expect(await call<JobInfo[]>('jobs:list', {})).toHaveLength(1) // the import only

    const { runId } = await train({ model: 'rf', params: { trees: 5 }, seed: 1 })
    const run = await call<RunDetail>('runs:get', { id: runId })
    const out = join(dirname(run.modelPath!), '..', 'exported')
    const { files } = await call<{ files: string[] }>('runs:export', { id: runId, out })
    expect(files.map((f) => f.split('/').pop())).toEqual(['model.json', 'labels.json', 'features.json', 'run.json'])
    expect(JSON.parse(readFileSync(join(out, 'labels.json'), 'utf8'))).toEqual(['hum', 'whistle'])
    expect(JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'))).toMatchObject({
      format: 'earmark-tree-model',
      model: 'rf',
    })

    await call('runs:remove', { id: runId })
    expect(existsSync(dirname(run.modelPath!))).toBe(false)
    expect(existsSync(out)).toBe(true)
    expect(await call<RunInfo[]>('runs:list', {})).toEqual([])
    const gone = await dispatch('runs:get', { id: runId })
    expect(gone.ok ? null : gone.error.code).toBe('not-found')
  })
})
