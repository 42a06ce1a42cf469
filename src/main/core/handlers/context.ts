// What the API's handlers share: the open project, the job runner, the audio workers, and the
// few notifications every change sends. The service builds one context; each domain's module
// (project, library, labeling, jobs, features, training, runs) answers its methods on top of it.
import type { ApiEvents, MethodName, MethodParams, MethodResult } from '@shared/contract'
import type { ClipRow, JobInfo, ProjectSummary } from '@shared/domain'
import type { RunInfo } from '@shared/evaluation'
import type { Catalog } from '../catalog/open'
import type { TypedEmitter } from '../events'
import type { FeatureViewRunners } from '../feature-sets'
import type { Inspection } from '../import/inspect'
import type { JobRunner } from '../jobs/runner'
import type { JobStarts } from '../jobs/starts'
import type { Stamp } from '../labeling'
import type { StudioServiceOptions } from '../service'

/** One handler per API method, taking validated input. */
export type ApiHandlers = {
  [M in MethodName]: (input: MethodParams<M>) => MethodResult<M> | Promise<MethodResult<M>>
}

/** The service's state and helpers, as the handler modules see them. */
export interface ServiceContext {
  options: StudioServiceOptions
  events: TypedEmitter<ApiEvents>
  now: () => Date
  /** Who edits made here are by. */
  author: string
  /** Worker threads for decoding and features. */
  workers: number
  /** Opens (or creates) a project and makes it the open one. */
  open(path: string, create: boolean, name?: string): Catalog
  /** The open project (opening the start-up project on first use). */
  catalog(): Catalog
  jobs: JobRunner
  starts: JobStarts
  /** A start that answers with the job itself: an earlier start's job is the answer as it stands. */
  sameJob(job: JobInfo): JobInfo
  /** Inspects one audio file on the audio workers. */
  inspect(path: string): Promise<Inspection>
  /** One clip's features, or what the studio shows of them, on the audio workers. */
  featureRunners: FeatureViewRunners
  /** A run as recorded, except that a running run no live process trains reads as interrupted. */
  runState<R extends RunInfo>(project: Catalog, run: R): R
  /** Who and when, for an edit. */
  stamp(): Stamp
  /** Sends a clip's new row to every view, and returns it. */
  clipChanged(clipId: number): ClipRow
  multiLabel(): boolean
  /** As clipChanged, and the class counts follow a moment later. */
  labelsChanged(clipId: number): ClipRow
  /** Sends the project's new summary to every view, and returns it. */
  changed(): ProjectSummary
}

/** Drops keys whose value is undefined, so optional inputs do not overwrite with "nothing". */
export function withoutUndefined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>
  }
}
