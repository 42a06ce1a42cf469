// Recordings to embed are untrusted files: they are decoded (and resampled to the base's rate) in
// the audio worker, never in the thread that runs the studio and the catalog; only the mono samples
// come back.
import { WorkerPool } from '../workers/pool'
import { workerScript, type TasksOf } from '../workers/script'

/** A recording's mono samples at a rate (decoded in a worker). */
export type DecodeMono = (path: string, sampleRate: number) => Promise<Float32Array>

/**
 * A decoder backed by one audio worker of its own, for a job or a search: closing (or cancelling
 * through `signal`) stops the worker, and with it any decode under way.
 */
export function workerDecoder(signal?: AbortSignal): { decode: DecodeMono; close: () => Promise<void> } {
  let pool: WorkerPool<TasksOf<'audio-worker'>> | undefined
  const close = async (): Promise<void> => {
    signal?.removeEventListener('abort', abort)
    const p = pool
    pool = undefined
    await p?.close()
  }
  const abort = (): void => void close()
  signal?.addEventListener('abort', abort, { once: true })
  return {
    decode: (path, sampleRate) => {
      // A long recording decodes to hundreds of megabytes of samples: room for that, and no clock
      // beyond the decoder's own progress beats.
      pool ??= new WorkerPool(workerScript('audio-worker'), { size: 1, maxHeapMb: 4096 })
      return pool.run('monoSamples', { path, sampleRate })
    },
    close,
  }
}
