// Reliability targets D1, D2, D5, D7, D8, D9 (docs/reliability.md): real
// `kill -9` of real child processes while they import, label and migrate; backups of a live
// catalog; damaged files found at open with the latest backup offered.
import { spawn, type ChildProcess } from 'node:child_process'
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { beforeAll, describe, expect, it } from 'vitest'
import { addClass } from '../../src/main/core/catalog/classes'
import { backupCatalog, listBackups } from '../../src/main/core/catalog/backup'
import { getClipDetail } from '../../src/main/core/catalog/clip-query'
import { insertClip } from '../../src/main/core/catalog/clips'
import { LATEST_SCHEMA_VERSION, migrate, migrations } from '../../src/main/core/catalog/migrations'
import { openCatalog } from '../../src/main/core/catalog/open'
import { EarmarkError } from '../../src/main/core/errors'
import { createDispatcher } from '../../src/main/core/api/dispatch'
import { createStudioService } from '../../src/main/core/service'
import { assertBuilt, ROOT, runEarmark } from '../helpers/cli'
import { bundleChild } from '../helpers/child-bundle'
import { tempDir } from '../helpers/temp'
import { encodeWav, tone } from '../helpers/wav-writer'

/** Kill points per family here; EARMARK_KILLS multiplies them for the long run (about 100 import and 200 labeling kills). */
const SCALE = Number(process.env['EARMARK_KILLS'] ?? 1)
const IMPORT_KILLS = 8 * SCALE
const LABEL_KILLS = 12 * SCALE
let CHILD: string

beforeAll(async () => {
  // One bundle, so each of the many short-lived children starts in a fraction of a second.
  CHILD = await bundleChild('catalog-crash-child')
}, 60_000)

