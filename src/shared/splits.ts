import type { Split } from './domain'

/**
 * Editing clips' splits, groups and folds (the catalog's columns every run's split policy reads
 * first): by whole groups, by a stratified draw, from CSV rows, or for a list of clips.
 */

/** Clips per split; `none` have no split (the run's default policy draws them). */
export interface SplitCounts {
  train: number
  val: number
  test: number
  none: number
}

/** A group of the project (null: the clips without one) with its clips per class and per split. */
export interface GroupSplitRow {
  group: string | null
  clips: number
  /** Clips per class name; `(unlabelled)` for clips without a class, names joined by `+` for several. */
  perClass: Record<string, number>
  splits: SplitCounts
}

/** What a split edit did. */
export interface SplitEditResult {
  /** Clips whose split, group or fold changed. */
  changed: number
  /** Every clip of the project per split, after the edit. */
  counts: SplitCounts
  /** Groups wholly in test, and in val, after the edit. */
  testGroups: string[]
  valGroups: string[]
  /** CSV rows naming a clip the project does not have (by path, file name or id). */
  unknownClips: string[]
  /** The edit in words, as undo names it. */
  description: string
}

/** One clip's split, group and fold. */
export interface ClipSplitState {
  id: number
  split: Split | null
  group: string | null
  fold: number | null
}
