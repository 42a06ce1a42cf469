// Which processes have a project open, so that replacing its file (a restore) never happens under
// a process that would go on writing to the old one. SQLite cannot tell: in WAL mode an idle
// connection holds no lock, so a restore that only tried a lock would succeed beside an open
// studio, and every label it acknowledged afterwards would land in the file moved aside.
//
// Each open catalog leaves a small file in `<project>.sessions/` naming its process; closing
// removes it, and a file whose process has died (a kill, a crash) is stale and swept. A restore
// first claims `<project>.restoring` (exclusive create), then looks for live sessions; an open
// first announces itself, then looks for a live claim. Whichever comes second sees the other, so
// a restore and an open can never both go ahead.
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'
import { EarmarkError } from '../errors'
import { processIsAlive } from '../processes'

/** A process that has the project open, as it announced itself. */
export interface ProjectSession {
  pid: number
  /** What the process is, in the words of its command line (`earmark serve`, `earmark labels`). */
  command: string
  startedAt: string
}

const sessionsFolder = (projectPath: string): string => `${resolve(projectPath)}.sessions`
const restoreClaim = (projectPath: string): string => `${resolve(projectPath)}.restoring-claim`

let counter = 0

/** What this process is, for other processes' messages: the program and its first word. */
function describeSelf(): string {
  const [, script, verb] = process.argv
  const program = script ? basename(script).replace(/\.(c|m)?js$/, '') : 'node'
  return verb && !verb.startsWith('-') ? `${program} ${verb}` : program
}

/** Whether the process that left a note runs; a note without a plausible id is stale. */
const alive = (pid: number): boolean => Number.isInteger(pid) && pid > 0 && processIsAlive(pid)

function readSession(file: string): ProjectSession | undefined {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as Partial<ProjectSession>
    if (typeof value.pid !== 'number') return undefined
    return { pid: value.pid, command: String(value.command ?? ''), startedAt: String(value.startedAt ?? '') }
  } catch {
    return undefined
  }
}

/**
 * The processes that have the project open now, other than `exceptPid`. Files of processes that
 * no longer run are removed on the way.
 */
function liveSessions(projectPath: string, exceptPid?: number): ProjectSession[] {
  const folder = sessionsFolder(projectPath)
  let names: string[]
  try {
    names = readdirSync(folder)
  } catch {
    return []
  }
  const live: ProjectSession[] = []
  for (const name of names) {
    const file = join(folder, name)
    const session = readSession(file)
    // A file being written has no pid yet: its owner is alive by definition, but it has not
    // opened the catalog either, and it will see the restore claim after writing.
    if (!session) continue
    if (!alive(session.pid)) {
      rmSync(file, { force: true })
      continue
    }
    if (session.pid !== exceptPid) live.push(session)
  }
  return live
}

/** The process that claims to be restoring the project, if it still runs. */
function liveRestore(projectPath: string): ProjectSession | undefined {
  const claim = readSession(restoreClaim(projectPath))
  if (!claim) return undefined
  if (alive(claim.pid)) return claim
  rmSync(restoreClaim(projectPath), { force: true })
  return undefined
}

/**
 * Records that this process has the project open; the returned function takes it back. Refuses
 * while another process restores the project.
 */
export function announceSession(projectPath: string): () => void {
  const folder = sessionsFolder(projectPath)
  mkdirSync(folder, { recursive: true })
  const file = join(folder, `${process.pid}-${++counter}.json`)
  const self: ProjectSession = { pid: process.pid, command: describeSelf(), startedAt: new Date().toISOString() }
  writeFileSync(file, JSON.stringify(self))
  const release = (): void => {
    rmSync(file, { force: true })
    try {
      if (readdirSync(folder).length === 0) rmSync(folder, { recursive: true, force: true })
    } catch {
      // Another process removed it, or added a file meanwhile: either way nothing to do.
    }
  }
  const restoring = liveRestore(projectPath)
  if (restoring && restoring.pid !== process.pid) {
    release()
    throw new EarmarkError(
      'busy',
      `${resolve(projectPath)} is being restored from a backup by ${restoring.command} (process ${restoring.pid}); open it again when that has finished.`,
    )
  }
  return release
}

/**
 * Claims the project for a restore: refuses, naming them, while any other process has it open
 * (a studio, `earmark serve`, a command mid-way). The returned function gives the claim up.
 */
export function claimForRestore(projectPath: string): () => void {
  const claim = restoreClaim(projectPath)
  liveRestore(projectPath) // sweeps a claim left by a killed restore
  let fd: number
  try {
    fd = openSync(claim, 'wx')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new EarmarkError('busy', `${resolve(projectPath)} is already being restored by another process.`)
    }
    throw error
  }
  try {
    writeSync(fd, JSON.stringify({ pid: process.pid, command: describeSelf(), startedAt: new Date().toISOString() }))
  } finally {
    closeSync(fd)
  }
  const release = (): void => rmSync(claim, { force: true })
  const open = liveSessions(projectPath)
  if (open.length > 0) {
    release()
    const who = open.map((s) => `${s.command} (process ${s.pid})`).join(', ')
    throw new EarmarkError(
      'conflict',
      `${resolve(projectPath)} is open in ${who}; close ${open.length === 1 ? 'it' : 'them'} before restoring, so that nothing written there is lost.`,
      { openBy: open },
    )
  }
  return release
}
