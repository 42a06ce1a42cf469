import { SingleBar } from 'cli-progress'
import type { JobProgressEvent } from '@shared/contract'
import type { JobInfo } from '@shared/domain'
import type { StudioService } from '../core/service'
import type { CliContext } from './context'

/**
 * Draws a job's progress as a terminal bar on stderr (stdout stays clean for --json), with
 * units done, rate and ETA. Returns the teardown.
 */
export function showJobProgress(service: StudioService, jobId: number, unit: string): () => void {
  if (!process.stderr.isTTY) return () => undefined
  const bar = new SingleBar({
    stream: process.stderr,
    format: `{bar} {percentage}% | {value}/{total} ${unit} | {rate} ${unit}/s | ETA {eta_formatted}`,
    hideCursor: true,
    clearOnComplete: true,
  })
  let started = false
  const stop = service.events.on('job:progress', (event: JobProgressEvent) => {
    if (event.jobId !== jobId || event.total === null) return
    const rate = event.rate === null ? '–' : event.rate.toFixed(0)
    if (!started) {
      bar.start(event.total, event.done, { rate })
      started = true
    } else {
      bar.update(event.done, { rate })
    }
  })
  return () => {
    stop()
    if (started) bar.stop()
  }
}

/**
 * Waits in the foreground for a job the command started, whose progress `hideProgress` tears down
 * once it ends. Ctrl+C cancels the job rather than killing the process, so the job stops cleanly
 * and the command can still say what it left. A failed job throws its error (`failed` when it has
 * none); a cancelled one is returned, as some commands report a cancelled job's partial work.
 */
export async function waitForJob(
  { service, call }: CliContext,
  jobId: number,
  hideProgress: () => void,
  failed: string,
): Promise<JobInfo> {
  const cancel = (): void => void call('jobs:cancel', { id: jobId })
  process.once('SIGINT', cancel)
  let finished: JobInfo
  try {
    finished = await service.jobs.wait(jobId)
  } finally {
    process.removeListener('SIGINT', cancel)
    hideProgress()
  }
  if (finished.state === 'failed') throw new Error(finished.error ?? failed)
  return finished
}
