import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
// Type-only imports: a worker entry serves its tasks as soon as it loads, so only its types may
// be taken from it here.
import type { DetectWorkerTasks } from '../detection/detect-worker'
import type { TreesWorkerTasks } from '../models/trees/trees-worker'
import type { SweepWorkerTasks } from '../sweeps/sweep-worker'
import type { AudioWorkerTasks } from './audio-worker'
import type { TaskHandlers, UntypedTasks } from './protocol'
import { WORKER_SOURCES } from './sources'

export type WorkerScriptName = keyof typeof WORKER_SOURCES

/** The tasks each pooled worker script serves (the training worker speaks its own protocol). */
interface PooledWorkerTasks {
  'audio-worker': AudioWorkerTasks
  'trees-worker': TreesWorkerTasks
  'sweep-worker': SweepWorkerTasks
  'detect-worker': DetectWorkerTasks
}

/** The tasks a worker script serves: `WorkerPool<TasksOf<'audio-worker'>>`. */
export type TasksOf<Name extends WorkerScriptName> = Name extends keyof PooledWorkerTasks
  ? PooledWorkerTasks[Name]
  : UntypedTasks

/**
 * Where a worker script is, and how to start it. `Tasks` carries the script's task types to the
 * pool that runs it, so a caller names a task and gets its result's type without asserting it.
 */
export interface WorkerScript<Tasks extends TaskHandlers = UntypedTasks> {
  path: string
  /** Passed to the worker as workerData. */
  workerData?: unknown
  /** Never set: the tasks' types, for the compiler only. */
  readonly tasks?: Tasks
}

/**
 * A TypeScript worker file, started through a small loader (for sources: tests and tsx scripts).
 * The tsconfig gives the loader the `@shared` path alias.
 */
export function typescriptWorker<Tasks extends TaskHandlers = UntypedTasks>(entry: string): WorkerScript<Tasks> {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..')
  return {
    path: join(dirname(fileURLToPath(import.meta.url)), 'ts-entry.mjs'),
    workerData: { entry, tsconfig: join(root, 'tsconfig.node.json') },
  }
}

/**
 * Finds a worker script. From the build it is out/main/workers/<name>.js; from sources (tests,
 * benchmarks run with tsx) it is the .ts file beside this one, run through tsx's loader.
 */
export function workerScript<Name extends WorkerScriptName>(name: Name): WorkerScript<TasksOf<Name>> {
  const here = fileURLToPath(import.meta.url)
  if (here.endsWith('.ts')) return typescriptWorker(join(dirname(here), '..', WORKER_SOURCES[name]))
  // Bundled: this code sits in out/main/ or in out/main/chunks/.
  const dir = dirname(here)
  const mainDir = dir.endsWith('chunks') ? dirname(dir) : dir
  return { path: join(mainDir, 'workers', `${name}.js`) }
}
