/*
 * Sound-event detection metrics with sed_eval's conventions, so that numbers here match a DCASE
 * evaluation of the same events:
 * - Event-based (EventBasedMetrics with evaluate_onset and evaluate_offset): an estimated event is
 *   a true positive when it matches a reference event of its class (see event-matching.ts); each
 *   reference and estimate is matched once. Class-wise, the unmatched references are deletions and
 *   the unmatched estimates insertions. Overall, an unmatched reference and an unmatched estimate of
 *   another class that would match but for the label make one substitution (references in onset
 *   order, each taking the first such estimate in onset order); the rest are deletions and insertions.
 * - Segment-based (SegmentBasedMetrics) on a fixed grid, see segments.ts.
 * - Micro scores pool the counts of every class; macro scores are the mean of the classes' scores,
 *   skipping those that are undefined (sed_eval's NaN: precision without estimates, recall and
 *   error rate without references), as numpy.nanmean does.
 * - Error rate: ER = (S + D + I) / N, N the reference events (or active reference segments).
 * Events are compared within their recording only.
 */
import type { ErrorRate, EventMetricsReport, EventScores, ScoredEvent } from '@shared/detection'
import { EarmarkError } from '../errors'
import { hitLists, maximumMatching, type HitRule, type Span } from './event-matching'
import { addRecordingSegments, emptySegmentCounts, type ClassSpan } from './segments'

/** The onset collar DCASE's event-based scores use, seconds. */
export const defaultCollar = 0.25
/** The offset tolerance as a share of the reference event's length. */
export const defaultOffsetShare = 0.5
/** The segment-based grid, seconds. */
export const defaultSegment = 1
/** The most thresholds a precision-recall curve gets. */
export const defaultCurvePoints = 50

/** How to score estimated events against reference events. */
export interface EventMetricsOptions {
  collar?: number
  offsetShare?: number
  segment?: number
  /**
   * Each recording's length in seconds, for the segment grid (a recording without one is as long
   * as its latest event). A recording listed here but without events still counts as evaluated.
   */
  durations?: ReadonlyMap<string | number, number>
  /** The classes to score; by default every class a reference or estimated event carries, sorted. */
  classes?: readonly string[]
  curvePoints?: number
}

/** One class's event counts. */
interface ClassCounts {
  reference: number
  estimated: number
  truePositives: number
}

/** A recording's events of one class, sorted by onset. */
interface RecordingClass {
  reference: ScoredEvent[]
  estimated: ScoredEvent[]
}

/** Event-based and segment-based metrics of estimated events against reference events. */
export function eventMetrics(
  reference: readonly ScoredEvent[],
  estimated: readonly ScoredEvent[],
  options: EventMetricsOptions = {},
): EventMetricsReport {
  const rule = hitRule(options)
  const segment = options.segment ?? defaultSegment
  if (!(Number.isFinite(segment) && segment > 0)) throw invalid(`the segment length must be above 0 s, not ${segment}`)
  const curvePoints = options.curvePoints ?? defaultCurvePoints
  if (!(Number.isInteger(curvePoints) && curvePoints >= 2))
    throw invalid(`a curve needs at least 2 points, not ${curvePoints}`)
  checkEvents(reference, 'reference')
  checkEvents(estimated, 'estimated')
  if (reference.length === 0) throw invalid('there are no reference events to score against')
  const classes = options.classes
    ? [...options.classes]
    : [...new Set([...reference, ...estimated].map((e) => e.label))].sort()
  const classIndex = new Map(classes.map((c, k) => [c, k]))
  for (const e of [...reference, ...estimated]) {
    if (!classIndex.has(e.label)) throw invalid(`event class "${e.label}" is not one of the classes scored`)
  }
  const recordings = byRecording(reference, estimated, classes, options.durations)

  // Event-based.
  const eventCounts: ClassCounts[] = classes.map(() => ({ reference: 0, estimated: 0, truePositives: 0 }))
  let substitutions = 0
  for (const perClass of recordings.values()) {
    const leftReferences: Span[] = []
    const leftEstimates: Span[] = []
    perClass.forEach((events, k) => {
      const counts = eventCounts[k] as ClassCounts
      const matching = maximumMatching(hitLists(events.reference, events.estimated, rule), events.estimated.length)
      counts.reference += events.reference.length
      counts.estimated += events.estimated.length
      counts.truePositives += matching.pairs
      events.reference.forEach((e, j) => {
        if (matching.estimateOf[j] === -1) leftReferences.push(e)
      })
      events.estimated.forEach((e, i) => {
        if (matching.referenceOf[i] === -1) leftEstimates.push(e)
      })
    })
    substitutions += countSubstitutions(byOnset(leftReferences), byOnset(leftEstimates), rule)
  }

  // Segment-based.
  const segmentCounts = emptySegmentCounts(classes.length)
  for (const [source, perClass] of recordings) {
    const spans = (pick: (events: RecordingClass) => ScoredEvent[]): ClassSpan[] =>
      perClass.flatMap((events, k) => pick(events).map((e) => ({ start: e.start, end: e.end, classIndex: k })))
    addRecordingSegments(
      segmentCounts,
      spans((e) => e.reference),
      spans((e) => e.estimated),
      segment,
      options.durations?.get(source),
    )
  }

  const eventPooled = pool(eventCounts)
  return {
    collar: rule.collar,
    offsetShare: rule.offsetShare,
    clips: recordings.size,
    event: summary(classes, eventCounts, {
      substitutions,
      deletions: eventPooled.reference - eventPooled.truePositives - substitutions,
      insertions: eventPooled.estimated - eventPooled.truePositives - substitutions,
    }),
    segment: {
      length: segment,
      ...summary(classes, segmentCounts.perClass, segmentCounts),
    },
    curves: precisionRecallOverThresholds(classes, recordings, rule, curvePoints),
  }
}

