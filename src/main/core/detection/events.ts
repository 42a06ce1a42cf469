import { EarmarkError } from '../errors'

/*
 * Window scores become events. Per class, the windows whose score reaches the class's threshold
 * are kept; each kept window stands for the hop around its centre, so a run of kept windows is one
 * event from the first one's centre − hop/2 to the last one's centre + hop/2 (within the
 * recording). Events of a class at most `minGap` apart merge (a window or two under the threshold
 * inside a call does not split it). An event's score is the highest window score inside it. The
 * background class is never an event.
 */

/** The scores of a recording's windows: window w starts at `w · hop` seconds. */
export interface WindowScores {
  /** The model's outputs, in the order of each window's scores (background included). */
  classes: readonly string[]
  /** Row-major [windows × classes], 0-1. */
  scores: ArrayLike<number>
  /** Window length and step, seconds. */
  seconds: number
  hop: number
  /** The recording's length, seconds. */
  duration: number
}

/** How scores become events. */
export interface EventRules {
  /** Each class's threshold (a class missing here uses `defaultThreshold`), or one for all. */
  thresholds: Record<string, number> | number
  defaultThreshold?: number
  /** Events of a class at most this far apart merge, seconds (default: the hop). */
  minGap?: number
  /**
   * Events shorter than this, after merging, are dropped, seconds (default 0: none). A region the
   * model learnt at half-overlap gives an event about a window long or longer; a window or two at
   * the edge of an event that score for a similar class give short ones.
   */
  minDuration?: number
  /** The class that stands for "nothing": never reported. */
  background: string | null
}

/** An event found in one recording. */
export interface WindowEvent {
  label: string
  start: number
  end: number
  score: number
}

/** The events of a recording's window scores, ordered by start (then class). */
export function eventsFromScores(windows: WindowScores, rules: EventRules): WindowEvent[] {
  const { classes, scores, hop, seconds, duration } = windows
  const k = classes.length
  if (!(hop > 0 && seconds > 0)) {
    throw new EarmarkError('invalid-input', `windows need a positive length and hop, not ${seconds} s and ${hop} s`)
  }
  if (k === 0 || scores.length % k !== 0) {
    throw new EarmarkError('invalid-input', `${scores.length} scores do not fill rows of ${k} classes`)
  }
  const minGap = rules.minGap ?? hop
  if (!(minGap >= 0)) throw new EarmarkError('invalid-input', `the minimum gap must be 0 s or more, not ${minGap}`)
  const minDuration = rules.minDuration ?? 0
  if (!(minDuration >= 0)) {
    throw new EarmarkError('invalid-input', `the minimum duration must be 0 s or more, not ${minDuration}`)
  }
  const n = scores.length / k
  // Differences of a few nanoseconds are rounding, not a gap: adjacent windows' spans meet exactly.
  const slack = 1e-9 * Math.max(1, duration)
  const events: WindowEvent[] = []
  classes.forEach((label, c) => {
    if (label === rules.background) return
    const threshold = thresholdOf(rules, label)
    let open: WindowEvent | null = null
    for (let w = 0; w < n; w++) {
      const score = scores[w * k + c] as number
      if (!(score >= threshold)) continue
      const centre = w * hop + seconds / 2
      const start = clamp(centre - hop / 2, duration)
      const end = clamp(centre + hop / 2, duration)
      if (open && start - open.end <= minGap + slack) {
        open.end = Math.max(open.end, end)
        open.score = Math.max(open.score, score)
      } else {
        if (open) events.push(open)
        open = { label, start, end, score }
      }
    }
    if (open) events.push(open)
  })
  return events
    .filter((e) => e.end > e.start && e.end - e.start + slack >= minDuration)
    .sort((a, b) => a.start - b.start || a.end - b.end || a.label.localeCompare(b.label))
}

function thresholdOf(rules: EventRules, label: string): number {
  const t =
    typeof rules.thresholds === 'number' ? rules.thresholds : (rules.thresholds[label] ?? rules.defaultThreshold)
  if (t === undefined || !(t >= 0 && t <= 1)) {
    throw new EarmarkError('invalid-input', `the threshold of ${label} must be between 0 and 1, not ${t}`)
  }
  return t
}

const clamp = (t: number, duration: number): number => Math.min(Math.max(0, t), duration)

/** The window starts of a recording, in samples: 0, hop, 2·hop, … while the start is inside it. */
export function windowStarts(totalSamples: number, hopSamples: number, from = 0): number[] {
  const starts: number[] = []
  for (let s = from; s < totalSamples; s += hopSamples) starts.push(s)
  return starts
}
