import { parentPort } from 'node:worker_threads'
import { onBeat } from '../heartbeat'
import type { TaskHandlers, WorkerBeat, WorkerReady, WorkerReply, WorkerRequest } from './protocol'

/** Beats are sent at most this often: a clock measured in tens of seconds needs no more. */
const BEAT_INTERVAL_MS = 100

/**
 * Runs inside a worker thread: answers each request with its handler's value or error message.
 * Called once by each worker script with the tasks it serves.
 */
export function serveTasks(handlers: TaskHandlers): void {
  const port = parentPort
  if (!port) throw new Error('serveTasks must run in a worker thread')
  port.on('message', async (request: WorkerRequest) => {
    let reply: WorkerReply
    let lastBeat = Date.now()
    // One task at a time per worker, so the current request owns the beats.
    onBeat(() => {
      const now = Date.now()
      if (now - lastBeat < BEAT_INTERVAL_MS) return
      lastBeat = now
      port.postMessage({ id: request.id, beat: true } satisfies WorkerBeat)
    })
    try {
      const handler = Object.prototype.hasOwnProperty.call(handlers, request.task) ? handlers[request.task] : undefined
      if (!handler) throw new Error(`unknown task: ${request.task}`)
      reply = { id: request.id, ok: true, value: await handler(request.input as never) }
    } catch (error) {
      reply = { id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) }
    }
    onBeat(undefined)
    port.postMessage(reply)
  })
  port.postMessage({ ready: true } satisfies WorkerReady)
}
