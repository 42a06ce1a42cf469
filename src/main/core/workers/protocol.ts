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

/**
 * Sent by a worker while a task makes progress (a file hashed or decoded block by block): the pool
 * restarts the task's clock, so its time limit measures a stall, not the size of the file.
 */
export interface WorkerBeat {
  id: number
  beat: true
}

/** The tasks a worker script serves, by name. */
export type TaskHandlers = Record<string, (input: never) => unknown>

/** Tasks whose inputs and results are not known here (a worker given only by its path). */
export type UntypedTasks = Record<string, (input: unknown) => unknown>

/** What a task takes. */
export type TaskInput<Handler> = Handler extends (input: infer I) => unknown ? I : never

/** What a task answers, once its promise (if any) settles. */
export type TaskResult<Handler> = Handler extends (input: never) => infer R ? Awaited<R> : never
