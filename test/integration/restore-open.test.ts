// A restore never replaces a project under a process that has it open: that process would go on
// writing to the file moved aside, and every write it acknowledged afterwards would be lost.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertBuilt, ROOT, runEarmark, startServe, stopServe } from '../helpers/cli'
import { importedFsddProject } from '../helpers/fsdd'
import { apiCaller } from '../helpers/http'

let dir: string
let project: string
let backup: string

/** Files beside the project that a restore leaves when it moves the project aside. */
const movedAside = (): string[] => readdirSync(dirname(project)).filter((f) => f.includes('.damaged-'))

/** Reads the project file as it is on disk, with no Earmark code in between. */
function readProject<T>(read: (db: Database.Database) => T): T {
  const db = new Database(project, { readonly: true })
  try {
    return read(db)
  } finally {
    db.close()
  }
}

beforeAll(() => {
  assertBuilt()
  dir = mkdtempSync(join(tmpdir(), 'earmark-restore-'))
  project = importedFsddProject(dir, 4)
  backup = join(dir, 'backup.earmark')
  const backedUp = runEarmark(['backup', project, backup])
  expect(backedUp.code, backedUp.stderr).toBe(0)
}, 60_000)

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('restore beside an open project', () => {
  it('refuses while earmark serve has the project open, naming it, and loses no acknowledged write', async () => {
    const served = await startServe([project])
    const call = apiCaller(served.url)
    try {
      const clipId = readProject((db) => (db.prepare('SELECT min(id) AS id FROM clips').get() as { id: number }).id)
      // Notes written in a loop while the restore runs; each acknowledged one must survive.
      let acknowledged = 0
      let writing = true
      const writer = (async () => {
        while (writing) {
          const res = await call('labels:note', { clipId, note: `note ${acknowledged + 1}` })
          expect(res.status).toBe(200)
          acknowledged++
        }
      })()
      while (acknowledged < 5) await new Promise((r) => setTimeout(r, 20))
      const restore = runEarmark(['restore', project, backup])
      const during = acknowledged
      while (acknowledged < during + 5) await new Promise((r) => setTimeout(r, 20))
      writing = false
      await writer

      expect(restore.code).not.toBe(0)
      expect(restore.stderr).toMatch(/is open in earmark serve \(process \d+\)/)
      expect(restore.stderr).toContain(String(served.child.pid))
      expect(movedAside()).toEqual([])
      await stopServe(served.child)
      const stored = readProject(
        (db) => db.prepare('SELECT note FROM clips WHERE id = ?').get(clipId) as { note: string },
      )
      expect(stored.note).toBe(`note ${acknowledged}`)
    } finally {
      await stopServe(served.child)
    }
  }, 60_000)

  it('refuses to restore a project from itself, and moves nothing', () => {
    const result = runEarmark(['restore', project, project])
    expect(result.code).not.toBe(0)
    expect(result.stderr).toMatch(/is the project itself, not a backup/)
    expect(existsSync(project)).toBe(true)
    expect(movedAside()).toEqual([])
  })

  it('is not held back by a process that was killed with the project open', async () => {
    // A child that opens the project and waits to be killed: its session file stays behind.
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `const { openCatalog } = await import(${JSON.stringify(join(ROOT, 'src/main/core/catalog/open.ts'))});` +
          `openCatalog(${JSON.stringify(project)}); console.log('open'); setInterval(() => {}, 1000)`,
      ],
      { cwd: ROOT, env: { ...process.env, TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.node.json') }, stdio: 'pipe' },
    )
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('open') && resolve())
      child.on('exit', (code) => reject(new Error(`the child exited with ${code}`)))
    })
    const refused = runEarmark(['restore', project, backup])
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toContain(`process ${child.pid}`)
    await new Promise((resolve) => {
      child.removeAllListeners('exit')
      child.once('exit', resolve)
      child.kill('SIGKILL')
    })
    const restored = runEarmark(['restore', project, backup, '--json'])
    expect(restored.code, restored.stderr).toBe(0)
    expect(movedAside().length).toBeGreaterThan(0)
  }, 60_000)
})
