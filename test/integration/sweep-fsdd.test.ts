import { spawn } from 'node:child_process'
import { symlinkSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { beforeAll, describe, expect, it } from 'vitest'
import type { SweepSpecInput } from '../../src/shared/sweep-spec'
import { assertBuilt, ROOT, runEarmark } from '../helpers/cli'
import { FSDD, FSDD_PATTERN } from '../helpers/fsdd'
import { tempDir } from '../helpers/temp'

beforeAll(assertBuilt)

interface SweepJson {
  sweepId: number
  state: string
  trials: {
    number: number
    params: Record<string, unknown>
    score: number
    std: number
    folds: number[]
    status: string
  }[]
  best: { params: Record<string, unknown>; score: number }
}

function project(source: string): string {
  const path = join(tempDir(), 'sweep.earmark')
  expect(runEarmark(['init', path]).code).toBe(0)
  const imported = runEarmark(['import', path, source, '--labels-from', `pattern:${FSDD_PATTERN}`, '--json'])
  expect(imported.code, imported.stderr).toBe(0)
  return path
}

function specFile(spec: SweepSpecInput): string {
  const path = join(tempDir(), 'sweep.json')
  writeFileSync(path, JSON.stringify(spec))
  return path
}

describe(`sweeps on fsdd-dev`, () => {
  it(
    'a 6-trial grid of the random forest with group CV by speaker finishes on the training speakers, best = highest mean',
    { timeout: 300_000 },
    () => {
      const path = project(FSDD)
      const spec = specFile({
        model: 'rf',
        strategy: 'grid',
        seed: 1,
        // Of fsdd's 3 speakers, the default split holds one out to test: the sweep folds the other two.
        cv: { kind: 'group', folds: 2 },
        metric: 'accuracy',
        space: { trees: [10, 30], maxDepth: [4, 8, null] },
      })
      const run = runEarmark(['sweep', path, '--spec', spec, '--json'])
      expect(run.code, run.stderr).toBe(0)
      const result = JSON.parse(run.stdout.trim().split('\n').pop()!) as SweepJson
      expect(result.trials).toHaveLength(6)
      expect(result.trials.every((t) => t.status === 'done' && t.folds.length === 2)).toBe(true)
      const top = Math.max(...result.trials.map((t) => t.score))
      expect(result.best.score).toBe(top)
      for (const t of result.trials) {
        expect(t.score).toBeCloseTo(t.folds.reduce((a, b) => a + b, 0) / 2, 12)
        // Better than chance (10 classes) even across speakers.
        expect(t.score).toBeGreaterThan(0.15)
      }

      // No fold tests a speaker it trained on: each fold's test clips are all the clips of its
      // speakers; and the speaker a run with the sweep's seed tests on is in no fold at all.
      const db = new Database(path, { readonly: true })
      try {
        const foldClips = JSON.parse(
          db.prepare('SELECT fold_clips FROM sweeps WHERE id = ?').pluck().get(result.sweepId) as string,
        ) as number[][]
        const groupOf = new Map(
          (db.prepare('SELECT id, group_name FROM clips').all() as { id: number; group_name: string }[]).map((r) => [
            r.id,
            r.group_name,
          ]),
        )
        expect(foldClips).toHaveLength(2)
        const swept = new Set(foldClips.flat().map((id) => groupOf.get(id)))
        expect(swept.size).toBe(2)
        const heldOut = [...new Set(groupOf.values())].filter((g) => !swept.has(g))
        expect(heldOut).toHaveLength(1)
        const train = runEarmark(['train', path, '--model', 'rf', '--param', 'trees=5', '--seed', '1', '--json'])
        expect(train.code, train.stderr).toBe(0)
        const summary = JSON.parse(train.stdout.trim().split('\n').pop()!) as {
          split: { policy: string; test: number }
        }
        expect(summary.split).toMatchObject({ policy: 'group', test: 500 })
        const runTest = db
          .prepare(
            "SELECT DISTINCT c.group_name FROM run_clips rc JOIN clips c ON c.id = rc.clip_id WHERE rc.split = 'test'",
          )
          .pluck()
          .all()
        expect(runTest).toEqual(heldOut)
        expect(foldClips.flat().sort((a, b) => a - b)).toEqual(
          [...groupOf.keys()].filter((id) => groupOf.get(id) !== heldOut[0]).sort((a, b) => a - b),
        )
        foldClips.forEach((test, k) => {
          const testSpeakers = new Set(test.map((id) => groupOf.get(id)))
          const trainSpeakers = new Set(
            foldClips
              .filter((_, j) => j !== k)
              .flat()
              .map((id) => groupOf.get(id)),
          )
          for (const s of testSpeakers) expect(trainSpeakers.has(s), `fold ${k} speaker ${s}`).toBe(false)
        })
      } finally {
        db.close()
      }
    },
  )

  it(
    'killed with SIGKILL mid-sweep, then resumed, runs every trial to the end exactly once',
    { timeout: 300_000 },
    async () => {
      const TRIALS = 16
      // 450 clips (three speakers, takes 0-14) keep features quick.
      const subset = join(tempDir(), 'fsdd-subset')
      mkdirSync(subset)
      for (const name of readdirSync(FSDD).filter((n) => /_(\d|1[0-4])\.wav$/.test(n))) {
        symlinkSync(join(FSDD, name), join(subset, name))
      }
      const path = project(subset)
      const spec = specFile({
        model: 'rf',
        strategy: 'random',
        trials: TRIALS,
        seed: 3,
        cv: { kind: 'stratified', folds: 3 },
        // Enough work per trial that the kill lands mid-sweep: the speaker held out to test leaves
        // two speakers' clips to cross-validate on, and small forests of them finish in a blink.
        space: { trees: { int: [60, 160] }, maxDepth: [6, 10, null], maxFeatures: { float: [0.05, 0.3] } },
      })
      const child = spawn(
        process.execPath,
        [join(ROOT, 'bin', 'earmark.js'), 'sweep', path, '--spec', spec, '--workers', '1'],
        {
          stdio: 'ignore',
        },
      )
      const doneCount = (): number => {
        const db = new Database(path, { readonly: true, fileMustExist: true })
        try {
          return db.prepare("SELECT COUNT(*) FROM sweep_trials WHERE state = 'done'").pluck().get() as number
        } catch {
          return 0 // the sweep tables are not there yet
        } finally {
          db.close()
        }
      }
      const exited = new Promise((r) => child.once('exit', r))
      const deadline = Date.now() + 120_000
      while (doneCount() < 2 && child.exitCode === null && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100))
      }
      expect(child.exitCode, 'the sweep ended before it could be killed mid-way').toBeNull()
      child.kill('SIGKILL')
      await exited
      const before = new Database(path, { readonly: true })
      const finishedBefore = before
        .prepare("SELECT number, finished_at FROM sweep_trials WHERE state = 'done'")
        .all() as { number: number; finished_at: string }[]
      before.close()
      expect(finishedBefore.length).toBeGreaterThanOrEqual(2)
      expect(finishedBefore.length).toBeLessThan(TRIALS)

      const resumed = runEarmark(['sweep', path, '--resume', '1', '--json'])
      expect(resumed.code, resumed.stderr).toBe(0)
      const result = JSON.parse(resumed.stdout.trim().split('\n').pop()!) as SweepJson
      expect(result.trials.map((t) => t.number)).toEqual([...Array(TRIALS).keys()])
      expect(result.trials.every((t) => t.status === 'done')).toBe(true)

      const db = new Database(path, { readonly: true })
      try {
        const rows = db.prepare('SELECT number, attempts, finished_at FROM sweep_trials').all() as {
          number: number
          attempts: number
          finished_at: string
        }[]
        expect(rows).toHaveLength(TRIALS)
        // Trials finished before the kill were not run again: same finish time, one attempt.
        for (const f of finishedBefore) {
          expect(rows.find((r) => r.number === f.number)).toMatchObject({ attempts: 1, finished_at: f.finished_at })
        }
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
      } finally {
        db.close()
      }
    },
  )
})
