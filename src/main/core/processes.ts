/**
 * Whether a process of this machine still runs, by its id: what several parts of Earmark ask of
 * a process that left a mark (a session note, a copy journal, a job row) and may have been killed.
 * A process that exists but belongs to another user (EPERM) runs. An id that cannot be a process
 * counts as running, so that nothing is swept on a bad reading.
 */
export function processIsAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return true
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
