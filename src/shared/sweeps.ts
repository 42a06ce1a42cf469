import type { ParamValue, SweepSpec } from './sweep-spec'

export type SweepState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled'

/** One trial of a sweep, as the leaderboard shows it. */
export interface SweepTrial {
  id: number
  number: number
  rung: number
  params: Record<string, ParamValue>
  state: SweepState
  /** Mean of the metric over the folds; null until done. */
  score: number | null
  std: number | null
  folds: number[]
  error: string | null
  seconds: number | null
  attempts: number
}

export interface SweepInfo {
  id: number
  name: string
  spec: SweepSpec
  state: SweepState
  error: string | null
  jobId: number | null
  createdAt: string
  finishedAt: string | null
  /** The clip ids tested in each cross-validation fold (every other clip of the sweep trained). */
  foldClips: number[][]
  trials: SweepTrial[]
  /** The done trial with the highest score (of the last rung, for successive halving). */
  best: SweepTrial | null
}
