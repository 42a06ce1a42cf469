import Database from 'better-sqlite3'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { ApiEvents } from '../../../src/shared/contract'
import { getJobResult, requestJobCancel } from '../../../src/main/core/catalog/jobs'
import { openCatalog, type Catalog } from '../../../src/main/core/catalog/open'
import { TypedEmitter } from '../../../src/main/core/events'
import { JobCancelledError, JobRunner } from '../../../src/main/core/jobs/runner'
import { tempDir } from '../../helpers/temp'

let catalog: Catalog | undefined
afterEach(() => catalog?.close())

function setup() {
  catalog = openCatalog(join(tempDir(), 'jobs.earmark'), { create: true })
  const events = new TypedEmitter<ApiEvents>()
  const states: string[] = []
  events.on('job:state', (job) => states.push(job.state))
  const db = catalog.db
  return { runner: new JobRunner(() => db, events), events, states, db, path: catalog.path }
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5))

describe('JobRunner', () => {
  it('records a job from start to its result, with state events', async () => {
    const { runner, states, db } = setup()
    const job = runner.start('import', { source: '/x' }, async (ctx) => {
      ctx.progress(1, 2)
      ctx.progress(2, 2)
      return { added: 2 }
    })
    expect(job.state).toBe('running')
    const done = await runner.wait(job.id)
    expect(done).toMatchObject({ state: 'done', done: 2, total: 2 })
    expect(getJobResult(db, job.id)).toEqual({ added: 2 })
    expect(states).toEqual(['running', 'done'])
  })

  it('records a failure with its message', async () => {
    const { runner } = setup()
    const job = runner.start('import', {}, async () => {
      throw new Error('disk full')
    })
    expect(await runner.wait(job.id)).toMatchObject({ state: 'failed', error: 'disk full' })
  })

  it('cancels a job of this process and keeps its partial result', async () => {
    const { runner, db } = setup()
    const job = runner.start('import', {}, async (ctx) => {
      while (!ctx.signal.aborted) await tick()
      throw new JobCancelledError({ added: 3 })
    })
    expect(runner.cancel(job.id)).toBe(true)
    expect(await runner.wait(job.id)).toMatchObject({ state: 'cancelled' })
    expect(getJobResult(db, job.id)).toEqual({ added: 3 })
  })

  it('stops when another process asks through the catalog', async () => {
    const { runner, path } = setup()
    const job = runner.start('import', {}, async (ctx) => {
      for (let i = 0; !ctx.signal.aborted; i++) {
        ctx.progress(i, null)
        await tick()
      }
      throw new JobCancelledError()
    })
    const other = new Database(path)
    requestJobCancel(other, job.id)
    other.close()
    expect(await runner.wait(job.id)).toMatchObject({ state: 'cancelled' })
  })

  it('reports progress with a rate and an ETA, throttled', async () => {
    const { runner, events } = setup()
    const seen: { done: number; rate: number | null; etaSeconds: number | null }[] = []
    events.on('job:progress', (p) => seen.push(p))
    const job = runner.start('import', {}, async (ctx) => {
      for (let i = 1; i <= 300; i++) {
        ctx.progress(i, 300)
        if (i % 20 === 0) await new Promise((resolve) => setTimeout(resolve, 30))
      }
    })
    await runner.wait(job.id)
    expect(seen.length).toBeGreaterThan(2)
    expect(seen.length).toBeLessThan(100)
    expect(seen.at(-1)?.done).toBe(300)
    expect(seen.some((p) => p.rate !== null && p.rate > 0 && p.etaSeconds !== null)).toBe(true)
  })
})
