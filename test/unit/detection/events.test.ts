import { describe, expect, it } from 'vitest'
import { eventsFromScores, windowStarts } from '../../../src/main/core/detection/events'

// Windows of 1 s every 0.25 s: window w's centre is at 0.5 + 0.25 w, and it stands for ±0.125 s.
const base = { seconds: 1, hop: 0.25, duration: 4 }

describe('eventsFromScores', () => {
  it('turns runs of windows over the threshold into events spanning their centres ± hop/2', () => {
    // Classes a, b, background; windows 0-12.
    const a = [0.1, 0.6, 0.9, 0.7, 0.2, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.55]
    const b = [0, 0, 0, 0, 0, 0, 0.8, 0.8, 0, 0, 0, 0, 0]
    const scores = a.flatMap((s, w) => [s, b[w] as number, 1 - s - (b[w] as number)])
    const events = eventsFromScores(
      { ...base, classes: ['a', 'b', 'background'], scores },
      { thresholds: { a: 0.5, b: 0.5 }, background: 'background', minGap: 0 },
    )
    expect(events).toEqual([
      // Windows 1-3: centres 0.75 to 1.25.
      { label: 'a', start: 0.625, end: 1.375, score: 0.9 },
      // Windows 6-7: centres 2 and 2.25.
      { label: 'b', start: 1.875, end: 2.375, score: 0.8 },
      // Window 12: centre 3.5.
      { label: 'a', start: 3.375, end: 3.625, score: 0.55 },
    ])
  })

  it('merges events of a class at most minGap apart, and keeps the highest score', () => {
    // a over the threshold at windows 0-1 and 3-4 (one window under between them: a 0.25 s gap).
    const scores = [0.9, 0.6, 0.4, 0.7, 0.95, 0.1]
    const rules = { thresholds: 0.5, background: null }
    const windows = { ...base, classes: ['a'], scores }
    expect(eventsFromScores(windows, { ...rules, minGap: 0.25 })).toEqual([
      { label: 'a', start: 0.375, end: 1.625, score: 0.95 },
    ])
    // The default gap is the hop: the same.
    expect(eventsFromScores(windows, rules)).toHaveLength(1)
    expect(eventsFromScores(windows, { ...rules, minGap: 0.2 })).toEqual([
      { label: 'a', start: 0.375, end: 0.875, score: 0.9 },
      { label: 'a', start: 1.125, end: 1.625, score: 0.95 },
    ])
  })

  it('drops events shorter than minDuration', () => {
    // Windows 0-1 (0.5 s event) and window 4 (0.25 s event).
    const windows = { ...base, classes: ['a'], scores: [0.9, 0.9, 0.1, 0.1, 0.8] }
    const rules = { thresholds: 0.5, background: null, minGap: 0 }
    expect(eventsFromScores(windows, rules)).toHaveLength(2)
    expect(eventsFromScores(windows, { ...rules, minDuration: 0.25 })).toHaveLength(2)
    expect(eventsFromScores(windows, { ...rules, minDuration: 0.3 })).toEqual([
      { label: 'a', start: 0.375, end: 0.875, score: 0.9 },
    ])
    expect(() => eventsFromScores(windows, { ...rules, minDuration: -1 })).toThrow(/minimum duration/)
  })

  it('clamps events to the recording and never reports the background', () => {
    // A 1.1 s recording: windows at 0, 0.25, 0.5, 0.75, 1.0 (the last ones padded).
    const scores = [0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.2, 0.8, 0.2, 0.9, 0.1, 0.9, 0.9, 0.1, 0.9]
    const events = eventsFromScores(
      { seconds: 2, hop: 0.25, duration: 1.1, classes: ['x', 'y', 'noise'], scores },
      { thresholds: { x: 0.5, y: 0.5 }, background: 'noise', minGap: 0 },
    )
    // x: window 0 (centre 1.0) and window 4 (centre 2.0, past the end: clamped away);
    // y: windows 2 and 3 (centres 1.5 and 1.75: from 1.375, clamped to 1.1: nothing left).
    expect(events).toEqual([{ label: 'x', start: 0.875, end: 1.1, score: 0.9 }])
  })

  it('uses per-class thresholds, a default for classes without one, and refuses bad rules', () => {
    const windows = { ...base, classes: ['a', 'b'], scores: [0.6, 0.6] }
    expect(
      eventsFromScores(windows, { thresholds: { a: 0.7 }, defaultThreshold: 0.5, background: null }).map(
        (e) => e.label,
      ),
    ).toEqual(['b'])
    expect(() => eventsFromScores(windows, { thresholds: { a: 0.7 }, background: null })).toThrow(/threshold of b/)
    expect(() => eventsFromScores(windows, { thresholds: 1.5, background: null })).toThrow(/between 0 and 1/)
    expect(() => eventsFromScores({ ...windows, scores: [0.1] }, { thresholds: 0.5, background: null })).toThrow(
      /do not fill/,
    )
    expect(() => eventsFromScores(windows, { thresholds: 0.5, background: null, minGap: -1 })).toThrow(/minimum gap/)
  })
})

describe('windowStarts', () => {
  it('starts windows every hop while the start is inside the recording', () => {
    expect(windowStarts(10, 4)).toEqual([0, 4, 8])
    expect(windowStarts(8, 4)).toEqual([0, 4])
    expect(windowStarts(0, 4)).toEqual([])
  })
})
