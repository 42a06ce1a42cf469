import type { EventMetricsReport, EventScores } from '@shared/detection'

/**
 * Event metrics as a terminal report, laid out as sed_eval prints them: event-based scores per
 * class then micro and macro, the error rate split into substitutions, deletions and insertions,
 * then the segment-based scores. A dash stands for a score that is undefined (no estimated
 * events for precision, no reference events for recall).
 */
export function eventMetricsReport(r: EventMetricsReport, title: string): string {
  const classes = Object.keys(r.event.perClass)
  const nameWidth = Math.max(12, ...classes.map((c) => c.length))
  const num = (v: number | null) => (v === null ? '–' : v.toFixed(4)).padStart(10)
  const count = (v: number) => String(v).padStart(8)
  const header = ['ref', 'est', 'matched'].map((h) => h.padStart(8)).join('')
  const row = (name: string, s: EventScores) =>
    `${name.padStart(nameWidth)}${num(s.precision)}${num(s.recall)}${num(s.f1)}${num(s.errorRate)}` +
    `${count(s.reference)}${count(s.estimated)}${count(s.truePositives)}`
  const table = (scores: EventMetricsReport['event'] | EventMetricsReport['segment']) => [
    `${''.padStart(nameWidth)}${['precision', 'recall', 'f1', 'ER'].map((h) => h.padStart(10)).join('')}${header}`,
    ...classes.map((c) => row(c, scores.perClass[c] as EventScores)),
    '',
    row('micro', scores.micro),
    row('macro', scores.macro),
  ]
  const split = (e: EventMetricsReport['event']['errorRate']) =>
    `ER ${e.errorRate.toFixed(4)} = substitutions ${e.substitutions.toFixed(4)} + deletions ${e.deletions.toFixed(4)}` +
    ` + insertions ${e.insertions.toFixed(4)}  (S ${e.counts.substitutions}, D ${e.counts.deletions},` +
    ` I ${e.counts.insertions} of N ${e.counts.reference})`
  return [
    title,
    '',
    `Event-based (onset collar ${r.collar} s, offset within max(collar, ${r.offsetShare} × length)), ${r.clips} clip${r.clips === 1 ? '' : 's'}`,
    '',
    ...table(r.event),
    '',
    split(r.event.errorRate),
    '',
    `Segment-based (${r.segment.length} s segments; counts are segments)`,
    '',
    ...table(r.segment),
    '',
    split(r.segment.errorRate),
  ].join('\n')
}