/** A running child and the lines it has printed so far. */
interface Child {
  process: ChildProcess
  lines: string[]
  /** Resolves when a line matching `pattern` has been printed. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>
  exited: Promise<number | null>
}

function startChild(command: string, args: string[]): Child {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: string[] = []
  let partial = ''
  let stderr = ''
  const waiters: { pattern: RegExp; resolve: () => void }[] = []
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  child.stdout!.on('data', (chunk: Buffer) => {
    partial += chunk.toString()
    const parts = partial.split('\n')
    partial = parts.pop() ?? ''
    for (const line of parts) {
      lines.push(line)
      for (const w of waiters.splice(0)) {
        if (w.pattern.test(line)) w.resolve()
        else waiters.push(w)
      }
    }
  })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return {
    process: child,
    lines,
    exited,
    waitFor: (pattern, timeoutMs = 30_000) =>
      lines.some((l) => pattern.test(l))
        ? Promise.resolve()
        : new Promise((resolve, reject) => {
            const timer = setTimeout(
              () => reject(new Error(`no line matching ${pattern} in ${timeoutMs} ms; stderr: ${stderr}`)),
              timeoutMs,
            )
            waiters.push({ pattern, resolve: () => (clearTimeout(timer), resolve()) })
            void exited.then(() => reject(new Error(`child exited before ${pattern}; stderr: ${stderr}`)))
          }),
  }
}

const crashChild = (...args: string[]) => startChild(process.execPath, [CHILD, ...args])

/** SIGKILL, and wait until the process is gone. */
async function kill9(child: Child): Promise<void> {
  child.process.kill('SIGKILL')
  await child.exited
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function integrity(path: string): { integrity: string; foreignKeys: unknown[] } {
  const db = new Database(path)
  try {
    return {
      integrity: String(db.pragma('integrity_check', { simple: true })),
      foreignKeys: db.pragma('foreign_key_check') as unknown[],
    }
  } finally {
    db.close()
  }
}

/** A project with `clips` catalogued clips (no audio needed for labeling) and four classes. */
function labelProject(clips: number): string {
  const path = join(tempDir(), 'labels.earmark')
  const catalog = openCatalog(path, { create: true })
  for (const name of ['owl', 'wren', 'jay', 'kite']) addClass(catalog.db, { name })
  catalog.db.transaction(() => {
    for (let i = 0; i < clips; i++) {
      insertClip(catalog.db, {
        path: `/data/c${i}.wav`,
        contentHash: `h${i}`,
        duration: 1,
        sampleRate: 8000,
        channels: 1,
        size: 16044,
        codec: 'PCM 16-bit',
      })
    }
  })()
  catalog.close()
  return path
}

describe('D1 kill -9 during import', () => {
  it(`keeps every batch whole, never duplicates a clip, and resumes (${IMPORT_KILLS} kill points)`, async () => {
    assertBuilt()
    const dir = tempDir()
    const source = join(dir, 'audio')
    const total = 1100
    for (let i = 0; i < total; i++) {
      const label = `c${i % 5}`
      mkdirSync(join(source, label), { recursive: true })
      // Distinct content per file: one sample differs.
      const samples = tone(0.01, 8000, 440)
      samples[0] = (i - total / 2) / total
      writeFileSync(join(source, label, `${i}.wav`), encodeWav([samples], 8000))
    }
    const project = join(dir, 'import.earmark')
    expect(runEarmark(['init', project]).code).toBe(0)
    let kills = 0
    let restarts = 0
    for (let trial = 0; trial < IMPORT_KILLS; trial++) {
      const child = startChild(process.execPath, [join(ROOT, 'bin', 'earmark.js'), 'import', project, source])
      // Early enough that the import is still running (it takes a second or two): a kill test
      // that killed nothing would prove nothing, and the count below says how many landed.
      await sleep(300 + Math.random() * 900)
      const finished = child.process.exitCode !== null
      if (finished) restarts++
      else {
        await kill9(child)
        kills++
      }
      const state = integrity(project)
      expect(state.integrity).toBe('ok')
      expect(state.foreignKeys).toEqual([])
      const db = new Database(project, { readonly: true })
      const count = db.prepare('SELECT count(*) FROM clips').pluck().get() as number
      const duplicates = db
        .prepare('SELECT content_hash FROM clips GROUP BY content_hash HAVING count(*) > 1')
        .all() as unknown[]
      const unlabeled = db
        .prepare('SELECT count(*) FROM clips WHERE id NOT IN (SELECT clip_id FROM clip_labels)')
        .pluck()
        .get() as number
      db.close()
      // Each batch of 200 is one transaction: all of it or none of it.
      expect(count % 200 === 0 || count === total, `${count} clips after a kill`).toBe(true)
      expect(duplicates).toEqual([])
      expect(unlabeled).toBe(0) // a clip and its label commit together
      // An import that got to the end leaves nothing to interrupt: the next trial starts afresh.
      if (finished || count === total) {
        for (const suffix of ['', '-wal', '-shm']) rmSync(project + suffix, { force: true })
        expect(runEarmark(['init', project]).code).toBe(0)
      }
    }
    // And the import resumes: a run to the end leaves every file imported once.
    const last = runEarmark(['import', project, source, '--json'])
    expect(last.code, last.stderr).toBe(0)
    const db = new Database(project, { readonly: true })
    expect(db.prepare('SELECT count(DISTINCT content_hash) FROM clips').pluck().get()).toBe(total)
    expect(db.prepare('SELECT count(*) FROM clips').pluck().get()).toBe(total)
    db.close()
    expect(kills, 'the import finished before the first kill').toBeGreaterThan(0)
    console.info(`D1: ${kills} kills during import (${restarts} imports finished first), integrity ok after each`)
  }, 240_000)
})

describe('D2 kill -9 during labeling', () => {
  it(`keeps every acknowledged label, note and region (${LABEL_KILLS} kills)`, async () => {
    const project = labelProject(24)
    const expected = new Map<number, string>()
    let acks = 0
    for (let trial = 0; trial < LABEL_KILLS; trial++) {
      const child = crashChild('label', project, String(trial + 1))
      await child.waitFor(/^ready$/)
      await sleep(20 + Math.random() * 250)
      await kill9(child)
      let inflight: string | undefined
      for (const line of child.lines) {
        const [word, clip, state] = line.split(' ', 3) as [string, string, string | undefined]
        if (word === 'begin') inflight = clip
        if (word === 'ack') {
          inflight = undefined
          acks++
          if (clip !== 'none' && state) expected.set(Number(clip), line.slice(line.indexOf('{')))
        }
      }
      const state = integrity(project)
      expect(state.integrity).toBe('ok')
      expect(state.foreignKeys).toEqual([])
      const catalog = openCatalog(project)
      try {
        const mismatched: number[] = []
        for (const [clipId, want] of expected) {
          const clip = getClipDetail(catalog.db, clipId)
          const got = JSON.stringify({
            classIds: [...clip.labels].sort((a, b) => a - b),
            note: clip.note,
            regions: clip.regions.length,
          })
          if (got !== want) {
            mismatched.push(clipId)
            expected.set(clipId, got) // the in-flight call committed; it is the new truth
          }
        }
        // Only the call in flight at the kill may have changed a clip beyond its last ack.
        if (inflight === undefined) expect(mismatched).toEqual([])
        else if (inflight === '*') expect(mismatched.length).toBeLessThanOrEqual(1)
        else expect(mismatched.filter((id) => id !== Number(inflight))).toEqual([])
        // Label commits are fully synchronous: durable through a power cut too, not only a crash.
        expect(catalog.db.pragma('synchronous', { simple: true })).toBe(2)
      } finally {
        catalog.close()
      }
    }
    expect(acks).toBeGreaterThan(LABEL_KILLS)
    console.info(`D2: ${LABEL_KILLS} kills during labeling, ${acks} acknowledged edits, 0 lost`)
  }, 240_000)
})

describe('D3 the disk fills up', () => {
  // A real SQLITE_FULL without a small tmpfs (which needs root to mount): SQLite's own page cap
  // on the connection makes the file "full" exactly as a full disk does.
  it('answers "no-space", rolls the transaction back, keeps serving reads, and writes again once there is room', async () => {
    const project = labelProject(4)
    const service = createStudioService({ version: 't', defaultProjectPath: project, projectPath: project })
    const dispatch = createDispatcher(service.handlers)
    try {
      const db = service.catalog().db
      const pages = db.pragma('page_count', { simple: true }) as number
      db.pragma(`max_page_count = ${pages + 2}`)
      let full: Awaited<ReturnType<typeof dispatch>> | undefined
      for (let i = 0; i < 200 && !full; i++) {
        const result = await dispatch('labels:note', { clipId: 1 + (i % 4), note: `${i} ${'n'.repeat(9000)}` })
        if (!result.ok) full = result
      }
      expect(full).toMatchObject({
        ok: false,
        error: { code: 'no-space', message: expect.stringMatching(/disk .* full/) },
      })
      expect(db.inTransaction).toBe(false)
      expect((await dispatch('clips:query', {})).ok).toBe(true)
      expect((await dispatch('classes:list', {})).ok).toBe(true)
      db.pragma('max_page_count = 1073741823')
      expect(await dispatch('labels:note', { clipId: 1, note: 'room again' })).toMatchObject({ ok: true })
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
    } finally {
      await service.close()
    }
  })
})

describe('D5 another process holds the write lock', () => {
  it('answers "busy" after the busy timeout instead of hanging, then works once released', async () => {
    const project = labelProject(2)
    const service = createStudioService({ version: 't', defaultProjectPath: project, projectPath: project })
    const dispatch = createDispatcher(service.handlers)
    try {
      expect((await dispatch('classes:list', {})).ok).toBe(true)
      const holder = crashChild('hold', project, '7000')
      await holder.waitFor(/^holding$/)
      const started = Date.now()
      const blocked = await dispatch('classes:add', { name: 'blocked' })
      const waited = Date.now() - started
      expect(blocked).toMatchObject({ ok: false, error: { code: 'busy', message: expect.stringMatching(/busy/) } })
      expect(waited).toBeGreaterThanOrEqual(4500)
      expect(waited).toBeLessThan(7000)
      // Reads go on meanwhile (WAL).
      expect((await dispatch('classes:list', {})).ok).toBe(true)
      await holder.waitFor(/^released$/, 15_000)
      expect(await dispatch('classes:add', { name: 'after' })).toMatchObject({ ok: true })
      expect(integrity(project).integrity).toBe('ok')
    } finally {
      await service.close()
    }
  }, 30_000)
})

describe('D7 backups of a live catalog', () => {
  it('writes consistent backups while another process keeps labeling, by API and by CLI', async () => {
    assertBuilt()
    const project = labelProject(24)
    const writer = crashChild('label', project, '77')
    await writer.waitFor(/^ready$/)
    const catalog = openCatalog(project)
    try {
      for (let i = 0; i < 3; i++) {
        await sleep(100)
        const backup = await backupCatalog(catalog.db, project, { now: new Date(Date.UTC(2026, 0, 1, 0, 0, i)) })
        const state = integrity(backup.path)
        expect(state.integrity).toBe('ok')
        expect(state.foreignKeys).toEqual([])
        expect(existsSync(`${backup.path}-wal`)).toBe(false) // one self-contained file
        const copy = new Database(backup.path, { readonly: true })
        expect(copy.prepare('SELECT count(*) FROM clips').pluck().get()).toBe(24)
        copy.close()
      }
      expect(listBackups(project)).toHaveLength(3)
      const out = join(tempDir(), 'cli-backup.earmark')
      const cli = runEarmark(['backup', project, out, '--json'])
      expect(cli.code, cli.stderr).toBe(0)
      expect(JSON.parse(cli.stdout)).toMatchObject({ path: out })
      expect(integrity(out).integrity).toBe('ok')
      // The edits acknowledged before the backup began are in it.
      const acked = writer.lines.filter((l) => l.startsWith('ack ')).length
      expect(acked).toBeGreaterThan(0)
    } finally {
      catalog.close()
      await kill9(writer)
    }
  }, 60_000)
})

describe('D8 kill -9 inside each migration step', () => {
  const schemaOf = (path: string) => {
    const db = new Database(path, { readonly: true })
    try {
      return {
        version: db.pragma('user_version', { simple: true }) as number,
        schema: db
          .prepare("SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY name")
          .all(),
      }
    } finally {
      db.close()
    }
  }

  it('leaves the old schema or the new one, never one between; the next open completes', async () => {
    let trials = 0
    for (let from = 0; from < LATEST_SCHEMA_VERSION; from++) {
      // From an empty file, a kill inside every step; from each older schema, inside its first step.
      const killPoints = from === 0 ? migrations.map((m) => m.version) : [from + 1]
      for (const killAt of killPoints) {
        const path = join(tempDir(), `v${from}-kill${killAt}.earmark`)
        const db = new Database(path)
        db.pragma('journal_mode = WAL')
        if (from > 0) migrate(db, migrations.slice(0, from))
        db.close()
        const before = schemaOf(path)
        const child = crashChild('migrate', path)
        await child.waitFor(new RegExp(`^step ${killAt}$`))
        await kill9(child)
        trials++
        expect(schemaOf(path)).toEqual(before)
        expect(integrity(path).integrity).toBe('ok')
        const catalog = openCatalog(path)
        expect(catalog.db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION)
        expect(catalog.db.pragma('foreign_key_check')).toEqual([])
        catalog.close()
      }
    }
    expect(trials).toBe(2 * LATEST_SCHEMA_VERSION - 1)
    console.info(`D8: ${trials} kills inside migration steps, old schema intact after each`)
  }, 60_000)

  it('refuses a catalog from a newer Earmark', () => {
    const path = labelProject(1)
    const db = new Database(path)
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`)
    db.close()
    expect(() => openCatalog(path)).toThrow(expect.objectContaining({ code: 'schema-too-new' }))
  })
})

describe('D9 damaged catalog files', () => {
  /** A project with enough rows to span many pages, closed cleanly, with one backup beside it. */
  async function damagedFixture(): Promise<{ project: string; pageSize: number; pages: number }> {
    const project = labelProject(600)
    const catalog = openCatalog(project)
    await backupCatalog(catalog.db, project)
    catalog.db.pragma('wal_checkpoint(TRUNCATE)')
    const pageSize = catalog.db.pragma('page_size', { simple: true }) as number
    catalog.close()
    return { project, pageSize, pages: statSync(project).size / pageSize }
  }

  /** Opens a catalog: 'ok', or the code of the EarmarkError it was refused with; anything else fails. */
  function openOutcome(path: string): { result: string; message?: string } {
    try {
      openCatalog(path).close()
      return { result: 'ok' }
    } catch (error) {
      if (error instanceof EarmarkError) return { result: error.code, message: error.message }
      throw error
    }
  }

  it('finds a damaged b-tree page header at open, and offers the latest backup', async () => {
    const { project, pageSize, pages } = await damagedFixture()
    const pristine = readFileSync(project)
    let detected = 0
    for (let page = 2; page <= pages; page++) {
      const bytes = Buffer.from(pristine)
      const at = (page - 1) * pageSize
      const type = bytes[at]
      if (type !== 0x02 && type !== 0x05 && type !== 0x0a && type !== 0x0d) continue // not a b-tree page
      bytes.writeUInt16BE(0xffff, at + 3) // cell count: far more cells than the page holds
      writeFileSync(project, bytes)
      const outcome = openOutcome(project)
      expect(outcome.result, `page ${page}`).toBe('corrupt')
      expect(outcome.message).toMatch(/damaged/)
      expect(outcome.message).toMatch(/latest backup is .*\.backups\/.*restore it with "earmark restore/)
      detected++
    }
    expect(detected).toBeGreaterThan(3)
    // The offered way back: `earmark restore` puts the latest backup in place, keeping the damage.
    assertBuilt()
    const restored = runEarmark(['restore', project, '--json'])
    expect(restored.code, restored.stderr).toBe(0)
    const { movedAside } = JSON.parse(restored.stdout) as { movedAside: string }
    expect(existsSync(movedAside)).toBe(true)
    expect(openOutcome(project).result).toBe('ok')
    expect(integrity(project).integrity).toBe('ok')
  }, 60_000)

  it('never crashes on random byte flips or truncation: opens, or refuses as corrupt', async () => {
    const { project } = await damagedFixture()
    const pristine = readFileSync(project)
    let refused = 0
    let seed = 12345
    const next = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32
    for (let trial = 0; trial < 40; trial++) {
      const bytes = Buffer.from(pristine)
      for (let k = 0; k < 8; k++) {
        const at = 100 + Math.floor(next() * (bytes.length - 100))
        bytes[at] = bytes[at]! ^ (1 + Math.floor(next() * 255))
      }
      writeFileSync(project, bytes)
      rmSync(`${project}-wal`, { force: true })
      rmSync(`${project}-shm`, { force: true })
      const outcome = openOutcome(project)
      expect(['ok', 'corrupt', 'not-a-project'], outcome.message).toContain(outcome.result)
      if (outcome.result !== 'ok') refused++
    }
    for (const keep of [0.5, 0.1]) {
      writeFileSync(project, pristine)
      truncateSync(project, Math.floor(pristine.length * keep))
      expect(openOutcome(project).result).toBe('corrupt')
    }
    console.info(`D9: 40 files with 8 random byte flips each, ${refused} refused as corrupt, 0 crashes`)
  }, 60_000)

  it('opens after a crash whose -wal was deleted or swapped for a foreign one, or refuses it as corrupt', async () => {
    const project = labelProject(24)
    const other = labelProject(24)
    // Killed between checkpoints: the main file then holds every checkpointed commit whole and
    // the -wal the rest. (A kill inside a checkpoint leaves a main file that needs its -wal.)
    for (const path of [project, other]) {
      const child = crashChild('label', path, '5', 'no-checkpoint')
      await child.waitFor(/^ready$/)
      await sleep(300)
      await kill9(child)
    }
    expect(existsSync(`${project}-wal`)).toBe(true)
    const foreign = readFileSync(`${other}-wal`)
    const withoutWal = join(tempDir(), 'no-wal.earmark')
    copyFileSync(project, withoutWal)
    // Deleting the -wal loses the commits not yet checkpointed, never the file's consistency.
    expect(openOutcome(withoutWal).result).toBe('ok')
    expect(integrity(withoutWal).integrity).toBe('ok')
    rmSync(`${project}-shm`, { force: true })
    writeFileSync(`${project}-wal`, foreign)
    expect(['ok', 'corrupt']).toContain(openOutcome(project).result)
  }, 60_000)
})
