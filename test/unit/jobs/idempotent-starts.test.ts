import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { JobInfo } from '../../../src/shared/domain'
import type { JobDetail, ListedJob } from '../../../src/shared/jobs'
import type { RunInfo } from '../../../src/shared/evaluation'
import type { SweepInfo } from '../../../src/shared/sweeps'
import { createJob, startJob } from '../../../src/main/core/catalog/jobs'
import { mulberry32 } from '../../../src/main/core/models/trees/random'
import { testService } from '../../helpers/service'
import { encodeWav } from '../../helpers/wav-writer'

let close: (() => Promise<void>) | undefined
afterEach(async () => close?.())

/** A hum and a whistle, 12 clips of each, 0.4 s at 8 kHz: enough for a forest and a sweep. */
function writeClips(root: string): void {
  const random = mulberry32(9)
  for (const [label, low, high] of [
    ['hum', 220, 300],
    ['whistle', 1500, 2500],
  ] as const) {
    mkdirSync(join(root, label), { recursive: true })
    for (let i = 0; i < 12; i++) {
      const f = low + (high - low) * random()
      const samples = Float32Array.from(
        { length: 3200 },
        (_, t) => 0.5 * Math.sin((2 * Math.PI * f * t) / 8000) + 0.05 * (random() * 2 - 1),
      )
      writeFileSync(join(root, label, `${label}${i}.wav`), encodeWav([samples], 8000))
    }
  }
}

async function project() {
  const t = testService()
  close = () => t.service.close()
  const audio = join(t.dir, 'audio')
  writeClips(audio)
  const imported = await t.call<JobInfo>('import:start', { source: audio })
  expect((await t.service.jobs.wait(imported.id)).state).toBe('done')
  const jobsOf = async (kind: string) => (await t.call<ListedJob[]>('jobs:list', {})).filter((j) => j.kind === kind)
  return { ...t, audio, jobsOf }
}

const forest = { model: 'rf', params: { trees: 5 }, seed: 1 }
const sweep = {
  spec: { model: 'rf', strategy: 'grid', cv: { kind: 'stratified', folds: 2 }, space: { trees: [3, 4] } },
}

