/**
 * Sweep throughput: the same 8-trial random sweep of the random forest (3-fold stratified CV on
 * fsdd-dev summary features) with 1 and then 2 worker threads, timed from the first trial's start
 * to the last one's end (feature computation excluded). The ratio is the parallel speed-up.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { finish } from './report'

const root = join(import.meta.dirname, '..')
const fsdd = join(root, 'test', 'data', 'fsdd-dev')
if (!existsSync(fsdd)) {
  console.log(`skipped: ${fsdd} is absent`)
  process.exit(0)
}
const bin = join(root, 'bin', 'earmark.js')
const earmark = (args: string[]) => {
  const run = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' })
  if (run.status !== 0) throw new Error(`earmark ${args[0]} failed: ${run.stderr}`)
  return run.stdout
}

const dir = mkdtempSync(join(tmpdir(), 'earmark-sweep-bench-'))
try {
  const project = join(dir, 'bench.earmark')
  earmark(['init', project])
  earmark(['import', project, fsdd, '--labels-from', 'pattern:(?<label>\\d)_(?<group>[a-z]+)_(?<take>\\d+)\\.wav'])
  const spec = join(dir, 'sweep.json')
  writeFileSync(
    spec,
    JSON.stringify({
      model: 'rf',
      strategy: 'random',
      trials: 8,
      seed: 5,
      cv: { kind: 'stratified', folds: 3 },
      space: { trees: { int: [40, 80] }, maxDepth: [8, 12, null], maxFeatures: ['sqrt', 0.2] },
    }),
  )
  const perMinute = new Map<number, number>()
  for (const workers of [1, 2]) {
    const out = earmark(['sweep', project, '--spec', spec, '--workers', String(workers), '--json'])
    const { sweepId } = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { sweepId: number }
    const db = new Database(project, { readonly: true })
    const span = db
      .prepare(
        'SELECT MIN(started_at) AS first, MAX(finished_at) AS last, COUNT(*) AS n FROM sweep_trials WHERE sweep_id = ?',
      )
      .get(sweepId) as { first: string; last: string; n: number }
    db.close()
    const minutes = (Date.parse(span.last) - Date.parse(span.first)) / 60_000
    const rate = span.n / minutes
    perMinute.set(workers, rate)
    console.log(
      `${workers} worker${workers > 1 ? 's' : ''}: ${span.n} trials in ${(minutes * 60).toFixed(1)} s = ${rate.toFixed(1)} trials/min`,
    )
  }
  const speedUp = (perMinute.get(2) ?? 0) / (perMinute.get(1) ?? 1)
  console.log(`parallel speed-up, 2 workers vs 1: ${speedUp.toFixed(2)}x`)
  await finish('sweep', {
    machine: {
      engine: `earmark sweep (the built CLI) on Node ${process.version}`,
      reference: 'the same sweep with 1 worker',
      parallelism: '1, then 2 trial workers',
    },
    figures: {
      oneWorkerTrialsPerMinute: perMinute.get(1) ?? 0,
      twoWorkersTrialsPerMinute: perMinute.get(2) ?? 0,
    },
    ratios: { twoWorkersOverOne: speedUp },
  })
} finally {
  rmSync(dir, { recursive: true, force: true })
}
