/** The typed protocol between a worker pool and its worker threads. */

/** A task sent to a worker. */
export interface WorkerRequest {
  id: number
  task: string
  input: unknown
}

/** A worker's answer to one task: a value, or the one-line reason it failed. */
export type WorkerReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string }

/**
 * Sent once by a worker when its script has loaded and it serves tasks: a task's time limit runs
 * from then, so a slow start (a cold module cache, a loaded machine) is not counted against it.
 */
export interface WorkerReady {
  ready: true
}

/** The tasks a worker script serves, by name. */
export type TaskHandlers = Record<string, (input: never) => unknown>
