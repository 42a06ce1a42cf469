// A child process for the catalog crash tests (test/integration/reliability-catalog.test.ts): it
// works on a project and reports each step on stdout until the test kills it with SIGKILL.
// Bundled with esbuild by the test, so each of the many short-lived runs starts quickly.
//   label PROJECT SEED [no-checkpoint]
//                          labels, notes, regions, undo and redo in a loop; prints
//                          `begin <clip|*>` before each call and `ack <clip> <state>` after it;
//                          with no-checkpoint, every commit stays in the -wal (no automatic
//                          checkpoint writes the main file, so a kill never lands inside one)
//   migrate PROJECT        runs the pending migrations, printing `step <version>` inside each
//                          and pausing there, so the test can kill it mid-step
//   hold PROJECT MS        holds BEGIN IMMEDIATE on the catalog for MS milliseconds
import { writeSync } from 'node:fs'
import Database from 'better-sqlite3'
import { migrate, migrations } from '../../src/main/core/catalog/migrations'

const [mode, project, arg, option] = process.argv.slice(2)
if (!mode || !project) throw new Error('usage: catalog-crash-child label|migrate|hold PROJECT [ARG]')

/** Writes one line straight to fd 1: once this returns, the line survives a SIGKILL. */
const say = (line: string): void => {
  writeSync(1, `${line}\n`)
}

/** A small deterministic PRNG (mulberry32), so a failing seed can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** What the test compares after a crash: a clip's classes, note and region count. */
export interface ClipState {
  classIds: number[]
  note: string
  regions: number
}

async function labelLoop(seed: number): Promise<void> {
  // Loaded only here: the service pulls in much more than the other modes need.
  const { createDispatcher } = await import('../../src/main/core/api/dispatch')
  const { createStudioService } = await import('../../src/main/core/service')
  const service = createStudioService({ version: 'crash', defaultProjectPath: project!, projectPath: project! })
  if (option === 'no-checkpoint') service.catalog().db.pragma('wal_autocheckpoint = 0')
  const dispatch = createDispatcher(service.handlers)
  const call = async (method: string, input: unknown): Promise<unknown> => {
    const result = await dispatch(method, input)
    if (!result.ok) throw new Error(`${method}: ${result.error.message}`)
    return result.value
  }
  const classes = (await call('classes:list', {})) as { id: number }[]
  const page = (await call('clips:query', { limit: 1000 })) as { rows: { id: number }[] }
  const clips = page.rows.map((r) => r.id)
  const next = random(seed)
  const pick = <T>(list: T[]): T => list[Math.floor(next() * list.length)] as T
  const state = async (clipId: number): Promise<string> => {
    const clip = (await call('clips:get', { id: clipId })) as { labels: number[]; note: string; regions: unknown[] }
    const value: ClipState = {
      classIds: [...clip.labels].sort((a, b) => a - b),
      note: clip.note,
      regions: clip.regions.length,
    }
    return JSON.stringify(value)
  }
  say('ready')
  for (let step = 0; ; step++) {
    const roll = next()
    if (roll < 0.45) {
      const clipId = pick(clips)
      const classIds = classes.filter(() => next() < 0.4).map((c) => c.id)
      say(`begin ${clipId}`)
      await call('labels:set', { clipId, classIds })
      say(`ack ${clipId} ${await state(clipId)}`)
    } else if (roll < 0.6) {
      const clipId = pick(clips)
      say(`begin ${clipId}`)
      await call('labels:note', { clipId, note: `note ${step}` })
      say(`ack ${clipId} ${await state(clipId)}`)
    } else if (roll < 0.75) {
      const clipId = pick(clips)
      const start = Math.floor(next() * 50) / 100
      say(`begin ${clipId}`)
      await call('regions:create', { clipId, start, end: start + 0.1, classId: pick(classes).id })
      say(`ack ${clipId} ${await state(clipId)}`)
    } else {
      const method = roll < 0.9 ? 'edits:undo' : 'edits:redo'
      say('begin *')
      const result = (await call(method, {})) as { edit: { clipId: number } | null }
      if (result.edit) say(`ack ${result.edit.clipId} ${await state(result.edit.clipId)}`)
      else say('ack none')
    }
  }
}

function slowMigrate(): void {
  const db = new Database(project!)
  db.pragma('journal_mode = WAL')
  db.pragma('foreign_keys = ON')
  db.pragma('synchronous = FULL')
  const paused = migrations.map((m) => ({
    ...m,
    up: (handle: Database.Database) => {
      m.up(handle)
      say(`step ${m.version}`)
      const until = Date.now() + 400
      while (Date.now() < until) {
        // Inside the migration's transaction: the test kills us here.
      }
    },
  }))
  migrate(db, paused)
  say('migrated')
  db.close()
}

function hold(ms: number): void {
  const db = new Database(project!)
  db.prepare('BEGIN IMMEDIATE').run()
  say('holding')
  const until = Date.now() + ms
  while (Date.now() < until) {
    // Keep the write lock, as an external sqlite3 shell in a long transaction would.
  }
  db.prepare('ROLLBACK').run()
  db.close()
  say('released')
}

if (mode === 'label') await labelLoop(Number(arg ?? 1))
else if (mode === 'migrate') slowMigrate()
else if (mode === 'hold') hold(Number(arg ?? 10_000))
else throw new Error(`unknown mode ${mode}`)
