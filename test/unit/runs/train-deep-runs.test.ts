// Deep-model runs through the service: a CNN trained as a job in the training worker, its
// epochs recorded as they end and streamed as job:metrics events, its predictions and metrics kept
// like a tree run's; a cancelled run resumes under the same id; a run whose clips changed is refused.
import { existsSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import type { JobMetricsEvent } from '../../../src/shared/contract'
import type { JobInfo } from '../../../src/shared/domain'
import type { UnlabeledPage } from '../../../src/shared/active-learning'
import type { RunDetail, RunInfo, RunPrediction, TrainSummary } from '../../../src/shared/evaluation'
import { predictFiles } from '../../../src/main/core/runs'
import { writeAudioGraphModel } from '../../helpers/graph-models'
import { testService } from '../../helpers/service'
import { writeToneClasses } from '../../helpers/tone-classes'

let close: (() => Promise<void>) | undefined
afterEach(async () => close?.())

async function project(perClass = 16) {
  const t = testService()
  close = () => t.service.close()
  const audio = join(t.dir, 'audio')
  const files = writeToneClasses(audio, perClass)
  const imported = await t.call<JobInfo>('import:start', { source: audio })
  expect((await t.service.jobs.wait(imported.id)).state).toBe('done')
  return { ...t, files }
}

/** A CNN small enough to train in seconds on two cores. */
const SMALL_CNN = { epochs: 4, batchSize: 8, filters: [8, 16], denseUnits: 16, patience: null }

describe('deep-model runs', { timeout: 300_000 }, () => {
  it('trains a CNN as a job, records every epoch, streams live metrics, evaluates and saves a model that predicts files', async () => {
    const { call, service, files, projectPath } = await project()
    const metrics: JobMetricsEvent[] = []
    const logs: string[] = []
    service.events.on('job:metrics', (e) => metrics.push(e))
    service.events.on('job:log', (e) => logs.push(e.message))

    const job = await call<JobInfo>('train:start', { model: 'cnn', params: { ...SMALL_CNN, epochs: 8 }, seed: 2 })
    const finished = await service.jobs.wait(job.id)
    expect(finished.error).toBeNull()
    const summary = (await call<{ result: TrainSummary }>('jobs:get', { id: job.id })).result
    expect(summary).toMatchObject({ model: 'cnn', epochs: 8 })
    expect(['tensorflow', 'wasm', 'cpu']).toContain(summary.engine)
    expect(logs.some((l) => l.startsWith(`training on ${summary.engine} (TensorFlow.js `))).toBe(true)

    const run = await call<RunDetail>('runs:get', { id: summary.runId })
    expect(run).toMatchObject({
      state: 'done',
      model: 'cnn',
      engine: summary.engine,
      labels: ['chirp', 'hum', 'whistle'],
    })
    expect(run.params).toMatchObject({ ...SMALL_CNN, epochs: 8, seed: 2, head: 'timePool' })
    // The project's default image set: log-mels at the clips' rate, cut or padded to one second.
    expect(run.featureSet).toMatchObject({
      name: 'default-image',
      pipeline: [
        { step: 'resample', sampleRate: 8000 },
        { step: 'fixLength', seconds: 1 },
      ],
      config: { sampleRate: 8000, nMels: 64, features: ['logmel'] },
      input: { kind: 'image', feature: 'logmel', frames: 63 },
    })
    // 48 clips: 20% of each class to test (3 of 16), then 10% of each class's training clips to validation.
    expect(run.clipCounts.test).toBe(9)
    expect(run.clipCounts.val).toBeGreaterThanOrEqual(3)
    expect((run.clipCounts.train ?? 0) + (run.clipCounts.val ?? 0)).toBe(39)
    expect(run.splitMethod).toMatch(/held out for validation/)
    expect(run.history.map((h) => h.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    for (const h of run.history) {
      expect(h.values).toMatchObject({
        loss: expect.any(Number),
        accuracy: expect.any(Number),
        valLoss: expect.any(Number),
        valAccuracy: expect.any(Number),
      })
    }
    expect(run.history[7]!.values['loss']).toBeLessThan(run.history[0]!.values['loss']!)
    expect(run.accuracy).toBeGreaterThanOrEqual(0.75)
    expect(Object.keys(run.metrics).sort()).toEqual(['test', 'train', 'val'])

    // Live: every epoch as a whole step with its values, batches in between at fractional steps.
    const own = metrics.filter((m) => m.jobId === job.id)
    expect(own.filter((m) => Number.isInteger(m.step) && 'valLoss' in m.values).map((m) => m.step)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8,
    ])
    expect(own.some((m) => !Number.isInteger(m.step) && 'batchLoss' in m.values)).toBe(true)

    // Held-out clips carry their predictions, as a tree run's do.
    const test = await call<{ rows: RunPrediction[]; total: number }>('runs:predictions', {
      id: summary.runId,
      split: 'test',
      limit: 100,
    })
    expect(test.total).toBe(9)
    for (const row of test.rows) expect(row.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4)

    // The run folder: a TensorFlow.js model any tool loads, plus what predicting from audio needs; no checkpoint left.
    const folder = join(projectPath, '..', 'test runs', `run-${summary.runId}`)
    expect(run.modelPath).toBe(join(folder, 'model.json'))
    expect(readdirSync(folder).sort()).toEqual([
      'earmark-model.json',
      'features.json',
      'labels.json',
      'model.json',
      'weights.bin',
    ])
    const predicted = await predictFiles(folder, [files[0]!, join(folder, 'nope.wav')])
    expect(predicted.model).toBe('cnn')
    expect(predicted.labels).toEqual(['chirp', 'hum', 'whistle'])
    expect(predicted.predictions[0]!.predicted).toBe('hum')
    expect(predicted.predictions[1]).toMatchObject({ predicted: null, error: expect.any(String) })

    // Active learning with a deep run: unlabeled clips predicted in the training worker, most uncertain first.
    const pool = join(projectPath, '..', 'pool')
    const poolFiles = writeToneClasses(pool, 2, 99)
    const pooled = await call<JobInfo>('import:start', { source: pool, labelsFrom: { kind: 'none' } })
    expect((await service.jobs.wait(pooled.id)).state).toBe('done')
    const predicting = await call<JobInfo>('runs:predictUnlabeled', { id: summary.runId })
    expect((await service.jobs.wait(predicting.id)).error).toBeNull()
    const queue = await call<UnlabeledPage>('runs:unlabeled', { id: summary.runId, order: 'margin' })
    expect(queue.total).toBe(poolFiles.length)
    const margins = queue.rows.map((r) => r.margin)
    expect(margins).toEqual([...margins].sort((a, b) => a - b))
    const right = queue.rows.filter((r) => r.path.includes(`${join(pool, r.predicted)}/`)).length
    expect(right / queue.rows.length).toBeGreaterThanOrEqual(0.8)

    // Export carries the weights too.
    const out = join(projectPath, '..', 'export')
    const exported = await call<{ files: string[] }>('runs:export', { id: summary.runId, out })
    expect(exported.files.map((f) => f.slice(out.length + 1)).sort()).toEqual([
      'earmark-model.json',
      'features.json',
      'labels.json',
      'model.json',
      'run.json',
      'weights.bin',
    ])
  })

  it('transfers from a GraphModel that takes audio (as YAMNet), on 16 kHz samples it infers, and predicts files', async () => {
    const { call, service, files, projectPath } = await project(12)
    // 16 bands, 250 Hz apart at 16 kHz: a coarse spectrum that tells a hum from a whistle and a chirp.
    const base = join(projectPath, '..', 'yamnet-like')
    writeAudioGraphModel(base, 64, 1, 16)
    const logs: string[] = []
    const progress: string[] = []
    service.events.on('job:log', (e) => logs.push(e.message))
    service.events.on('job:progress', (e) => progress.push(e.message ?? ''))
    const job = await call<JobInfo>('train:start', {
      model: 'transfer',
      params: { baseModel: base, epochs: 20, batchSize: 8, learningRate: 0.01, patience: null },
      seed: 4,
    })
    const finished = await service.jobs.wait(job.id)
    expect(finished.error).toBeNull()
    const summary = (await call<{ result: TrainSummary }>('jobs:get', { id: job.id })).result
    const run = await call<RunDetail>('runs:get', { id: summary.runId })
    // No set given and the base says none: its samples, at 16 kHz, as long as the clips (0.5 s → 1 s).
    expect(run.featureSet).toMatchObject({
      name: 'default-waveform',
      pipeline: [
        { step: 'resample', sampleRate: 16000 },
        { step: 'fixLength', seconds: 1 },
      ],
      config: { sampleRate: 16000 },
      input: { kind: 'waveform', samples: 16000 },
    })
    // The frozen graph embeds every clip once (test clips too, for their predictions), and says so as it goes.
    expect(logs).toContain('the base model is frozen: each clip is embedded once, then the head trains')
    const embedded = (run.clipCounts.train ?? 0) + (run.clipCounts.val ?? 0) + (run.clipCounts.test ?? 0)
    expect(progress).toContain(`embedding ${embedded} of ${embedded} clips with the base model`)
    expect(run.accuracy).toBeGreaterThanOrEqual(0.8)
    const folder = join(projectPath, '..', 'test runs', `run-${summary.runId}`)
    const predicted = await predictFiles(folder, [files[0]!])
    expect(predicted.model).toBe('transfer')
    expect(predicted.predictions[0]!.predicted).toBe('hum')
    // Frequency masks need a frequency axis: refused before any job starts.
    await expect(
      call('train:start', { model: 'transfer', params: { baseModel: base, freqMasks: 1 } }),
    ).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringMatching(/waveform features have none/) })
    // So do frequency warps, which need mel bands in order: samples and MFCC sequences have none.
    const noBands = { code: 'invalid-input', message: expect.stringMatching(/freqWarp stretches mel bands/) }
    await expect(
      call('train:start', { model: 'transfer', params: { baseModel: base, freqWarp: 0.1 } }),
    ).rejects.toMatchObject(noBands)
    await expect(call('train:start', { model: 'lstm', params: { freqWarp: 0.1 } })).rejects.toMatchObject(noBands)
  })

  it('embeds each clip once per project with a frozen base: the next run reads the kept embeddings and trains alike', async () => {
    const { call, service, projectPath } = await project(8)
    const base = join(projectPath, '..', 'yamnet-like')
    writeAudioGraphModel(base, 64, 1, 16)
    const logs: string[] = []
    const progress: string[] = []
    service.events.on('job:log', (e) => logs.push(e.message))
    service.events.on('job:progress', (e) => progress.push(e.message ?? ''))
    const params = { baseModel: base, epochs: 4, batchSize: 8, learningRate: 0.01, patience: null }
    const train = async (): Promise<RunDetail> => {
      logs.length = 0
      progress.length = 0
      const job = await call<JobInfo>('train:start', { model: 'transfer', params, seed: 4 })
      expect((await service.jobs.wait(job.id)).error).toBeNull()
      const summary = (await call<{ result: TrainSummary }>('jobs:get', { id: job.id })).result
      return call<RunDetail>('runs:get', { id: summary.runId })
    }
    const losses = (run: RunDetail) => run.history.map((h) => [h.values['loss'], h.values['valLoss']])

    const first = await train()
    // Every clip, test clips too: their predictions come from the head on the same embeddings.
    const embedded = (first.clipCounts.train ?? 0) + (first.clipCounts.val ?? 0) + (first.clipCounts.test ?? 0)
    expect(progress).toContain(`embedding ${embedded} of ${embedded} clips with the base model`)
    expect(logs).toContain(`kept ${embedded} embeddings of the frozen base for later runs`)

    const second = await train()
    expect(logs).toContain(
      `${embedded} clips' embeddings by the frozen base kept from an earlier run: not computed again`,
    )
    expect(progress.filter((m) => m.startsWith('embedding'))).toEqual([])
    // The kept vectors are the base's own numbers: the same seed trains the same head.
    expect(losses(second)).toEqual(losses(first))
    expect(second.accuracy).toBe(first.accuracy)
    // Test clips, predicted by the head on their kept embeddings, get the same probabilities.
    const tested = async (run: RunDetail) =>
      (await call<{ rows: RunPrediction[] }>('runs:predictions', { id: run.id, split: 'test', limit: 100 })).rows.map(
        (r) => [r.clipId, r.probabilities],
      )
    expect((await tested(second)).length).toBe(second.clipCounts.test)
    expect(await tested(second)).toEqual(await tested(first))

    // And they are what the head trains on: scaled in the store, the next run learns otherwise.
    const db = new Database(projectPath)
    try {
      const rows = db.prepare('SELECT id, vector FROM embeddings').all() as { id: number; vector: Buffer }[]
      expect(rows).toHaveLength(embedded)
      const update = db.prepare('UPDATE embeddings SET vector = ? WHERE id = ?')
      for (const r of rows) {
        const v = new Float32Array(
          r.vector.buffer.slice(r.vector.byteOffset, r.vector.byteOffset + r.vector.byteLength),
        )
        update.run(Buffer.from(v.map((x) => 3 * x).buffer), r.id)
      }
    } finally {
      db.close()
    }
    const third = await train()
    expect(progress.filter((m) => m.startsWith('embedding'))).toEqual([])
    expect(losses(third)).not.toEqual(losses(first))
  })

  it('refuses bad hyperparameters and recipes before any job starts', async () => {
    const { call } = await project(4)
    await expect(call('train:start', { model: 'cnn', params: { epoch: 3 } })).rejects.toMatchObject({
      code: 'invalid-input',
      message: expect.stringMatching(/epoch/),
    })
    await expect(
      call('train:start', { model: 'lstm', features: { kind: 'mfcc', sampleRate: -1 } }),
    ).rejects.toMatchObject({ code: 'invalid-input', message: expect.stringMatching(/sampleRate/) })
    await expect(call('train:start', { model: 'transfer', params: { baseModel: '/nowhere' } })).rejects.toMatchObject({
      code: 'invalid-input',
      message: expect.stringMatching(/feature settings/),
    })
    expect(await call<RunInfo[]>('runs:list', {})).toEqual([])
  })

  it('cancels a run after an epoch, keeps its checkpoint, and resumes it under the same id to the end', async () => {
    const { call, service, projectPath } = await project()
    const params = { ...SMALL_CNN, epochs: 5 }
    const job = await call<JobInfo>('train:start', { model: 'cnn', params, seed: 4 })
    const stop = service.events.on('job:metrics', (e) => {
      if (e.jobId === job.id && e.step === 2 && 'valLoss' in e.values) void call('jobs:cancel', { id: job.id })
    })
    expect((await service.jobs.wait(job.id)).state).toBe('cancelled')
    stop()
    const [cancelled] = await call<RunInfo[]>('runs:list', {})
    expect(cancelled!.state).toBe('cancelled')
    const folder = join(projectPath, '..', 'test runs', `run-${cancelled!.id}`)
    expect(existsSync(join(folder, 'checkpoint'))).toBe(true)
    const before = (await call<RunDetail>('runs:get', { id: cancelled!.id })).history.length
    expect(before).toBeGreaterThanOrEqual(2)

    const logs: string[] = []
    service.events.on('job:log', (e) => logs.push(e.message))
    const resumed = await call<JobInfo>('train:resume', { id: cancelled!.id })
    const finished = await service.jobs.wait(resumed.id)
    expect(finished.error).toBeNull()
    expect(logs).toContain(`resumed after epoch ${before}`)
    const runs = await call<RunInfo[]>('runs:list', {})
    expect(runs).toHaveLength(1)
    const run = await call<RunDetail>('runs:get', { id: cancelled!.id })
    expect(run.state).toBe('done')
    expect(run.history.map((h) => h.epoch)).toEqual([1, 2, 3, 4, 5])
    expect(run.jobId).toBe(resumed.id)
    // A finished run does not resume.
    await expect(call('train:resume', { id: run.id })).rejects.toMatchObject({ code: 'conflict' })
  })

  it('refuses to resume a run whose clips changed since its checkpoint', async () => {
    const { call, service, files } = await project()
    const job = await call<JobInfo>('train:start', { model: 'cnn', params: { ...SMALL_CNN, epochs: 5 }, seed: 4 })
    const stop = service.events.on('job:metrics', (e) => {
      if (e.jobId === job.id && e.step === 1 && 'valLoss' in e.values) void call('jobs:cancel', { id: job.id })
    })
    await service.jobs.wait(job.id)
    stop()
    const [run] = await call<RunInfo[]>('runs:list', {})
    // A training clip's file goes: the data no longer matches the checkpoint's.
    rmSync(files[1]!)
    const resumed = await call<JobInfo>('train:resume', { id: run!.id })
    const finished = await service.jobs.wait(resumed.id)
    expect(finished.state).toBe('failed')
    expect(finished.error).toMatch(/checkpoint belongs to config [0-9a-f]{12}.*train a new run instead/)
    expect((await call<RunInfo[]>('runs:list', {}))[0]!.state).toBe('failed')
  })
})
