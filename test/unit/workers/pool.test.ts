import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { TaskTimeoutError, WorkerCrashedError, WorkerPool } from '../../../src/main/core/workers/pool'
import { typescriptWorker } from '../../../src/main/core/workers/script'
import type { TestWorkerTasks } from '../../helpers/test-worker'

const script = typescriptWorker<TestWorkerTasks>(join(import.meta.dirname, '..', '..', 'helpers', 'test-worker.ts'))
let pool: WorkerPool<TestWorkerTasks> | undefined
afterEach(async () => pool?.close())

describe('WorkerPool', () => {
  it('runs tasks on its workers and returns their values', async () => {
    pool = new WorkerPool(script, { size: 2 })
    await expect(Promise.all([1, 2, 3, 4, 5].map((n) => pool!.run('double', n)))).resolves.toEqual([2, 4, 6, 8, 10])
  })

  it('runs tasks in parallel, one per worker', async () => {
    pool = new WorkerPool(script, { size: 2 })
    await Promise.all([pool.run('slow', 50), pool.run('slow', 50)]) // start both workers
    const start = Date.now()
    await Promise.all([pool.run('slow', 400), pool.run('slow', 400)])
    expect(Date.now() - start).toBeLessThan(750)
  })

  it("passes a task's error on, and the worker goes on serving", async () => {
    pool = new WorkerPool(script, { size: 1 })
    await expect(pool.run('fail', 'bad header')).rejects.toThrow('bad header')
    await expect(pool.run('double', 21)).resolves.toBe(42)
  })

  it('loses only the current task when a worker dies, and replaces the worker', async () => {
    pool = new WorkerPool(script, { size: 1 })
    const results = await Promise.allSettled([pool.run('exit', null), pool.run('double', 4)])
    expect(results[0]).toMatchObject({ status: 'rejected', reason: expect.any(WorkerCrashedError) })
    expect(results[1]).toEqual({ status: 'fulfilled', value: 8 })
  })

  it('stops a worker that runs out of its heap, and carries on', async () => {
    pool = new WorkerPool(script, { size: 1, maxHeapMb: 64 })
    await expect(pool.run('hog', null)).rejects.toThrow(WorkerCrashedError)
    await expect(pool.run('double', 5)).resolves.toBe(10)
  })

  it('times out a task that hangs, and carries on', async () => {
    pool = new WorkerPool(script, { size: 1, taskTimeoutMs: 300 })
    await expect(pool.run('hang', null)).rejects.toThrow(TaskTimeoutError)
    await expect(pool.run('double', 6)).resolves.toBe(12)
  })

  it('gives a task that reports progress its time limit again from each report', async () => {
    pool = new WorkerPool(script, { size: 1, taskTimeoutMs: 500 })
    await expect(pool.run('plod', 1500)).resolves.toBe(1500)
    // Progress for 800 ms, then none: stopped about 500 ms after the last report, not at once nor
    // never. Reports reach the pool at most every 100 ms and timers run late on a loaded machine,
    // so the bounds leave that much room; stopping at the first 500 ms would still fail them.
    const started = Date.now()
    await expect(pool.run('stall', 800)).rejects.toThrow('no progress for 0.5 s')
    const stoppedAfter = Date.now() - started
    expect(stoppedAfter).toBeGreaterThanOrEqual(1000)
    expect(stoppedAfter).toBeLessThan(3000)
  })

  it('refuses work once closed', async () => {
    pool = new WorkerPool(script, { size: 1 })
    await pool.close()
    await expect(pool.run('double', 1)).rejects.toThrow(/closed/)
  })
})