describe('idempotent job starts', { timeout: 120_000 }, () => {
  it('two concurrent identical training starts make one job and one run', async () => {
    const { call, service, jobsOf } = await project()
    const [a, b] = await Promise.all([call<JobInfo>('train:start', forest), call<JobInfo>('train:start', forest)])
    expect(b.id).toBe(a.id)
    await service.jobs.wait(a.id)
    expect((await jobsOf('train')).map((j) => j.id)).toEqual([a.id])
    expect(await call<RunInfo[]>('runs:list', {})).toHaveLength(1)
  })

  it('a start with a key already used returns that job, even after it has ended', async () => {
    const { call, service, jobsOf } = await project()
    const keyed = { ...forest, idempotencyKey: 'click-0001' }
    const [a, b] = await Promise.all([call<JobInfo>('train:start', keyed), call<JobInfo>('train:start', keyed)])
    expect(b.id).toBe(a.id)
    expect((await service.jobs.wait(a.id)).state).toBe('done')
    const again = await call<JobInfo>('train:start', keyed)
    expect(again).toMatchObject({ id: a.id, state: 'done' })
    expect(await jobsOf('train')).toHaveLength(1)
  })

  it('an identical start while the first runs returns it; once it has ended, a new one starts', async () => {
    const { call, service, jobsOf } = await project()
    const first = await call<JobInfo>('train:start', { ...forest, idempotencyKey: 'click-0001' })
    // Another click (another key) of the same form while the run trains.
    const second = await call<JobInfo>('train:start', { ...forest, idempotencyKey: 'click-0002' })
    expect(second.id).toBe(first.id)
    await service.jobs.wait(first.id)
    // A different request is its own job at once.
    const other = await call<JobInfo>('train:start', { ...forest, seed: 2 })
    expect(other.id).not.toBe(first.id)
    await service.jobs.wait(other.id)
    const third = await call<JobInfo>('train:start', forest)
    expect(third.id).not.toBe(first.id)
    await service.jobs.wait(third.id)
    expect(await jobsOf('train')).toHaveLength(3)
  })

  it('two concurrent identical sweep starts make one sweep and one job', async () => {
    const { call, service, jobsOf } = await project()
    const [a, b] = await Promise.all([
      call<{ sweepId: number; job: JobInfo }>('sweeps:start', { ...sweep, idempotencyKey: 'sweep-click-1' }),
      call<{ sweepId: number; job: JobInfo }>('sweeps:start', { ...sweep, idempotencyKey: 'sweep-click-2' }),
    ])
    expect(b).toMatchObject({ sweepId: a.sweepId, job: { id: a.job.id } })
    await service.jobs.wait(a.job.id)
    expect(await call<SweepInfo[]>('sweeps:list', {})).toHaveLength(1)
    expect((await jobsOf('sweep')).map((j) => j.sweepId)).toEqual([a.sweepId])
    // The same key later answers with the same sweep, read back from the job's parameters.
    const again = await call<{ sweepId: number; job: JobInfo }>('sweeps:start', {
      ...sweep,
      idempotencyKey: 'sweep-click-1',
    })
    expect(again).toMatchObject({ sweepId: a.sweepId, job: { id: a.job.id, state: 'done' } })
  })

  it('imports and maps are idempotent by key too', async () => {
    const { call, service, jobsOf, audio } = await project()
    const imports = await Promise.all([
      call<JobInfo>('import:start', { source: audio, idempotencyKey: 'import-click' }),
      call<JobInfo>('import:start', { source: audio, idempotencyKey: 'import-click' }),
    ])
    expect(imports[1].id).toBe(imports[0].id)
    await service.jobs.wait(imports[0].id)
    expect(await jobsOf('import')).toHaveLength(2) // the project's own import, and this one
    const maps = await Promise.all([
      call<JobInfo>('explorer:map', { method: 'pca', idempotencyKey: 'map-click' }),
      call<JobInfo>('explorer:map', { method: 'pca', idempotencyKey: 'map-click' }),
    ])
    expect(maps[1].id).toBe(maps[0].id)
    await service.jobs.wait(maps[0].id)
    expect(await jobsOf('explore')).toHaveLength(1)
  })

  it('refuses a key that another kind of job carries', async () => {
    const { call, service, audio } = await project()
    const job = await call<JobInfo>('import:start', { source: audio, idempotencyKey: 'shared-key' })
    await service.jobs.wait(job.id)
    await expect(call('explorer:map', { method: 'pca', idempotencyKey: 'shared-key' })).rejects.toMatchObject({
      code: 'conflict',
    })
  })

  it('lists the running jobs with their parameters and run, and gives the typed result', async () => {
    const { call, service } = await project()
    const job = await call<JobInfo>('train:start', forest)
    const active = await call<ListedJob[]>('jobs:list', { active: true })
    expect(active.map((j) => j.id)).toEqual([job.id])
    const [listed] = active
    expect(listed).toMatchObject({ kind: 'train', params: { model: 'rf', seed: 1 } })
    expect(listed?.runId).toBeTypeOf('number')
    await service.jobs.wait(job.id)
    expect(await call<ListedJob[]>('jobs:list', { active: true })).toEqual([])
    const detail = await call<JobDetail>('jobs:get', { id: job.id })
    expect(detail.kind === 'train' && detail.result?.runId).toBe(listed?.runId)
  })

  it('ends a job whose process died when jobs are listed, and leaves the others running', async () => {
    const t = testService()
    close = () => t.service.close()
    const db = t.service.catalog().db
    const dead = spawnSync(process.execPath, ['-e', '']).pid
    const orphan = createJob(db, 'train', {}, new Date(), { owner: `${hostname()}:${dead}` })
    const elsewhere = createJob(db, 'train', {}, new Date(), { owner: `another-host:${dead}` })
    const mine = createJob(db, 'import', {}, new Date(), { owner: `${hostname()}:${process.pid}` })
    for (const job of [orphan, elsewhere, mine]) startJob(db, job.id)
    const ended: number[] = []
    t.service.events.on('job:state', (job) => ended.push(job.id))

    const listed = await t.call<ListedJob[]>('jobs:list', {})
    const stateOf = (id: number) => listed.find((j) => j.id === id)
    expect(stateOf(orphan.id)).toMatchObject({
      state: 'failed',
      error: expect.stringMatching(/process running it ended/),
    })
    expect(stateOf(elsewhere.id)?.state).toBe('running')
    expect(stateOf(mine.id)?.state).toBe('running')
    expect(ended).toEqual([orphan.id])
  })
})
