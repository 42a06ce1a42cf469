import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { JobInfo } from '../../../src/shared/domain'
import type { SweepInfo, SweepableModel, SweepTrial } from '../../../src/shared/sweeps'
import { sweepSpecSchema } from '../../../src/shared/sweep-spec'
import {
  cancelTrial,
  claimTrial,
  createSweep,
  finishTrial,
  getSweep,
  queueTrials,
  requeueUnfinished,
} from '../../../src/main/core/catalog/sweeps'
import { mulberry32 } from '../../../src/main/core/models/trees/random'
import { seededCatalog } from '../../helpers/catalog'
import { testService } from '../../helpers/service'
import { encodeWav } from '../../helpers/wav-writer'

let close: (() => Promise<void>) | undefined
afterEach(async () => close?.())

/** Two tone classes a summary vector tells apart, 16 clips each, 0.3 s at 8 kHz. */
function writeClips(root: string): void {
  const random = mulberry32(9)
  for (const [label, low, high] of [
    ['hum', 200, 300],
    ['whistle', 1500, 2500],
  ] as const) {
    mkdirSync(join(root, label), { recursive: true })
    for (let i = 0; i < 16; i++) {
      const f = low + (high - low) * random()
      const samples = Float32Array.from(
        { length: 2400 },
        (_, t) => 0.5 * Math.sin((2 * Math.PI * f * t) / 8000) + 0.05 * (random() * 2 - 1),
      )
      writeFileSync(join(root, label, `${label}${i}.wav`), encodeWav([samples], 8000))
    }
  }
}

describe('cancelling one trial in the catalog', () => {
  const spec = sweepSpecSchema.parse({ model: 'rf', strategy: 'grid', space: { trees: [1, 2, 3] } })

  it('skips a queued trial, keeps a running one cancelled when its result arrives, and resume leaves both', () => {
    const { db } = seededCatalog(['a', 'b'], 0)
    const sweepId = createSweep(db, spec)
    queueTrials(
      db,
      sweepId,
      [0, 1, 2].map((number) => ({ number, params: { trees: number + 1 } })),
    )
    const running = claimTrial(db, sweepId, 0) as SweepTrial
    const queued = getSweep(db, sweepId).trials[2] as SweepTrial

    expect(cancelTrial(db, sweepId, queued.id)).toMatchObject({ state: 'cancelled', error: 'cancelled by the user' })
    expect(cancelTrial(db, sweepId, running.id).state).toBe('cancelled')
    // The worker's answer came too late: the trial stays cancelled, with no score.
    finishTrial(db, running.id, { folds: [1, 1, 1], seconds: 1 })
    // Trial 1 is claimed next, never the cancelled trial 2.
    expect(claimTrial(db, sweepId, 0)?.number).toBe(1)
    expect(claimTrial(db, sweepId, 0)).toBeNull()

    // A restart requeues what was running (trial 1), not what the user cancelled.
    expect(requeueUnfinished(db, sweepId)).toBe(1)
    const states = getSweep(db, sweepId).trials.map((t) => [t.number, t.state, t.score])
    expect(states).toEqual([
      [0, 'cancelled', null],
      [1, 'queued', null],
      [2, 'cancelled', null],
    ])
  })

  it('refuses a finished trial and an unknown one', () => {
    const { db } = seededCatalog(['a', 'b'], 0)
    const sweepId = createSweep(db, spec)
    queueTrials(db, sweepId, [{ number: 0, params: { trees: 1 } }])
    const trial = claimTrial(db, sweepId, 0) as SweepTrial
    finishTrial(db, trial.id, { folds: [0.5, 1], seconds: 1 })
    expect(() => cancelTrial(db, sweepId, trial.id)).toThrow(/is done: only queued or running/)
    expect(() => cancelTrial(db, sweepId, 999)).toThrow(/not found|no /i)
  })
})

