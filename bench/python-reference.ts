import { spawnSync } from 'node:child_process'
import { join } from 'node:path'

/**
 * Runs a reference implementation from bench/python/ on `threads` threads and returns the JSON of
 * its last stdout line, or why it could not run (a short message: the bench still reports
 * Earmark's side without the reference).
 */
export function runPythonReference<T>(script: string, args: readonly string[], threads: number): T | string {
  // Debian's interpreter, where python3-torch installs (a pyenv python3 on the PATH lacks it).
  const run = spawnSync('/usr/bin/python3', [join(import.meta.dirname, 'python', script), ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    // Debian's torch does its matrix products in OpenBLAS, whose thread pool ignores
    // torch.set_num_threads and takes every core unless told otherwise.
    env: {
      ...process.env,
      OMP_NUM_THREADS: String(threads),
      OPENBLAS_NUM_THREADS: String(threads),
      MKL_NUM_THREADS: String(threads),
    },
  })
  if (run.error) return run.error.message
  if (run.status !== 0) return (run.stderr.trim().split('\n').pop() ?? 'python3 failed').slice(0, 200)
  return JSON.parse(run.stdout.trim().split('\n').pop() as string) as T
}