/** The hit rule of the options, checked. */
function hitRule(options: EventMetricsOptions): HitRule {
  const collar = options.collar ?? defaultCollar
  const offsetShare = options.offsetShare ?? defaultOffsetShare
  if (!(Number.isFinite(collar) && collar > 0)) throw invalid(`the collar must be above 0 s, not ${collar}`)
  if (!(offsetShare >= 0 && offsetShare <= 1))
    throw invalid(`the offset tolerance must be a share of the event's length in 0-1, not ${offsetShare}`)
  return { collar, offsetShare }
}

function checkEvents(events: readonly ScoredEvent[], which: string): void {
  events.forEach((e, n) => {
    const name = `${which} event ${n + 1} (${e.label} in ${e.source})`
    if (typeof e.label !== 'string' || e.label === '') throw invalid(`${which} event ${n + 1} has no class`)
    if (!(Number.isFinite(e.start) && Number.isFinite(e.end) && e.start >= 0 && e.end >= e.start))
      throw invalid(`${name} spans ${e.start}-${e.end} s, not a span from 0 s on`)
    if (e.score !== undefined && !Number.isFinite(e.score)) throw invalid(`${name} has score ${e.score}`)
  })
}

/** Each recording's events per class (in class order), sorted by onset then offset. */
function byRecording(
  reference: readonly ScoredEvent[],
  estimated: readonly ScoredEvent[],
  classes: readonly string[],
  durations: ReadonlyMap<string | number, number> | undefined,
): Map<string | number, RecordingClass[]> {
  const recordings = new Map<string | number, RecordingClass[]>()
  const recording = (source: string | number): RecordingClass[] => {
    let perClass = recordings.get(source)
    if (!perClass) {
      perClass = classes.map(() => ({ reference: [], estimated: [] }))
      recordings.set(source, perClass)
    }
    return perClass
  }
  const index = new Map(classes.map((c, k) => [c, k]))
  for (const e of reference) (recording(e.source)[index.get(e.label) as number] as RecordingClass).reference.push(e)
  for (const e of estimated) (recording(e.source)[index.get(e.label) as number] as RecordingClass).estimated.push(e)
  for (const source of durations?.keys() ?? []) recording(source)
  for (const perClass of recordings.values()) {
    for (const events of perClass) {
      byOnset(events.reference)
      byOnset(events.estimated)
    }
  }
  return recordings
}

/** Sorts spans in place by onset, then offset. */
function byOnset<S extends Span>(spans: S[]): S[] {
  return spans.sort((a, b) => a.start - b.start || a.end - b.end)
}

/**
 * Substitutions among the events left unmatched: each leftover reference (in onset order) takes
 * the first leftover estimate (in onset order) not yet taken that would match it whatever its class.
 */
function countSubstitutions(references: readonly Span[], estimates: readonly Span[], rule: HitRule): number {
  const taken = new Uint8Array(estimates.length)
  let count = 0
  for (const candidates of hitLists(references, estimates, rule)) {
    const i = candidates.find((c) => taken[c] === 0)
    if (i !== undefined) {
      taken[i] = 1
      count++
    }
  }
  return count
}

/** Counts summed over classes. */
function pool(counts: readonly ClassCounts[]): ClassCounts {
  return counts.reduce(
    (a, c) => ({
      reference: a.reference + c.reference,
      estimated: a.estimated + c.estimated,
      truePositives: a.truePositives + c.truePositives,
    }),
    { reference: 0, estimated: 0, truePositives: 0 },
  )
}

