// Runs with per-clip normalisation and waveform augmentation, through the service: copies of the
// training clips only, the run's own predictions equal to what `predict` computes from the saved
// model (so prediction normalises as training did), and settings the inputs cannot take refused.
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { JobInfo } from '../../../src/shared/domain'
import type { RunDetail, RunPrediction, TrainSummary } from '../../../src/shared/evaluation'
import { predictFiles } from '../../../src/main/core/runs'
import { testService } from '../../helpers/service'
import { writeToneClasses } from '../../helpers/tone-classes'

let close: (() => Promise<void>) | undefined
afterEach(async () => close?.())

async function project() {
  const t = testService()
  close = () => t.service.close()
  const audio = join(t.dir, 'audio')
  writeToneClasses(audio, 10)
  const imported = await t.call<JobInfo>('import:start', { source: audio })
  expect((await t.service.jobs.wait(imported.id)).state).toBe('done')
  return t
}

const SMALL_CNN = { epochs: 2, batchSize: 8, filters: [8], denseUnits: 8, patience: null }

describe('normalised and augmented deep runs', { timeout: 300_000 }, () => {
  it('trains on the clips and their augmented copies, and predicts files as the run predicted its clips', async () => {
    const { call, service, projectPath } = await project()
    const logs: string[] = []
    service.events.on('job:log', (e) => logs.push(e.message))
    const params = { ...SMALL_CNN, normalize: 'cmvn', augmentCopies: 2, pitchShift: 1, gain: 6, noiseSnr: 20 }
    const job = await call<JobInfo>('train:start', { model: 'cnn', params, seed: 3 })
    const finished = await service.jobs.wait(job.id)
    expect(finished.error).toBeNull()
    const summary = (await call<{ result: TrainSummary }>('jobs:get', { id: job.id })).result
    const run = await call<RunDetail>('runs:get', { id: summary.runId })
    expect(run.params).toMatchObject(params)
    const train = run.clipCounts.train ?? 0
    expect(logs.some((l) => l.startsWith(`made ${2 * train} augmented copies of ${train} training clips`))).toBe(true)
    // The copies trained but are no clips of the run: its clips and metrics are the clips'.
    expect((run.clipCounts.train ?? 0) + (run.clipCounts.val ?? 0) + (run.clipCounts.test ?? 0)).toBe(30)

    const test = await call<{ rows: RunPrediction[] }>('runs:predictions', {
      id: summary.runId,
      split: 'test',
      limit: 100,
    })
    const folder = join(projectPath, '..', 'test runs', `run-${summary.runId}`)
    const predicted = await predictFiles(
      folder,
      test.rows.map((r) => r.path),
    )
    test.rows.forEach((row, i) => {
      const probabilities = predicted.predictions[i]?.probabilities ?? {}
      run.labels.forEach((label, k) => expect(probabilities[label]).toBeCloseTo(row.probabilities[k] as number, 4))
    })

    // A transfer run on this model must normalise its inputs as the base learnt them.
    await expect(call('train:start', { model: 'transfer', params: { baseModel: folder }, seed: 1 })).rejects.toThrow(
      /trained on inputs with normalize=cmvn: train with normalize=cmvn too/,
    )
  })

  it('refuses PCEN on MFCC inputs and copies with nothing to vary, before any job', async () => {
    const { call } = await project()
    await expect(call('train:start', { model: 'lstm', params: { normalize: 'pcen' }, seed: 1 })).rejects.toThrow(
      /only on log-mel inputs/,
    )
    await expect(
      call('train:start', { model: 'cnn', params: { augmentCopies: 1, pitchShift: 0, speed: 0, vtlp: 0 }, seed: 1 }),
    ).rejects.toThrow(/no waveform augmentation is set/)
  })
})