// Worker threads start through tsx's loader here, and the two cores are shared: generous timeouts.
describe('sweeps:cancelTrial on a running sweep', { timeout: 180_000 }, () => {
  it('stops the running trial and skips a queued one while the other trials finish', async () => {
    const t = testService()
    close = () => t.service.close()
    const call = async <T>(method: string, input: unknown): Promise<T> => {
      const result = await t.dispatch(method as never, input as never)
      if (!result.ok) throw Object.assign(new Error(result.error.message), { code: result.error.code })
      return result.value as T
    }
    const audio = join(t.dir, 'audio')
    writeClips(audio)
    const imported = await call<JobInfo>('import:start', { source: audio })
    expect((await t.service.jobs.wait(imported.id)).state).toBe('done')

    // Trial 0 is slow (many deep trees), so it is still running when cancelled; one lane runs them in order.
    const started = await call<{ sweepId: number; job: JobInfo }>('sweeps:start', {
      spec: { model: 'rf', strategy: 'grid', cv: { kind: 'stratified', folds: 2 }, space: { trees: [20000, 3, 4, 5] } },
      workers: 1,
    })
    const { sweepId } = started
    const trialOf = async (n: number): Promise<SweepTrial> =>
      (await call<SweepInfo>('sweeps:get', { id: sweepId })).trials.find((x) => x.number === n) as SweepTrial
    await expect.poll(async () => (await trialOf(0)).state, { timeout: 120_000, interval: 100 }).toBe('running')
    const third = await trialOf(2)
    expect(third.state).toBe('queued')

    await expect(call('sweeps:cancelTrial', { sweepId, trialId: third.id })).resolves.toMatchObject({
      state: 'cancelled',
    })
    const cancelledAt = Date.now()
    await call('sweeps:cancelTrial', { sweepId, trialId: (await trialOf(0)).id })

    const job = await t.service.jobs.wait(started.job.id)
    expect(job.state).toBe('done')
    // The slow trial's worker was stopped, not waited for.
    expect(Date.now() - cancelledAt).toBeLessThan(60_000)
    const sweep = await call<SweepInfo>('sweeps:get', { id: sweepId })
    expect(sweep.state).toBe('done')
    expect(sweep.trials.map((x) => [x.number, x.state, x.attempts])).toEqual([
      [0, 'cancelled', 1],
      [1, 'done', 1],
      [2, 'cancelled', 0],
      [3, 'done', 1],
    ])
    expect(sweep.best?.number).toBeOneOf([1, 3])
    await expect(call('sweeps:cancelTrial', { sweepId, trialId: (await trialOf(1)).id })).rejects.toThrow(/is done/)
  })

  it('lists the sweepable models with their parameters, and refuses a spec naming an unknown one', async () => {
    const { service, call } = testService()
    close = () => service.close()
    const models = await call<SweepableModel[]>('sweeps:models', {})
    // Trees and the deep models (transfer learning's base model is a folder, not a value to sweep).
    expect(models.map((m) => m.model)).toEqual(['rf', 'gbdt', 'cnn', 'crnn', 'lstm'])
    const rf = (models[0] as SweepableModel).parameters
    expect(rf.find((p) => p.name === 'trees')).toMatchObject({ numeric: 'int', min: 1, max: null, default: 100 })
    expect(rf.find((p) => p.name === 'maxDepth')).toMatchObject({ numeric: 'int', choices: [null], default: null })
    expect(rf.find((p) => p.name === 'maxFeatures')).toMatchObject({
      numeric: 'float',
      exclusiveMin: true,
      choices: ['sqrt', 'log2'],
    })
    expect(rf.some((p) => p.name === 'seed')).toBe(false)
    const gbdt = (models[1] as SweepableModel).parameters
    expect(gbdt.find((p) => p.name === 'learningRate')).toMatchObject({ numeric: 'float', min: 0, exclusiveMin: true })
    expect(gbdt.find((p) => p.name === 'earlyStopping')?.choices).toEqual(['auto', true, false])

    const bad = (space: Record<string, unknown>) => call('sweeps:start', { spec: { model: 'rf', space } })
    await expect(bad({ tress: [1, 2] })).rejects.toThrow(/rf has no parameter "tress"/)
    await expect(bad({ trees: [0, 10] })).rejects.toThrow(/0 is not a valid trees/)
    await expect(bad({ trees: { float: [1, 10] } })).rejects.toThrow(/trees takes whole numbers/)
  })
})