/** Per-class, micro and macro scores and the overall error rate of some counts. */
function summary(
  classes: readonly string[],
  counts: readonly ClassCounts[],
  errors: { substitutions: number; deletions: number; insertions: number },
): { perClass: Record<string, EventScores>; micro: EventScores; macro: EventScores; errorRate: ErrorRate } {
  const perClass = counts.map((c) => scores(c, classErrorRate(c)))
  const pooled = pool(counts)
  const errorRate = overallErrorRate(errors, pooled.reference)
  return {
    perClass: Object.fromEntries(classes.map((c, k) => [c, perClass[k] as EventScores])),
    micro: scores(pooled, errorRate.errorRate),
    macro: {
      precision: nanMean(perClass.map((s) => s.precision)),
      recall: nanMean(perClass.map((s) => s.recall)),
      f1: nanMean(perClass.map((s) => s.f1)),
      errorRate: nanMean(perClass.map((s) => s.errorRate)),
      ...pooled,
    },
    errorRate,
  }
}

/** Precision, recall and F1 of some counts, null where sed_eval's are NaN. */
function scores(c: ClassCounts, errorRate: number | null): EventScores {
  const precision = c.estimated === 0 ? null : c.truePositives / c.estimated
  const recall = c.reference === 0 ? null : c.truePositives / c.reference
  return { precision, recall, f1: f1(precision, recall), errorRate, ...c }
}

/** sed_eval's f_measure: 0 when both are 0, undefined when either is. */
function f1(precision: number | null, recall: number | null): number | null {
  if (precision === null || recall === null) return null
  if (precision === 0 && recall === 0) return 0
  return (2 * precision * recall) / (precision + recall)
}

/** A class's error rate: its deletions and insertions over its reference count. */
function classErrorRate(c: ClassCounts): number | null {
  if (c.reference === 0) return null
  return (c.reference - c.truePositives + (c.estimated - c.truePositives)) / c.reference
}

function overallErrorRate(
  errors: { substitutions: number; deletions: number; insertions: number },
  reference: number,
): ErrorRate {
  const { substitutions, deletions, insertions } = errors
  return {
    errorRate: (substitutions + deletions + insertions) / reference,
    substitutions: substitutions / reference,
    deletions: deletions / reference,
    insertions: insertions / reference,
    counts: { substitutions, deletions, insertions, reference },
  }
}

/** The mean of the defined values; null when none is. */
function nanMean(values: readonly (number | null)[]): number | null {
  const defined = values.filter((v): v is number => v !== null)
  return defined.length === 0 ? null : defined.reduce((a, b) => a + b, 0) / defined.length
}

/**
 * Per class with reference events and scored estimates, event-based precision and recall when
 * only the estimates scoring at least each threshold are kept. Thresholds are the estimates'
 * distinct scores, thinned evenly to at most `points` (keeping the lowest and highest).
 */
function precisionRecallOverThresholds(
  classes: readonly string[],
  recordings: ReadonlyMap<string | number, RecordingClass[]>,
  rule: HitRule,
  points: number,
): EventMetricsReport['curves'] {
  const curves: EventMetricsReport['curves'] = []
  classes.forEach((label, k) => {
    const perRecording = [...recordings.values()].map((perClass) => perClass[k] as RecordingClass)
    const references = perRecording.reduce((n, r) => n + r.reference.length, 0)
    const distinct = [
      ...new Set(perRecording.flatMap((r) => r.estimated.flatMap((e) => (e.score === undefined ? [] : [e.score])))),
    ].sort((a, b) => a - b)
    if (references === 0 || distinct.length === 0) return
    const thresholds =
      distinct.length <= points
        ? distinct
        : Array.from(
            { length: points },
            (_, p) => distinct[Math.round((p * (distinct.length - 1)) / (points - 1))] as number,
          )
    const precision: number[] = []
    const recall: number[] = []
    for (const threshold of thresholds) {
      let kept = 0
      let truePositives = 0
      for (const r of perRecording) {
        const estimates = r.estimated.filter((e) => e.score !== undefined && e.score >= threshold)
        kept += estimates.length
        truePositives += maximumMatching(hitLists(r.reference, estimates, rule), estimates.length).pairs
      }
      precision.push(truePositives / kept)
      recall.push(truePositives / references)
    }
    curves.push({ label, thresholds, precision, recall })
  })
  return curves
}

function invalid(message: string): EarmarkError {
  return new EarmarkError('invalid-input', message)
}
