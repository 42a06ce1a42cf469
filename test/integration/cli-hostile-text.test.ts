// Text from data reaches files and terminals inert: class names that are spreadsheet formulas are
// escaped in every CSV, and a class name with terminal escapes (from a catalog written before
// names were checked) is printed as escapes, not acted on.
import { mkdtempSync, renameSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, runEarmark } from '../helpers/cli'
import { writeToneClasses } from '../helpers/tone-classes'

const FORMULAS = { hum: '=HYPERLINK("x")', whistle: '+SUM(1)', chirp: '@cmd' }

let dir: string
let project: string
let exported: string
let files: string[]

const lastJson = <T>(stdout: string): T => JSON.parse(stdout.trim().split('\n').at(-1) as string) as T

beforeAll(() => {
  assertBuilt()
  dir = mkdtempSync(join(tmpdir(), 'earmark-hostile-'))
  project = join(dir, 'p.earmark')
  const audio = join(dir, 'audio')
  files = writeToneClasses(audio, 8)
  for (const [plain, formula] of Object.entries(FORMULAS)) renameSync(join(audio, plain), join(audio, formula))
  files = files.map((f) =>
    Object.entries(FORMULAS).reduce((p, [plain, formula]) => p.replace(`/${plain}/`, `/${formula}/`), f),
  )
  expect(runEarmark(['init', project]).code).toBe(0)
  const imported = runEarmark(['import', project, audio, '--labels-from', 'folder', '--json'])
  expect(imported.code, imported.stderr).toBe(0)
  const trained = runEarmark(['train', project, '--model', 'rf', '--param', 'trees=10', '--json'])
  expect(trained.code, trained.stderr).toBe(0)
  const { runId } = lastJson<{ runId: number }>(trained.stdout)
  exported = join(dir, 'export')
  const out = runEarmark(['export', project, '--run', String(runId), '--out', exported, '--json'])
  expect(out.code, out.stderr).toBe(0)
}, 120_000)

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('text from data in CLI output', () => {
  it('writes no formula cell in predict --csv, and the CSV reads back to the class names', () => {
    const result = runEarmark(['predict', exported, ...files.slice(0, 6), '--csv'])
    expect(result.code, result.stderr).toBe(0)
    const rows = parse(result.stdout) as string[][]
    for (const row of rows) for (const cell of row) expect(cell, row.join(',')).not.toMatch(/^[=+\-@]/)
    const header = rows[0] as string[]
    for (const formula of Object.values(FORMULAS)) expect(header).toContain(`'${formula}`)
    expect(rows.slice(1).every((r) => Object.values(FORMULAS).includes((r[1] as string).slice(1)))).toBe(true)
  })

  it('prints a class name with terminal escapes as escapes in earmark info', () => {
    // A catalog from before names were checked: the escape went straight into the table.
    const db = new Database(project)
    db.prepare("UPDATE classes SET name = ? WHERE name = '@cmd'").run('\u001b[2J\u001b[31mPWNED\u0007')
    db.close()
    const info = runEarmark(['info', project])
    expect(info.code, info.stderr).toBe(0)
    expect(info.stdout).toContain('\\u{1b}[2J\\u{1b}[31mPWNED\\u{7}')
    // eslint-disable-next-line no-control-regex
    expect(info.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/)
    const json = runEarmark(['info', project, '--json'])
    expect(JSON.stringify(JSON.parse(json.stdout))).toContain('\\u001b[2J')
  })
})
