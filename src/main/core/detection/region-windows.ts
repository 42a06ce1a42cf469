import { EarmarkError } from '../errors'

/*
 * Window labels from regions. A model trained on regions learns from short windows of its
 * recordings, each labeled from the regions it overlaps:
 *
 * - a window [t, t + W] counts for a region's class when |window ∩ region| ≥ minOverlap ·
 *   min(W, region length): a short call inside a long window counts, as does a long call the
 *   window sits inside;
 * - a window touching an unlabeled region (class null) is left out: what it holds is not known;
 * - in a recording with at least one labeled region, every other window is background, those
 *   holding a little of an event too: the model learns to answer an event only where a window
 *   holds enough of it, so events detected from its windows start and end where the regions do
 *   (on spoken digits in noise, leaving such windows out instead let them score as events, and
 *   event F1 fell from 0.95 to 0.75);
 * - a window over enough of the span of a rejected detection (the same share) is background, in
 *   any recording;
 * - a recording without labeled regions or rejected detections gives no window.
 */

/** The name of the class of background windows in single-label (softmax) models. */
export const BACKGROUND = 'background'

/** A labeled (or unlabeled, `label` null) span of a recording, seconds. */
export interface LabeledSpan {
  start: number
  end: number
  label: string | null
}

/** A span known to hold no event (a rejected detection), seconds. */
export interface Span {
  start: number
  end: number
}

/** How windows are cut and labeled. */
export interface WindowRule {
  /** Window length and hop, seconds. */
  seconds: number
  hop: number
  /** Share of the shorter of window and region a region must cover (0-1]. */
  minOverlap: number
}

/** One window of a recording and what it is an example of. */
export interface LabeledWindow {
  /** Seconds from the recording's start. */
  start: number
  /** Its classes, the most covered first; empty for a background window. */
  labels: string[]
}

const overlapOf = (a0: number, a1: number, b0: number, b1: number): number =>
  Math.max(0, Math.min(a1, b1) - Math.max(a0, b0))

/**
 * Window starts of a recording: 0, hop, 2·hop, … while the start is inside it (the last window may
 * run past the end, and is then zero-padded). Multiples of the hop, so no rounding error piles up.
 */
export function windowStarts(duration: number, hop: number): number[] {
  const starts: number[] = []
  for (let k = 0; k * hop < duration; k++) starts.push(k * hop)
  return starts
}

/**
 * The windows of one recording that are examples, with their labels, by the rule above. Windows
 * that are left out are not listed.
 */
export function labelWindows(
  duration: number,
  regions: readonly LabeledSpan[],
  rejected: readonly Span[],
  rule: WindowRule,
): LabeledWindow[] {
  const labeled = regions.filter((r) => r.label !== null && r.end > r.start)
  const unlabeled = regions.filter((r) => r.label === null && r.end > r.start)
  if (labeled.length === 0 && rejected.length === 0) return []
  const W = rule.seconds
  const out: LabeledWindow[] = []
  for (const t of windowStarts(duration, rule.hop)) {
    const end = t + W
    if (unlabeled.some((r) => overlapOf(t, end, r.start, r.end) > 0)) continue
    const cover = new Map<string, number>()
    for (const r of labeled) {
      const shared = overlapOf(t, end, r.start, r.end)
      if (shared <= 0) continue
      // A small tolerance, so that a window meeting the share exactly is not lost to rounding.
      if (shared + 1e-9 >= rule.minOverlap * Math.min(W, r.end - r.start)) {
        const label = r.label as string
        cover.set(label, Math.max(cover.get(label) ?? 0, shared))
      }
    }
    if (cover.size > 0) {
      const labels = [...cover.entries()].sort((a, b) => b[1] - a[1]).map(([label]) => label)
      out.push({ start: t, labels })
      continue
    }
    const background =
      labeled.length > 0 ||
      rejected.some((s) => {
        const shared = overlapOf(t, end, s.start, s.end)
        return shared > 0 && shared + 1e-9 >= rule.minOverlap * Math.min(W, s.end - s.start)
      })
    if (background) out.push({ start: t, labels: [] })
  }
  return out
}

/**
 * Whether regions of different classes overlap in time anywhere (recordings given apart): then a
 * window can hold two classes at once, and the model needs one sigmoid output per class.
 */
export function classesOverlap(recordings: readonly (readonly LabeledSpan[])[]): boolean {
  for (const regions of recordings) {
    const labeled = regions.filter((r) => r.label !== null).sort((a, b) => a.start - b.start)
    for (let i = 0; i < labeled.length; i++) {
      const a = labeled[i] as LabeledSpan
      for (let j = i + 1; j < labeled.length; j++) {
        const b = labeled[j] as LabeledSpan
        if (b.start >= a.end) break
        if (b.label !== a.label && overlapOf(a.start, a.end, b.start, b.end) > 0) return true
      }
    }
  }
  return false
}

/** Window lengths the defaults keep to, seconds. */
const MIN_WINDOW = 0.25
const MAX_WINDOW = 10

/**
 * The default window: the median length of the labeled regions (nearest rank), rounded up to
 * 0.05 s and kept within 0.25-10 s; the hop a quarter of it. Events are placed by window centres,
 * and a window much longer than a typical region puts its onsets early (on spoken digits in
 * noise, the 90th percentile's window put onsets up to 0.19 s early and event F1 at 0.85; the
 * median's, 0.03 s and 0.96).
 */
export function defaultWindow(lengths: readonly number[]): { seconds: number; hop: number } {
  const sorted = lengths.filter((l) => l > 0).sort((a, b) => a - b)
  if (sorted.length === 0) {
    throw new EarmarkError('invalid-input', 'training on regions needs labeled regions: the project has none')
  }
  const median = sorted[Math.max(0, Math.ceil(0.5 * sorted.length) - 1)] as number
  const rounded = Math.round(Math.ceil(median / 0.05 - 1e-9) * 5) / 100
  const seconds = Math.min(MAX_WINDOW, Math.max(MIN_WINDOW, rounded))
  return { seconds, hop: seconds / 4 }
}
