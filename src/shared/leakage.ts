import type { SplitPolicy } from './evaluation'

/**
 * Split hygiene: what leaks from training into test. A group (speaker, source recording,
 * fold) with clips on both sides, or the same audio on both sides, lets a model score on what it has
 * already heard, and the test score comes out optimistic.
 */

/** A group with clips on both sides: how many on each, and their labels. */
export interface LeakingGroup {
  group: string
  /** Clips in training or validation. */
  train: number
  test: number
  labels: string[]
}

/** One piece of audio (by content hash) found on both sides, with the clips that hold it. */
export interface DuplicateAudio {
  contentHash: string
  trainClipIds: number[]
  testClipIds: number[]
  /** Differing labels mean the copies also contradict each other. */
  labels: string[]
}

/** Everything that leaks between training (with validation) and test. */
export interface LeakageReport {
  /** Groups with clips on both sides, most test clips first. */
  groups: LeakingGroup[]
  /** Audio found on both sides, most copies first. */
  duplicates: DuplicateAudio[]
  /** Test clips that share a group or their audio with a training clip. */
  leakingTestClips: number
  /** One line for the studio and the CLI; says that nothing leaks when nothing does. */
  summary: string
}

/** What a new run would train and test on, checked before it starts (`train:check`). */
export interface SplitCheck {
  counts: { train: number; val: number; test: number }
  /** The split's policy (catalog column, whole groups held out, or a stratified draw), as the run will record it. */
  policy: SplitPolicy
  /** How the split was made, as the run will record it. */
  method: string
  /** Where each group's clips land, groups by name: which speakers are trained and tested on. */
  groups: GroupSides[]
  leakage: LeakageReport
}

/** One group's clips on each side of a planned split. */
export interface GroupSides {
  group: string
  train: number
  val: number
  test: number
}
