import { closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs'
import { basename, dirname, extname, resolve } from 'node:path'
import Database from 'better-sqlite3'
import { EarmarkError } from '../errors'
import { LATEST_SCHEMA_VERSION, migrate, schemaVersion } from './migrations'
import { backupAdvice, latestBackup } from './backup'
import { announceSession } from './presence'
import { setSetting } from './settings'

/** An open project catalog. */
export interface Catalog {
  readonly db: Database.Database
  /** Absolute path of the catalog file. */
  readonly path: string
  close(): void
}

/** How to open a catalog. */
export interface OpenCatalogOptions {
  /** Create a new project; refuses when the file exists. */
  create?: boolean
  /** The project's name when creating (default: the file name without extension). */
  name?: string
  /** Path to a better-sqlite3 binary built for this runtime (Electron's ABI differs from Node's). */
  nativeBinding?: string
  /** Injected clock, for tests. */
  now?: () => Date
}

const SQLITE_MAGIC = 'SQLite format 3\u0000'

/** Milliseconds a writer waits for another connection's lock (a worker's, a CLI's) before failing. */
const BUSY_TIMEOUT_MS = 5000

/**
 * Opens (or creates) a project catalog: one SQLite file, in WAL mode with foreign keys on and a busy
 * timeout, migrated to the latest schema. Refuses files that are not Earmark projects, damaged
 * files, and files written by a newer Earmark, each with its own error code.
 */
export function openCatalog(file: string, options: OpenCatalogOptions = {}): Catalog {
  const path = resolve(file)
  const exists = existsSync(path)
  if (options.create && exists) {
    throw new EarmarkError('conflict', `A file already exists at ${path}; choose another name or open it instead.`)
  }
  if (!options.create) {
    if (!exists) throw new EarmarkError('not-found', `No project at ${path}.`)
    assertLooksLikeSqlite(path)
  } else {
    mkdirSync(dirname(path), { recursive: true })
  }

  // Announced before the file is opened, so a restore that starts now sees this process.
  const leave = announceSession(path)
  let db: Database.Database
  try {
    db = new Database(path, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {})
  } catch (error) {
    leave()
    throw classifySqliteError(error, path)
  }
  try {
    configure(db)
    if (!options.create) assertIntact(db, path)
    if (!options.create && schemaVersion(db) === 0 && hasTables(db)) {
      throw new EarmarkError('not-a-project', `${path} is an SQLite database, but not an Earmark project.`)
    }
    migrate(db)
    if (options.create) {
      const now = (options.now ?? (() => new Date()))().toISOString()
      db.transaction(() => {
        setSetting(db, 'name', options.name ?? basename(path, extname(path)))
        setSetting(db, 'created_at', now)
        setSetting(db, 'multi_label', 'false')
      })()
    }
  } catch (error) {
    db.close()
    leave()
    throw classifySqliteError(error, path)
  }
  return {
    db,
    path,
    close: () => {
      if (db.open) db.close()
      leave()
    },
  }
}

function configure(db: Database.Database): void {
  db.pragma('journal_mode = WAL')
  db.pragma('foreign_keys = ON')
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
  // FULL: a label the user saw saved survives a power cut, not only a crash. Label commits are
  // small and few per second, so the extra fsync per commit costs nothing a person notices.
  db.pragma('synchronous = FULL')
}

/**
 * `PRAGMA quick_check` at every open: a damaged page (a flipped byte, a truncated file, a foreign
 * -wal) is found now, with the latest backup offered, rather than as a strange failure mid-work.
 * It reads every page once, which costs well under a second for a catalog of 100 000 clips.
 */
function assertIntact(db: Database.Database, path: string): void {
  const rows = db.pragma('quick_check(5)') as { quick_check: string }[]
  const problems = rows.map((r) => r.quick_check).filter((r) => r !== 'ok')
  if (problems.length > 0) {
    throw new EarmarkError('corrupt', `The project file ${path} is damaged (${problems[0]}). ${backupAdvice(path)}`, {
      problems,
      latestBackup: latestBackup(path)?.path ?? null,
    })
  }
}

function hasTables(db: Database.Database): boolean {
  return db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' LIMIT 1").get() !== undefined
}

function assertLooksLikeSqlite(path: string): void {
  const stat = statSync(path)
  if (!stat.isFile()) throw new EarmarkError('not-a-project', `${path} is not a file.`)
  if (stat.size === 0) return // an empty file is a valid, empty SQLite database
  const header = Buffer.alloc(16)
  const fd = openSync(path, 'r')
  try {
    readSync(fd, header, 0, 16, 0)
  } finally {
    closeSync(fd)
  }
  if (header.toString('latin1') !== SQLITE_MAGIC) {
    throw new EarmarkError('not-a-project', `${path} is not an Earmark project (not an SQLite file).`)
  }
}

/** Sorts SQLite's errors into the API's few codes; passes others through. */
function classifySqliteError(error: unknown, path: string): unknown {
  if (!(error instanceof Database.SqliteError)) return error
  if (error.code === 'SQLITE_CORRUPT' || error.code === 'SQLITE_NOTADB' || error.code.startsWith('SQLITE_CORRUPT_')) {
    return new EarmarkError('corrupt', `The project file ${path} is damaged: ${error.message}. ${backupAdvice(path)}`, {
      latestBackup: latestBackup(path)?.path ?? null,
    })
  }
  if (error.code === 'SQLITE_BUSY' || error.code.startsWith('SQLITE_BUSY_')) {
    return new EarmarkError(
      'busy',
      `The project file ${path} is busy: another program holds it. Try again in a moment.`,
    )
  }
  if (error.code.startsWith('SQLITE_READONLY') || error.code === 'SQLITE_CANTOPEN') {
    return new EarmarkError('read-only', `Cannot write the project file ${path}: ${error.message}`)
  }
  return error
}

export { LATEST_SCHEMA_VERSION }
