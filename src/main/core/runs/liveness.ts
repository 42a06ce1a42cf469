import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'

/*
 * Which process trains a run. A run records `running` for as long as it trains; when that process
 * dies (kill -9, power loss) the record stays `running`. The training process therefore leaves its
 * pid in the run's folder, and a reader takes a `running` run whose process is gone as
 * `interrupted`, ready to resume. A pid file rather than the jobs table, because the studio, the
 * CLI and another window may each be training a run of the same project.
 */

const OWNER_FILE = 'owner.json'

interface Owner {
  pid: number
  host: string
}

/** Marks this process as the one training the run in `folder`. */
export async function claimRun(folder: string): Promise<void> {
  await mkdir(folder, { recursive: true })
  writeFileSync(join(folder, OWNER_FILE), JSON.stringify({ pid: process.pid, host: hostname() } satisfies Owner))
}

/** Lets the run go (it finished, failed or was cancelled). */
export function releaseRun(folder: string): void {
  rmSync(join(folder, OWNER_FILE), { force: true })
}

/**
 * Whether a process still trains the run in `folder`. `isOwnJobAlive` says whether this process's
 * own job for it is alive (this process may have ended the job without the record catching up).
 */
export function runIsLive(folder: string, isOwnJobAlive: () => boolean): boolean {
  let owner: Owner
  try {
    owner = JSON.parse(readFileSync(join(folder, OWNER_FILE), 'utf8')) as Owner
  } catch {
    return false
  }
  if (owner.host !== hostname()) return true // another machine's process: assume alive
  if (owner.pid === process.pid) return isOwnJobAlive()
  try {
    process.kill(owner.pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
