// Sweeps of deep models: successive halving with epochs as the budget, cross-validated on
// the sweep's worker threads, on three tone classes a small CNN separates in a few epochs.
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { JobInfo } from '../../../src/shared/domain'
import type { SweepInfo, SweepableModel } from '../../../src/shared/sweeps'
import { testService } from '../../helpers/service'
import { writeToneClasses } from '../../helpers/tone-classes'

let close: (() => Promise<void>) | undefined
afterEach(async () => close?.())

async function project() {
  const t = testService()
  close = () => t.service.close()
  writeToneClasses(join(t.dir, 'audio'), 10)
  const imported = await t.call<JobInfo>('import:start', { source: join(t.dir, 'audio') })
  expect((await t.service.jobs.wait(imported.id)).state).toBe('done')
  return t
}

describe('deep-model sweeps', { timeout: 600_000 }, () => {
  it('halves CNN configurations on epochs, cross-validated, and the best trial has the highest mean score', async () => {
    const { call, service } = await project()
    const models = await call<SweepableModel[]>('sweeps:models', {})
    expect(models.map((m) => m.model)).toEqual(expect.arrayContaining(['rf', 'gbdt', 'cnn', 'crnn', 'lstm']))
    expect(models.find((m) => m.model === 'cnn')!.parameters.map((p) => p.name)).toContain('learningRate')

    const started = await call<{ sweepId: number; job: JobInfo }>('sweeps:start', {
      spec: {
        model: 'cnn',
        strategy: 'halving',
        trials: 3,
        seed: 2,
        cv: { kind: 'stratified', folds: 2 },
        metric: 'accuracy',
        space: { learningRate: { logUniform: [0.001, 0.01] }, dropout: [0.1, 0.4] },
        // A budget of six epochs on 15 clips: the batch-level frequency warp, on by default for
        // voices, would need more, and these tones are told apart by their pitch.
        fixed: { batchSize: 8, denseUnits: 16, kernelSize: 3, patience: null, freqWarp: 0 },
        halving: { parameter: 'epochs', minBudget: 2, maxBudget: 6, eta: 3 },
      },
      workers: 2,
    })
    const finished = await service.jobs.wait(started.job.id)
    expect(finished.error).toBeNull()
    const sweep = await call<SweepInfo>('sweeps:get', { id: started.sweepId })
    expect(sweep.state).toBe('done')
    // Rung 0: three configurations at 2 epochs; rung 1: the best one at 6.
    const byRung = [0, 1].map((r) => sweep.trials.filter((t) => t.rung === r))
    expect(byRung[0]!.map((t) => t.params['epochs'])).toEqual([2, 2, 2])
    expect(byRung[1]!.map((t) => t.params['epochs'])).toEqual([6])
    for (const t of sweep.trials) {
      expect(t.state).toBe('done')
      expect(t.folds).toHaveLength(2)
      expect(t.score).toBeCloseTo(t.folds.reduce((a, b) => a + b, 0) / 2, 12)
    }
    const promoted = byRung[1]![0]!
    const bestOfRung0 = [...byRung[0]!].sort((a, b) => (b.score ?? 0) - (a.score ?? 0))[0]!
    expect(promoted.number).toBe(bestOfRung0.number)
    expect(sweep.best!.score).toBe(Math.max(...sweep.trials.map((t) => t.score ?? -1)))
    // Six epochs of a CNN on these tones tell them apart.
    expect(promoted.score).toBeGreaterThanOrEqual(0.8)
  })

  it('sweeps a parameter that takes a list: each trial holds one of the lists, and trains with it', async () => {
    const { call, service } = await project()
    const started = await call<{ sweepId: number; job: JobInfo }>('sweeps:start', {
      spec: {
        model: 'cnn',
        strategy: 'grid',
        trials: 2,
        cv: { kind: 'holdout', testFraction: 0.3 },
        space: { filters: [[4], [4, 8]] },
        fixed: { epochs: 1, batchSize: 8, denseUnits: 8, patience: null },
      },
    })
    expect((await service.jobs.wait(started.job.id)).error).toBeNull()
    const sweep = await call<SweepInfo>('sweeps:get', { id: started.sweepId })
    expect(sweep.trials.map((t) => [t.state, t.params['filters']])).toEqual([
      ['done', [4]],
      ['done', [4, 8]],
    ])
    expect(sweep.spec.space).toEqual({ filters: [[4], [4, 8]] })
  })

  it('refuses a deep parameter the model does not have, before any trial runs', async () => {
    const { call } = await project()
    await expect(
      call('sweeps:start', { spec: { model: 'lstm', strategy: 'grid', space: { filters: [8, 16] } } }),
    ).rejects.toMatchObject({
      code: 'invalid-input',
      message: expect.stringMatching(/lstm has no parameter "filters"/),
    })
    // A list-valued parameter: its choices are lists, each checked as the model checks it.
    await expect(
      call('sweeps:start', { spec: { model: 'cnn', space: { filters: { int: [8, 32] } } } }),
    ).rejects.toMatchObject({
      code: 'invalid-input',
      message: expect.stringMatching(/filters takes a list of numbers: give choices of lists/),
    })
    await expect(
      call('sweeps:start', {
        spec: {
          model: 'cnn',
          space: {
            filters: [
              [8, 16],
              [8, 0],
            ],
          },
        },
      }),
    ).rejects.toMatchObject({
      code: 'invalid-input',
      message: expect.stringMatching(/\[8,0\] is not a valid filters/),
    })
  })
})
