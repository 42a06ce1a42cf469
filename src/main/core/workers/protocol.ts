/** The typed protocol between a worker pool and its worker threads. */

/** A task sent to a worker. */
export interface WorkerRequest {
  id: number
  task: string
  input: unknown
}

/** A worker's answer to one task: a value, or the one-line reason it failed. */
export type WorkerReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string }

/** The tasks a worker script serves, by name. */
export type TaskHandlers = Record<string, (input: never) => unknown>
