import { describe, expect, it } from 'vitest'
import { eventsFromScores } from '../../../src/main/core/detection/events'

// Windows of 1 s every 0.25 s: window w stands for 0.5 + 0.25 w ± 0.125 s.
const windows = { seconds: 1, hop: 0.25, duration: 4, classes: ['a', 'b'] }

describe('eventsFromScores with a minimum duration', () => {
  // a over the threshold at windows 1-4 (1 s), b at window 6 alone (0.25 s) and windows 9-10 (0.5 s).
  const a = [0, 0.9, 0.9, 0.9, 0.9, 0, 0, 0, 0, 0, 0, 0]
  const b = [0, 0, 0, 0, 0, 0, 0.8, 0, 0, 0.7, 0.7, 0]
  const scores = a.flatMap((s, w) => [s, b[w] as number])
  const rules = { thresholds: 0.5, background: null, minGap: 0 }

  it('drops events shorter than it, after merging, and keeps those exactly as long', () => {
    expect(eventsFromScores({ ...windows, scores }, rules)).toHaveLength(3)
    expect(eventsFromScores({ ...windows, scores }, { ...rules, minDuration: 0.5 })).toEqual([
      { label: 'a', start: 0.625, end: 1.625, score: 0.9 },
      { label: 'b', start: 2.625, end: 3.125, score: 0.7 },
    ])
    expect(eventsFromScores({ ...windows, scores }, { ...rules, minDuration: 0.6 })).toEqual([
      { label: 'a', start: 0.625, end: 1.625, score: 0.9 },
    ])
    // Merged across the gap, b's two runs make one event long enough to keep.
    expect(eventsFromScores({ ...windows, scores }, { ...rules, minGap: 0.5, minDuration: 0.6 })).toEqual([
      { label: 'a', start: 0.625, end: 1.625, score: 0.9 },
      { label: 'b', start: 1.875, end: 3.125, score: 0.8 },
    ])
  })

  it('refuses a negative minimum duration', () => {
    expect(() => eventsFromScores({ ...windows, scores }, { ...rules, minDuration: -0.1 })).toThrow(
      /minimum duration must be 0 s or more, not -0.1/,
    )
  })
})
