// A TensorFlow.js base embedding inputs in the training worker, kept alive across batches so that
// the model loads once per job; cancelling (or closing) terminates the worker.
import { Worker } from 'node:worker_threads'
import type { TrainingReply, TrainingRequest } from '../training/worker-protocol'
import { workerScript } from '../workers/script'
import type { TfjsBaseRef, WindowBatch } from './base-ref'

/** Embeds batches of inputs, one batch at a time. */
export interface WorkerEmbedder {
  /** Row-major [windows × dims] embeddings of a recording's windows (its samples are copied to the worker). */
  embed(windows: WindowBatch): Promise<{ vectors: Float32Array; dims: number }>
  close(): Promise<void>
}

/** Starts the training worker for a TensorFlow.js base. */
export function startWorkerEmbedder(base: TfjsBaseRef, signal?: AbortSignal): WorkerEmbedder {
  const script = workerScript('training-worker')
  const worker = new Worker(script.path, {
    workerData: script.workerData,
    resourceLimits: { maxOldGenerationSizeMb: 4096 },
  })
  let waiting: { resolve: (reply: TrainingReply) => void; reject: (error: Error) => void } | null = null
  let dead: Error | null = null
  const fail = (error: Error): void => {
    dead ??= error
    waiting?.reject(dead)
    waiting = null
  }
  worker.on('message', (reply: TrainingReply) => {
    const w = waiting
    waiting = null
    w?.resolve(reply)
  })
  worker.on('error', (error) => fail(error))
  worker.on('exit', (code) => fail(new Error(`the embedding worker stopped (exit code ${code})`)))
  const abort = (): void => {
    fail(new Error('cancelled'))
    void worker.terminate()
  }
  signal?.addEventListener('abort', abort, { once: true })
  return {
    async embed(windows) {
      if (dead) throw dead
      const reply = await new Promise<TrainingReply>((resolve, reject) => {
        waiting = { resolve, reject }
        worker.postMessage({ type: 'embed', base, windows } satisfies TrainingRequest)
      })
      if (reply.type === 'error') throw new Error(reply.message)
      if (reply.type !== 'embeddings') throw new Error(`the embedding worker answered ${reply.type}`)
      return { vectors: reply.vectors, dims: reply.dims }
    },
    async close() {
      signal?.removeEventListener('abort', abort)
      dead ??= new Error('closed')
      await worker.terminate()
    },
  }
}
