/*
 * Segment-based counts as sed_eval's SegmentBasedMetrics takes them: each recording is cut into
 * segments of a fixed length from 0; a class is active in a segment when any of its events
 * overlaps it (segments floor(onset / length) up to, not including, ceil(offset / length)).
 * Class-wise, a segment is a true positive when the class is active in both the reference and the
 * estimate, a false positive or negative when in one only. Overall, each segment's errors are
 * split as sed_eval splits them: S = min(Nref, Nsys) − Ntp substitutions, D = max(0, Nref − Nsys)
 * deletions and I = max(0, Nsys − Nref) insertions, where Nref and Nsys count the classes active in
 * the segment.
 */
import type { Span } from './event-matching'

/** Segment counts of one class. */
export interface SegmentClassCounts {
  reference: number
  estimated: number
  truePositives: number
}

/** Segment counts of all classes, summed over segments and recordings. */
export interface SegmentCounts {
  perClass: SegmentClassCounts[]
  substitutions: number
  deletions: number
  insertions: number
}

/** An event of one class (by index into the class list). */
export interface ClassSpan extends Span {
  classIndex: number
}

/** Empty counts for `classes` classes. */
export function emptySegmentCounts(classes: number): SegmentCounts {
  return {
    perClass: Array.from({ length: classes }, () => ({ reference: 0, estimated: 0, truePositives: 0 })),
    substitutions: 0,
    deletions: 0,
    insertions: 0,
  }
}

/**
 * Adds one recording's segments to `counts`. `length` is the evaluated length in seconds: the
 * recording's duration, or else (as sed_eval does without one) its latest reference or estimated offset.
 */
export function addRecordingSegments(
  counts: SegmentCounts,
  reference: readonly ClassSpan[],
  estimated: readonly ClassSpan[],
  segment: number,
  length?: number,
): void {
  const classes = counts.perClass.length
  const evaluated = length ?? [...reference, ...estimated].reduce((latest, e) => Math.max(latest, e.end), 0)
  const segments = Math.ceil(evaluated / segment)
  const roll = (events: readonly ClassSpan[]): Uint8Array => {
    const active = new Uint8Array(segments * classes)
    for (const e of events) {
      const last = Math.min(Math.ceil(e.end / segment), segments)
      for (let s = Math.floor(e.start / segment); s < last; s++) active[s * classes + e.classIndex] = 1
    }
    return active
  }
  const truth = roll(reference)
  const system = roll(estimated)
  for (let s = 0; s < segments; s++) {
    let nRef = 0
    let nSys = 0
    let nTp = 0
    for (let c = 0; c < classes; c++) {
      const r = truth[s * classes + c] as number
      const e = system[s * classes + c] as number
      const tally = counts.perClass[c] as SegmentClassCounts
      tally.reference += r
      tally.estimated += e
      tally.truePositives += r & e
      nRef += r
      nSys += e
      nTp += r & e
    }
    counts.substitutions += Math.min(nRef, nSys) - nTp
    counts.deletions += Math.max(0, nRef - nSys)
    counts.insertions += Math.max(0, nSys - nRef)
  }
}
