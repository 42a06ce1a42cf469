import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * Worker scripts, each an entry of the main build (electron.vite.config.ts) named
 * `workers/<name>`, with its source relative to src/main/core.
 */
const WORKER_SOURCES = {
  'audio-worker': 'workers/audio-worker.ts',
  'trees-worker': 'models/trees/trees-worker.ts',
  'summary-worker': 'runs/summary-worker.ts',
  'sweep-worker': 'sweeps/sweep-worker.ts',
  'training-worker': 'training/training-worker.ts',
} as const

export type WorkerScriptName = keyof typeof WORKER_SOURCES

/** Where a worker script is, and how to start it. */
export interface WorkerScript {
  path: string
  /** Passed to the worker as workerData. */
  workerData?: unknown
}

/**
 * A TypeScript worker file, started through a small loader (for sources: tests and tsx scripts).
 * The tsconfig gives the loader the `@shared` path alias.
 */
export function typescriptWorker(entry: string): WorkerScript {
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
export function workerScript(name: WorkerScriptName): WorkerScript {
  const here = fileURLToPath(import.meta.url)
  if (here.endsWith('.ts')) return typescriptWorker(join(dirname(here), '..', WORKER_SOURCES[name]))
  // Bundled: this code sits in out/main/ or in out/main/chunks/.
  const dir = dirname(here)
  const mainDir = dir.endsWith('chunks') ? dirname(dir) : dir
  return { path: join(mainDir, 'workers', `${name}.js`) }
}
