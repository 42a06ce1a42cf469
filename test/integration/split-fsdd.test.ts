import { readFileSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import Database from 'better-sqlite3'
import { beforeAll, describe, expect, it } from 'vitest'
import type { ImportSummary } from '../../src/shared/domain'
import type { TrainSummary } from '../../src/shared/evaluation'
import type { RunEvaluation } from '../../src/shared/report'
import type { SplitEditResult } from '../../src/shared/splits'
import { assertBuilt, runEarmark } from '../helpers/cli'
import { fsddFiles, type FsddFile } from '../helpers/fsdd'
import { tempDir } from '../helpers/temp'

beforeAll(assertBuilt)

/** The last line of a command's stdout, as JSON. */
const lastJson = <T>(stdout: string): T => JSON.parse(stdout.trim().split('\n').pop() ?? 'null') as T

/** 240 recordings: every digit by each of the 3 speakers, takes 5-12 (the rest keeps the test quick). */
const files = (): FsddFile[] => fsddFiles().filter((f) => f.take >= 5 && f.take <= 12)

/** A `path,label,group[,split]` manifest of those recordings. */
function manifest(dir: string, split?: (f: FsddFile) => string): string {
  const path = join(dir, 'manifest.csv')
  const rows = files().map((f) => [f.path, f.digit, f.speaker, ...(split ? [split(f)] : [])].join(','))
  writeFileSync(path, [`path,label,group${split ? ',split' : ''}`, ...rows].join('\n'))
  return path
}

function project(dir: string): string {
  const path = join(dir, 'digits.earmark')
  expect(runEarmark(['init', path]).code).toBe(0)
  const imported = runEarmark(['import', path, manifest(dir), '--labels-from', 'csv', '--json'])
  expect(imported.code, imported.stderr).toBe(0)
  expect(lastJson<ImportSummary>(imported.stdout).added).toBe(240)
  return path
}

function train(path: string): TrainSummary {
  const trained = runEarmark(['train', path, '--model', 'rf', '--param', 'trees=20', '--seed', '3', '--json'])
  expect(trained.code, trained.stderr).toBe(0)
  return lastJson<TrainSummary>(trained.stdout)
}

/** The speakers of a run's test clips, as `evaluate` lists them. */
function testSpeakers(path: string, runId: number): string[] {
  const evaluated = runEarmark(['evaluate', path, '--run', String(runId), '--json'])
  expect(evaluated.code, evaluated.stderr).toBe(0)
  const { predictions } = lastJson<RunEvaluation>(evaluated.stdout)
  return [...new Set(predictions.map((p) => basename(p.path).split('_')[1] as string))].sort()
}

const splitsOf = (path: string): Record<string, string | null> => {
  const db = new Database(path, { readonly: true })
  try {
    const rows = db.prepare('SELECT path, split FROM clips').all() as { path: string; split: string | null }[]
    return Object.fromEntries(rows.map((r) => [basename(r.path), r.split]))
  } finally {
    db.close()
  }
}

describe('split policies on fsdd-dev', { timeout: 300_000 }, () => {
  it('holds a whole speaker out by default, and tests exactly the speaker `earmark split` holds out', () => {
    const dir = tempDir()
    const path = project(dir)

    // Grouped clips, no split column: the default policy holds whole speakers out.
    const first = train(path)
    expect(first.split).toMatchObject({ policy: 'group', leakedGroups: [], sharedContent: 0, val: 0 })
    expect(first.split.train + first.split.test).toBe(240)
    const heldOut = testSpeakers(path, first.runId)
    expect(heldOut.length).toBeGreaterThan(0)
    expect(heldOut.length).toBeLessThan(3)
    // The report says how the run was split.
    const report = join(dir, 'report')
    expect(runEarmark(['evaluate', path, '--run', String(first.runId), '--report', report]).code).toBe(0)
    expect(readFileSync(join(report, 'report.html'), 'utf8')).toContain('group: whole groups held out to test')

    // Hold lucas out in the catalog: the next run tests on lucas's clips and nothing else.
    const split = runEarmark(['split', path, '--by', 'group', '--groups', 'lucas', '--json'])
    expect(split.code, split.stderr).toBe(0)
    expect(lastJson<SplitEditResult>(split.stdout)).toMatchObject({
      changed: 240,
      counts: { train: 160, val: 0, test: 80, none: 0 },
      testGroups: ['lucas'],
    })
    const second = train(path)
    expect(second.split).toEqual({
      policy: 'column',
      train: 160,
      val: 0,
      test: 80,
      leakedGroups: [],
      sharedContent: 0,
    })
    expect(testSpeakers(path, second.runId)).toEqual(['lucas'])

    // Misuse is refused with the reason, and changes nothing.
    const unknown = runEarmark(['split', path, '--by', 'group', '--groups', 'nobody'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/no clip is in group "nobody"; the project's groups: george, jackson, lucas/)
    expect(runEarmark(['split', path, '--by', 'csv']).code).toBe(2)
    expect(Object.values(splitsOf(path)).filter((s) => s === 'test')).toHaveLength(80)
  })

  it('a manifest imported again with a changed split column updates the clips it lists', () => {
    const dir = tempDir()
    const path = project(dir)
    expect(Object.values(splitsOf(path)).every((s) => s === null)).toBe(true)

    // Now the manifest says: jackson is the test speaker.
    const again = manifest(dir, (f) => (f.speaker === 'jackson' ? 'test' : 'train'))
    const imported = runEarmark(['import', path, again, '--labels-from', 'csv', '--json'])
    expect(imported.code, imported.stderr).toBe(0)
    expect(lastJson<ImportSummary>(imported.stdout)).toMatchObject({ added: 0, duplicates: 240, updated: 240 })
    const splits = splitsOf(path)
    for (const f of files()) expect(splits[basename(f.path)]).toBe(f.speaker === 'jackson' ? 'test' : 'train')
    expect(testSpeakers(path, train(path).runId)).toEqual(['jackson'])

    // The same manifest once more changes nothing; `labels import` of a CSV with a split column applies it.
    const same = runEarmark(['import', path, again, '--labels-from', 'csv', '--json'])
    expect(lastJson<ImportSummary>(same.stdout).updated).toBe(0)
    const labels = join(dir, 'labels.csv')
    writeFileSync(
      labels,
      [
        'path,label,split',
        ...files().map((f) => `${f.path},${f.digit},${f.speaker === 'george' ? 'test' : 'train'}`),
      ].join('\n'),
    )
    const relabelled = runEarmark(['labels', 'import', path, labels, '--format', 'csv'])
    expect(relabelled.code, relabelled.stderr).toBe(0)
    expect(relabelled.stdout).toContain(
      'Labelled 240 clips, added 0 regions, set the split, group or fold of 160 clips',
    )
    const after = splitsOf(path)
    for (const f of files()) expect(after[basename(f.path)]).toBe(f.speaker === 'george' ? 'test' : 'train')
  })
})
