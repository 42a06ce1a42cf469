import { SingleBar } from 'cli-progress'
import type { JobProgressEvent } from '@shared/contract'
import type { StudioService } from '../core/service'

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
