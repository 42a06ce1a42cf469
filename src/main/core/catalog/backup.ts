// Consistent copies of a live catalog, kept beside the project, and the way back from one.
// A plain file copy of a WAL database misses whatever sits in its -wal file (and can tear a page
// mid-write); SQLite's online backup API copies a consistent snapshot while writes continue.
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { basename, dirname, extname, join, resolve } from 'node:path'
import Database from 'better-sqlite3'
import { EarmarkError } from '../errors'
import { claimForRestore } from './presence'

/** A backup written, or found on disk. */
export interface BackupInfo {
  path: string
  bytes: number
  createdAt: string
}

/** Backups kept in the default folder; older ones are removed after a new one is written. */
const KEEP_BACKUPS = 10

/** Where a project's backups go by default: `<project>.backups/` beside the project file. */
const backupFolder = (projectPath: string): string => `${resolve(projectPath)}.backups`

const stampOf = (date: Date): string => date.toISOString().replace(/[:.]/g, '-')

/**
 * Writes a consistent backup of an open catalog with SQLite's online backup API, to `out` or to a
 * new file in the project's backup folder. The copy is written under a temporary name, checked
 * with `integrity_check`, then renamed: a crash never leaves a half backup that looks whole.
 */
export async function backupCatalog(
  db: Database.Database,
  projectPath: string,
  options: { out?: string; now?: Date } = {},
): Promise<BackupInfo> {
  const now = options.now ?? new Date()
  const name = basename(projectPath, extname(projectPath))
  const out = resolve(options.out ?? join(backupFolder(projectPath), `${name}-${stampOf(now)}.earmark`))
  if (existsSync(out)) throw new EarmarkError('conflict', `${out} already exists; choose another name.`)
  mkdirSync(dirname(out), { recursive: true })
  const partial = `${out}.partial`
  rmSync(partial, { force: true })
  try {
    // Large steps: another process writing between steps restarts the copy, so finish quickly.
    await db.backup(partial, { progress: () => 4096 })
    const copy = new Database(partial)
    try {
      const check = copy.pragma('integrity_check', { simple: true })
      if (check !== 'ok') throw new EarmarkError('corrupt', `The backup failed its integrity check: ${String(check)}`)
      copy.pragma('journal_mode = DELETE') // one self-contained file, no -wal beside it
    } finally {
      copy.close()
    }
    renameSync(partial, out)
  } catch (error) {
    rmSync(partial, { force: true })
    throw error
  }
  if (!options.out) pruneBackups(projectPath)
  return { path: out, bytes: statSync(out).size, createdAt: now.toISOString() }
}

/** The project's backups in its default folder, newest first. */
export function listBackups(projectPath: string): BackupInfo[] {
  const folder = backupFolder(projectPath)
  if (!existsSync(folder)) return []
  return readdirSync(folder)
    .filter((file) => file.endsWith('.earmark'))
    .map((file) => {
      const stat = statSync(join(folder, file))
      return { path: join(folder, file), bytes: stat.size, createdAt: stat.mtime.toISOString() }
    })
    .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : b.path.localeCompare(a.path)))
}

/** The newest backup in the project's backup folder, if any. */
export const latestBackup = (projectPath: string): BackupInfo | undefined => listBackups(projectPath)[0]

function pruneBackups(projectPath: string): void {
  for (const old of listBackups(projectPath).slice(KEEP_BACKUPS)) rmSync(old.path, { force: true })
}

/**
 * Puts a backup in place of a (damaged) project: the backup is checked first; the old project
 * file and its -wal/-shm are kept beside it as `<project>.damaged-<time>`, never deleted.
 * Refuses while any process has the project open (naming it): that process would go on writing
 * to the file moved aside, and what it acknowledged would be lost from the project.
 */
export function restoreBackup(projectPath: string, backupPath: string, now = new Date()): { movedAside?: string } {
  const project = resolve(projectPath)
  const backup = resolve(backupPath)
  if (backup === project || ['-wal', '-shm'].some((suffix) => backup === project + suffix)) {
    throw new EarmarkError('invalid-input', `${backupPath} is the project itself, not a backup of it.`)
  }
  if (!existsSync(backup)) throw new EarmarkError('not-found', `No backup at ${backup}.`)
  const release = claimForRestore(project)
  try {
    return replaceWithBackup(project, backup, now)
  } finally {
    release()
  }
}

function replaceWithBackup(project: string, backupPath: string, now: Date): { movedAside?: string } {
  const check = (() => {
    let copy: Database.Database | undefined
    try {
      copy = new Database(backupPath, { readonly: true, fileMustExist: true })
      return String(copy.pragma('integrity_check', { simple: true }))
    } catch (error) {
      return error instanceof Error ? error.message : String(error)
    } finally {
      copy?.close()
    }
  })()
  if (check !== 'ok') throw new EarmarkError('corrupt', `The backup ${backupPath} is not usable: ${check}`)
  let movedAside: string | undefined
  if (existsSync(project)) {
    movedAside = `${project}.damaged-${stampOf(now)}`
    for (const suffix of ['', '-wal', '-shm']) {
      if (existsSync(project + suffix)) renameSync(project + suffix, movedAside + suffix)
    }
  }
  copyFileSync(backupPath, `${project}.restoring`)
  renameSync(`${project}.restoring`, project)
  return movedAside ? { movedAside } : {}
}

/** The sentence that offers the latest backup, for messages about a damaged catalog. */
export function backupAdvice(projectPath: string): string {
  const latest = latestBackup(projectPath)
  if (!latest) return `No backup was found in ${backupFolder(projectPath)}.`
  return `The latest backup is ${latest.path} (${latest.createdAt}); restore it with "earmark restore ${projectPath}".`
}
