import Database from 'better-sqlite3'
import { EarmarkError } from './errors'

/**
 * Sorts a low-level failure (SQLite's, the file system's) into the API's few codes with a sentence
 * a person can act on, so no raw `SQLITE_…` or `ENOENT` reaches a caller as an internal error.
 * Returns undefined for anything else: that is a bug, and stays `internal`.
 */
export function classifyError(error: unknown): EarmarkError | undefined {
  if (error instanceof EarmarkError) return error
  if (error instanceof Database.SqliteError) return classifySqlite(error)
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  const path = (error as NodeJS.ErrnoException | undefined)?.path
  const where = path ? ` ${path}` : ''
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new EarmarkError('not-found', `No such file or folder:${where || ' (unnamed)'}.`)
    case 'EISDIR':
      return new EarmarkError('invalid-input', `Expected a file but found a folder:${where}.`)
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return new EarmarkError('read-only', `Permission denied:${where}.`)
    case 'ENOSPC':
    case 'EDQUOT':
      return new EarmarkError(
        'no-space',
        `The disk is full${path ? ` (writing${where})` : ''}; free some space and try again.`,
      )
    case 'ENAMETOOLONG':
      return new EarmarkError('invalid-input', 'A file name is too long.')
    case 'ELOOP':
      return new EarmarkError('invalid-input', `Too many symbolic links:${where}.`)
    default:
      return undefined
  }
}

function classifySqlite(error: InstanceType<typeof Database.SqliteError>): EarmarkError | undefined {
  const { code } = error
  if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_') || code === 'SQLITE_LOCKED') {
    return new EarmarkError(
      'busy',
      'The catalog is busy: another program (or another Earmark) is writing to this project. Try again in a moment.',
    )
  }
  if (code === 'SQLITE_FULL' || code === 'SQLITE_IOERR_WRITE' || code === 'SQLITE_IOERR_FSYNC') {
    return new EarmarkError(
      'no-space',
      'The disk holding the project is full; nothing was saved. Free some space and try again.',
    )
  }
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT_')) {
    return new EarmarkError('corrupt', `The project file is damaged (${error.message}). Restore it from a backup.`)
  }
  if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN') {
    return new EarmarkError('read-only', `The project cannot be written (${error.message}).`)
  }
  return undefined
}
