/**
 * What each kind of job was asked to do and what it answers, as the catalog keeps them: the
 * parameters a start recorded and the result a finished job stored. The activity list, the CLI and
 * every store read jobs through these types rather than casting what `jobs:get` returns.
 */
import type { ImportSummary, JobInfo, JobKind, LabelSource } from './domain'
import type { FeatureComputeSummary } from './feature-sets'
import type { TrainSummary, RunModel } from './evaluation'
import type { SweepInfo } from './sweeps'
import type { UnlabeledSummary } from './active-learning'
import type { ClipMap, MapMethod } from './explorer'
import type { DetectSummary, TrainingSource } from './detection'
import type { EmbedSummary } from './embeddings'
import { plural } from './plural'

/** The parameters each kind of job records when it starts. */
export interface JobParamsByKind {
  import: { source: string; labelsFrom: LabelSource; copy: boolean }
  features: { setId: number; name: string; paramsHash: string }
  /** A new run (model, hyperparameters, recipe) or the resumption of a deep run. */
  train:
    | {
        model: RunModel
        params: Record<string, unknown>
        seed: number
        testFraction: number
        features: Record<string, unknown>
        /** Absent for a run on clips (every run recorded before runs on regions). */
        from?: TrainingSource
      }
    | { resumeRun: number; model: RunModel }
  sweep: { sweepId: number }
  evaluate: { runId: number; unlabeled: true }
  export: Record<string, unknown>
  /** `space`: laid out by a stored embedding space instead of summary features. */
  explore: { method: MapMethod; seed: number; runId?: number; space?: number }
  /** A run's model slid over clips (`clipIds` null: every clip it did not train on). */
  detect: { runId: number; clipIds: number[] | null; threshold: number | null; minGap: number | null }
  /** Every present clip's windows through a base (a run id or a model's path), stored once per content. */
  embed: { base: string; window: number | null; hop: number | null }
}

/** What each kind of job stores as its result when it ends (a cancelled one may store what it had). */
export interface JobResultByKind {
  import: ImportSummary
  features: FeatureComputeSummary
  train: TrainSummary
  sweep: SweepInfo
  evaluate: UnlabeledSummary
  export: unknown
  explore: ClipMap
  detect: DetectSummary
  embed: EmbedSummary
}

/** A job with its parameters, as `jobs:list` returns it. */
export type ListedJob = { [K in JobKind]: JobInfo & { kind: K; params: JobParamsByKind[K] } }[JobKind]

/** A job with its parameters and, once it has ended, its result, as `jobs:get` returns it. */
export type JobDetail = {
  [K in JobKind]: JobInfo & { kind: K; params: JobParamsByKind[K]; result: JobResultByKind[K] | null }
}[JobKind]

/** The result of a job known to be of one kind (null until it has one). */
export function resultOf<K extends JobKind>(job: JobDetail, kind: K): JobResultByKind[K] | null {
  return job.kind === kind ? (job.result as JobResultByKind[K] | null) : null
}

/** Whether a job may still change: queued or running. */
export const isActiveJob = (job: Pick<JobInfo, 'state'>): boolean => job.state === 'queued' || job.state === 'running'

/** A line that names a job for people: what it works on. */
export function jobTitle(job: ListedJob): string {
  switch (job.kind) {
    case 'import':
      return `Import ${job.params.source}`
    case 'features':
      return `Features: ${job.params.name}`
    case 'train':
      return 'resumeRun' in job.params
        ? `Resume run #${job.params.resumeRun} (${job.params.model})`
        : `Train ${job.params.model}${job.params.from === 'regions' ? ' on regions' : ''}${job.runId === null ? '' : ` (run #${job.runId})`}`
    case 'sweep':
      return `Sweep #${job.params.sweepId}`
    case 'evaluate':
      return `Predict unlabeled clips with run #${job.params.runId}`
    case 'explore':
      return `Map of clips (${job.params.method}${job.params.space === undefined ? '' : `, embeddings #${job.params.space}`}${job.params.runId === undefined ? '' : `, run #${job.params.runId}`})`
    case 'export':
      return 'Export'
    case 'detect':
      return `Detect with run #${job.params.runId}${job.params.clipIds === null ? '' : ` in ${plural(job.params.clipIds.length, 'clip')}`}`
    case 'embed':
      return `Embed clips with ${job.params.base}`
  }
}
