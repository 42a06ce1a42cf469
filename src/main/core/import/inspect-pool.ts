import { TaskTimeoutError, WorkerCrashedError, type WorkerPool } from '../workers/pool'
import type { TasksOf } from '../workers/script'
import type { Inspection } from './inspect'

/**
 * Inspects one file on a worker of `pool`. A worker that dies on the file (a decoder crash, its
 * heap limit) or is stopped for hanging costs that file alone, reported in one line as
 * "decoder crashed: …" or "decoder hung: …"; the pool replaces the worker and the import goes on.
 */
export async function inspectOnPool(pool: WorkerPool<TasksOf<'audio-worker'>>, path: string): Promise<Inspection> {
  try {
    return await pool.run('inspect', path)
  } catch (error) {
    if (error instanceof WorkerCrashedError) {
      throw new Error(`decoder crashed: ${error.message.replace(/^worker crashed: /, '')}`, { cause: error })
    }
    if (error instanceof TaskTimeoutError) {
      throw new Error(`decoder hung: ${error.message}; the file was skipped`, { cause: error })
    }
    throw error
  }
}
