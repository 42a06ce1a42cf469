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

/**
 * One hyperparameter a sweep may search, as the model's own parameter schema describes it: the
 * builder offers ranges for numbers and choices for the rest.
 */
export interface ModelParameter {
  name: string
  description: string
  /** The model's default (what a trial uses when the parameter is neither swept nor fixed). */
  default: ParamValue
  /** Whether it takes numbers, and which: whole numbers only, or any. */
  numeric: 'int' | 'float' | null
  /** Bounds of its numeric values, when the schema has them (`exclusiveMin`: above, not at, `min`). */
  min: number | null
  max: number | null
  exclusiveMin: boolean
  /** The non-numeric values it accepts (names such as `sqrt`, booleans, null). */
  choices: ParamValue[]
  /**
   * It takes a list of numbers (a CNN's `filters`) of `min` to `max` entries; `numeric`, `min` and
   * `max` above then describe each entry. Null for a single value.
   */
  list: { min: number; max: number | null } | null
}

/** A model a sweep can tune, with the hyperparameters it may search. */
export interface SweepableModel {
  model: string
  parameters: ModelParameter[]
}
