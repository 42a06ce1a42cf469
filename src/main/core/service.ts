import { existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import type { ApiEvents } from '@shared/contract'
import type { JobInfo, ProjectSummary } from '@shared/domain'
import type { RunInfo } from '@shared/evaluation'
import { getClipDetail } from './catalog/clip-query'
import { openCatalog, type Catalog } from './catalog/open'
import { projectSummary } from './catalog/project'
import { getSetting } from './catalog/settings'
import type { ClipRow } from '@shared/domain'
import type { Stamp } from './labeling'
import { TypedEmitter } from './events'
import { inspectOnPool } from './import/inspect-pool'
import { JobRunner } from './jobs/runner'
import { JobStarts } from './jobs/starts'
import { resolveFeatureMedia, type ClipFeatureTask, type FeatureViewRunners } from './feature-sets'
import { runFolder, runIsLive } from './runs'
import { resolveMedia, type MediaResponse } from './media/media'
import type { SpectrogramRequest } from '@shared/spectrogram'
import { WorkerPool } from './workers/pool'
import type { ApiHandlers, ServiceContext } from './handlers/context'
import { featureHandlers } from './handlers/features'
import { jobHandlers } from './handlers/jobs'
import { labelingHandlers } from './handlers/labeling'
import { libraryHandlers } from './handlers/library'
import { projectHandlers } from './handlers/project'
import { detectionHandlers } from './handlers/detections'
import { embeddingHandlers } from './handlers/embeddings'
import { eventHandlers } from './handlers/events'
import { reviewHandlers } from './handlers/review'
import { runHandlers } from './handlers/runs'
import { trainingHandlers } from './handlers/training'
import { workerScript, type TasksOf } from './workers/script'

export type { ApiHandlers } from './handlers/context'

/** What the service needs from its host (Electron, the server, the CLI, a test). */
export interface StudioServiceOptions {
  /** Earmark's version, for `app:info`. */
  version: string
  /** The project opened when none is named; created on first use. */
  defaultProjectPath: string
  /** Open this project at start instead of the default. */
  projectPath?: string
  /** Path to a better-sqlite3 binary for this runtime (Electron). */
  sqliteNativeBinding?: string
  /** Who labels made here are by (default: the OS user). */
  author?: string
  /** Worker threads for decoding and features (default: one per core). */
  workers?: number
  /** Injected clock. */
  now?: () => Date
}

/** The studio: implements the API contract on top of the domain modules. */
export interface StudioService {
  readonly handlers: ApiHandlers
  readonly events: TypedEmitter<ApiEvents>
  /** The open catalog (opening the start-up project on first use). */
  catalog(): Catalog
  /** Long-running jobs of this process. */
  readonly jobs: JobRunner
  /** Resolves a media path (`clip/<id>`, `peaks/<id>`, `spectrogram/<id>?…`) of the open project for a transport to serve. */
  media(pathname: string): Promise<MediaResponse>
  /** Stops running jobs and workers, and closes the open project. */
  close(): Promise<void>
}

/** Creates the service. Opens nothing until first asked. */
export function createStudioService(options: StudioServiceOptions): StudioService {
  const events = new TypedEmitter<ApiEvents>()
  const now = options.now ?? (() => new Date())
  let current: Catalog | undefined
  let audioPool: WorkerPool<TasksOf<'audio-worker'>> | undefined
  const workers = options.workers ?? Math.max(1, availableParallelism())
  const author = options.author ?? 'earmark'

  const open = (path: string, create: boolean, name?: string): Catalog => {
    const next = openCatalog(path, {
      create,
      now,
      ...(name === undefined ? {} : { name }),
      ...(options.sqliteNativeBinding ? { nativeBinding: options.sqliteNativeBinding } : {}),
    })
    current?.close()
    current = next
    return next
  }

  const catalog = (): Catalog => {
    if (current) return current
    const path = options.projectPath ?? options.defaultProjectPath
    if (options.projectPath === undefined && !existsSync(path)) return open(path, true, 'My project')
    return open(path, false)
  }

  const jobs = new JobRunner(() => catalog().db, events, now)
  const starts = new JobStarts(() => catalog().db, jobs)
  /** A start that answers with the job itself: an earlier start's job is the answer as it stands. */
  const sameJob = (job: JobInfo): JobInfo => job
  const pool = () => (audioPool ??= new WorkerPool(workerScript('audio-worker'), { size: workers }))
  const inspect = (path: string) => inspectOnPool(pool(), path)
  const peaks = (path: string) => pool().run('peaks', path)
  const spectrogram = (path: string, request: SpectrogramRequest) => pool().run('spectrogram', { path, request })
  // Feature sets: one clip's features, or what the studio shows of it, on the same workers.
  const featureRunners: FeatureViewRunners = {
    features: (task: ClipFeatureTask) => pool().run('features', task),
    view: (task: ClipFeatureTask) => pool().run('featureView', task),
    windows: (task) => pool().run('recordingWindows', task),
    copies: (task) => pool().run('augmentedCopies', task),
  }

  /** A run as recorded, except that a running run no live process trains reads as interrupted. */
  const runState = <R extends RunInfo>(project: Catalog, run: R): R =>
    run.state === 'running' &&
    !runIsLive(runFolder(project.path, run.id), () => run.jobId !== null && jobs.isRunning(run.jobId))
      ? { ...run, state: 'interrupted' }
      : run

  const stamp = (): Stamp => ({ author, now: now() })
  const clipChanged = (clipId: number): ClipRow => {
    const { codec: _codec, regions: _regions, contentHash: _hash, ...row } = getClipDetail(catalog().db, clipId)
    events.emit('clip:changed', row)
    return row
  }
  const multiLabel = () => getSetting(catalog().db, 'multi_label') === 'true'
  /**
   * After labels change, the class counts on the first screen change too. The summary counts every
   * clip (~15 ms at 100,000), so it follows a moment after the answer, once for a burst of
   * changes, rather than holding up each label key (label-to-next must stay under 150 ms).
   */
  let summaryTimer: NodeJS.Timeout | undefined
  const labelsChanged = (clipId: number): ClipRow => {
    const row = clipChanged(clipId)
    summaryTimer ??= setTimeout(() => {
      summaryTimer = undefined
      if (current?.db.open) changed()
    }, 200).unref()
    return row
  }

  const changed = (): ProjectSummary => {
    const summary = projectSummary(catalog())
    events.emit('project:changed', summary)
    return summary
  }

  const context: ServiceContext = {
    options,
    events,
    now,
    author,
    workers,
    open,
    catalog,
    jobs,
    starts,
    sameJob,
    inspect,
    featureRunners,
    runState,
    stamp,
    clipChanged,
    multiLabel,
    labelsChanged,
    changed,
  }
  const handlers: ApiHandlers = {
    ...projectHandlers(context),
    ...libraryHandlers(context),
    ...labelingHandlers(context),
    ...jobHandlers(context),
    ...featureHandlers(context),
    ...trainingHandlers(context),
    ...runHandlers(context),
    ...detectionHandlers(context),
    ...embeddingHandlers(context),
    ...reviewHandlers(context),
    ...eventHandlers(context),
  }

  return {
    handlers,
    events,
    catalog,
    jobs,
    media: (pathname) =>
      resolveMedia(
        {
          catalog,
          peaks,
          spectrogram,
          featureMedia: (route, clipId, query) => resolveFeatureMedia(catalog(), route, clipId, query, featureRunners),
        },
        pathname,
      ),
    close: async () => {
      clearTimeout(summaryTimer)
      summaryTimer = undefined
      await jobs.stopAll()
      await audioPool?.close()
      audioPool = undefined
      current?.close()
      current = undefined
    },
  }
}
