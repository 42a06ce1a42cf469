import { parentPort } from 'node:worker_threads'
import type { TaskHandlers, WorkerReady, WorkerReply, WorkerRequest } from './protocol'

/**
 * Runs inside a worker thread: answers each request with its handler's value or error message.
 * Called once by each worker script with the tasks it serves.
 */
export function serveTasks(handlers: TaskHandlers): void {
  const port = parentPort
  if (!port) throw new Error('serveTasks must run in a worker thread')
  port.on('message', async (request: WorkerRequest) => {
    let reply: WorkerReply
    try {
      const handler = Object.prototype.hasOwnProperty.call(handlers, request.task) ? handlers[request.task] : undefined
      if (!handler) throw new Error(`unknown task: ${request.task}`)
      reply = { id: request.id, ok: true, value: await handler(request.input as never) }
    } catch (error) {
      reply = { id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) }
    }
    port.postMessage(reply)
  })
  port.postMessage({ ready: true } satisfies WorkerReady)
}
