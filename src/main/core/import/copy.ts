// `import --copy`: files copied into the project's audio folder, safely against a kill at any
// moment. A copy is written under a temporary name, flushed to disk and renamed into place, so a
// name in the folder always holds a whole file; every name is first written to the import's
// journal, so the next import can remove what an interrupted one copied but never recorded.
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { copyFile, mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises'
import { basename, dirname, extname, join } from 'node:path'
import type { Database } from 'better-sqlite3'
import { knownPaths } from '../catalog/clips'
import { describeFsError } from './scan'
import { processIsAlive as alive } from '../processes'

/** Names Earmark keeps in the audio folder besides the copies, each carrying its process id. */
const JOURNAL = /^\.earmark-import-(\d+)-[0-9a-f]+\.journal$/
const PART = /^\..*\.(\d+)-[0-9a-f]+\.earmark-part$/

/** Journals of imports running in this process: the process id alone cannot tell them apart. */
const openJournals = new Set<string>()

/** The copies of one import: made, reused, and what interrupted imports left cleaned up. */
export interface ProjectCopies {
  /** Partial copies (temporary files) of interrupted imports, removed when the copies opened. */
  readonly partial: number
  /**
   * A copy of `source` (content hash `hash`) in the label's folder: an identical file already there
   * (left by an interrupted import) is reused, a different one of the same name is kept and the
   * copy gets the hash's first 8 hex digits appended. Returns the copy's path.
   */
  copy(source: string, label: string | null | undefined, hash: string): Promise<string>
  /**
   * Once the import's clips are written: removes the copies its journal names that no clip
   * records (an interrupted import's leftovers this one did not reuse, a duplicate found late),
   * then the journal. Returns how many were removed.
   */
  close(): Promise<number>
}

/** Whether an entry's process (or, in this process, its import) may still be writing it. */
function live(name: string, pid: number): boolean {
  return pid === process.pid ? openJournals.has(name) : alive(pid)
}

/** Flushes a file, or a folder's entries (the rename), to disk. */
async function sync(path: string): Promise<void> {
  const handle = await open(path, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

async function sameContent(path: string, hash: string): Promise<boolean> {
  const digest = createHash('sha256')
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) digest.update(chunk as Buffer)
  } catch {
    return false
  }
  return digest.digest('hex') === hash
}

/** Files directly in the audio folder and in its label folders. */
async function listFolder(folder: string): Promise<{ dir: string; name: string }[]> {
  const found: { dir: string; name: string }[] = []
  const walk = async (dir: string, depth: number) => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => [])
    for (const entry of entries) {
      if (entry.isDirectory() && depth === 0) await walk(join(dir, entry.name), depth + 1)
      else if (entry.isFile()) found.push({ dir, name: entry.name })
    }
  }
  await walk(folder, 0)
  return found
}

/**
 * Opens an import's copies into `folder`. Takes over what interrupted imports left: their partial
 * copies are removed at once, and the copies their journals name that no clip records move to this
 * import's journal, to be reused or removed when it closes. Journals of imports still running (in
 * this process or another) and files no journal names are never touched.
 */
export async function openProjectCopies(db: Database, folder: string): Promise<ProjectCopies> {
  await mkdir(folder, { recursive: true })
  const isRecorded = (path: string) => knownPaths(db, [path]).size > 0
  const journalName = `.earmark-import-${process.pid}-${randomBytes(4).toString('hex')}.journal`
  const journalPath = join(folder, journalName)
  const journal = await open(journalPath, 'a')
  openJournals.add(journalName)
  /** Names a copy in the journal, durably, before it exists under that name. */
  const note = async (paths: string[]) => {
    if (paths.length === 0) return
    await journal.appendFile(paths.map((path) => `${JSON.stringify(path)}\n`).join(''))
    await journal.datasync()
  }
  const listed = async (path: string): Promise<string[]> => {
    const text = await readFile(path, 'utf8').catch(() => '')
    const paths = new Set<string>()
    // One JSON string per line; a line cut by a kill is a copy that never reached its name.
    for (const line of text.split('\n')) {
      try {
        const value: unknown = JSON.parse(line)
        if (typeof value === 'string') paths.add(value)
      } catch {
        // the cut line
      }
    }
    return [...paths]
  }

  let partial = 0
  try {
    for (const { dir, name } of await listFolder(folder)) {
      const dead = JOURNAL.exec(name)
      if (dead && dir === folder && !live(name, Number(dead[1]))) {
        await note((await listed(join(dir, name))).filter((path) => !isRecorded(path)))
        await unlink(join(dir, name)).catch(() => undefined)
        continue
      }
      const part = PART.exec(name)
      const pid = Number(part?.[1])
      if (part && !(pid === process.pid ? openJournals.size > 1 : alive(pid))) {
        await unlink(join(dir, name)).catch(() => undefined)
        partial++
      }
    }
  } catch (error) {
    await journal.close()
    openJournals.delete(journalName)
    throw error
  }

  const place = async (dir: string, name: string, hash: string): Promise<{ target: string; reuse: boolean }> => {
    const target = join(dir, name)
    const existing = await stat(target).catch(() => undefined)
    if (!existing) return { target, reuse: false }
    if (existing.isFile() && (await sameContent(target, hash))) return { target, reuse: true }
    const ext = extname(name)
    const suffixed = join(dir, `${name.slice(0, name.length - ext.length)}-${hash.slice(0, 8)}${ext}`)
    const other = await stat(suffixed).catch(() => undefined)
    if (!other) return { target: suffixed, reuse: false }
    if (other.isFile() && (await sameContent(suffixed, hash))) return { target: suffixed, reuse: true }
    return { target: join(dir, `${name.slice(0, name.length - ext.length)}-${hash}${ext}`), reuse: false }
  }

  return {
    partial,
    async copy(source, label, hash) {
      const dir = join(folder, label ?? '_unlabeled')
      try {
        await mkdir(dir, { recursive: true })
        const { target, reuse } = await place(dir, basename(source), hash)
        await note([target])
        if (reuse) return target
        const temp = join(dir, `.${basename(target)}.${process.pid}-${randomBytes(4).toString('hex')}.earmark-part`)
        try {
          await copyFile(source, temp)
          await sync(temp)
          await rename(temp, target)
        } catch (error) {
          await unlink(temp).catch(() => undefined)
          throw error
        }
        // Windows cannot open a folder to flush it; its renames are journalled by NTFS itself.
        if (process.platform !== 'win32') await sync(dir)
        return target
      } catch (error) {
        throw new Error(`cannot copy into the project: ${describeFsError(error)}`, { cause: error })
      }
    },
    async close() {
      let removed = 0
      for (const path of await listed(journalPath)) {
        if (isRecorded(path)) continue
        if (
          await unlink(path).then(
            () => true,
            () => false,
          )
        )
          removed++
      }
      await journal.close()
      await unlink(journalPath).catch(() => undefined)
      openJournals.delete(journalName)
      return removed
    },
  }
}

/** Where `--copy` puts imported audio: a folder beside the project file, named after it. */
export function projectAudioFolder(projectPath: string): string {
  return join(dirname(projectPath), `${basename(projectPath, extname(projectPath))} audio`)
}
