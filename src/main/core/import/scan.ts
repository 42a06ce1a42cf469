import { readdir, realpath, stat } from 'node:fs/promises'
import { extname, join } from 'node:path'
import type { ImportProblem } from '@shared/domain'

/** File extensions Earmark imports, lower case. */
const AUDIO_EXTENSIONS = new Set(['.wav', '.wave', '.flac', '.mp3', '.ogg', '.oga', '.opus'])

/** Whether a file name looks like audio Earmark can import. */
const isAudioFileName = (name: string): boolean => AUDIO_EXTENSIONS.has(extname(name).toLowerCase())

/** Audio files found under a folder, and what could not be read. */
export interface ScanResult {
  files: string[]
  problems: ImportProblem[]
}

/**
 * Lists audio files under a folder, recursively, in a stable (sorted) order. Follows symbolic
 * links, but each real folder is entered once, so a link loop is reported instead of followed
 * forever. Unreadable folders and broken links are reported, never fatal.
 */
export async function scanFolder(root: string): Promise<ScanResult> {
  const files: string[] = []
  const problems: ImportProblem[] = []
  const visited = new Set<string>()

  async function walk(dir: string): Promise<void> {
    let real: string
    try {
      real = await realpath(dir)
    } catch (error) {
      problems.push({ path: dir, reason: describeFsError(error) })
      return
    }
    if (visited.has(real)) {
      problems.push({ path: dir, reason: 'symlink loop: this folder was already scanned' })
      return
    }
    visited.add(real)
    let entries
    try {
      entries = await readdir(dir, { withFileTypes: true })
    } catch (error) {
      problems.push({ path: dir, reason: describeFsError(error) })
      return
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    for (const entry of entries) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) {
        await walk(path)
      } else if (entry.isSymbolicLink()) {
        try {
          const target = await stat(path)
          if (target.isDirectory()) await walk(path)
          else if (target.isFile() && isAudioFileName(entry.name)) files.push(path)
        } catch (error) {
          if (isAudioFileName(entry.name) || (error as NodeJS.ErrnoException).code === 'ELOOP') {
            problems.push({ path, reason: describeFsError(error) })
          }
        }
      } else if (entry.isFile() && isAudioFileName(entry.name)) {
        files.push(path)
      }
    }
  }

  const top = await stat(root).catch((error: unknown) => error as NodeJS.ErrnoException)
  if (top instanceof Error) return { files, problems: [{ path: root, reason: describeFsError(top) }] }
  if (!top.isDirectory()) return { files, problems: [{ path: root, reason: 'not a folder' }] }
  await walk(root)
  return { files, problems }
}

/** A file-system error in one line a person understands. */
export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  switch (code) {
    case 'ENOENT':
      return 'not found'
    case 'EACCES':
    case 'EPERM':
      return 'permission denied'
    case 'ELOOP':
      return 'symlink loop'
    case 'ENOTDIR':
      return 'not a folder'
    case 'EISDIR':
      return 'is a folder, not a file'
    default:
      return error instanceof Error ? error.message : String(error)
  }
}
