import { WorkerPool } from '../../workers/pool'
import { workerScript, type TasksOf } from '../../workers/script'

/**
 * Runs `work` with a pool of tree workers, closed afterwards; an abort closes it at once, and
 * the work then rejects with the signal's reason.
 */
export async function withTreesPool<T>(
  size: number,
  signal: AbortSignal | undefined,
  work: (pool: WorkerPool<TasksOf<'trees-worker'>>) => Promise<T>,
): Promise<T> {
  signal?.throwIfAborted()
  // One task can take minutes on a big data set; the pool's default 30 s limit would kill it.
  const pool = new WorkerPool(workerScript('trees-worker'), { size, taskTimeoutMs: 6 * 60 * 60_000 })
  const abort = (): void => void pool.close()
  signal?.addEventListener('abort', abort)
  try {
    return await work(pool)
  } catch (error) {
    signal?.throwIfAborted()
    throw error
  } finally {
    signal?.removeEventListener('abort', abort)
    await pool.close()
  }
}

/** A copy of a typed array in shared memory, which worker threads read without copying it again. */
export function toShared<T extends Float32Array | Float64Array | Int32Array | Uint8Array>(array: T): T {
  const Type = array.constructor as new (buffer: SharedArrayBuffer) => T
  const copy = new Type(new SharedArrayBuffer(array.length * array.BYTES_PER_ELEMENT))
  copy.set(array as never)
  return copy
}
