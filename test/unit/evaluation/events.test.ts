import { describe, expect, it } from 'vitest'
import type { ScoredEvent } from '../../../src/shared/detection'
import { eventMetrics } from '../../../src/main/core/evaluation'

/** An event of recording `source`. */
const ev = (label: string, start: number, end: number, score?: number, source: string | number = 'a'): ScoredEvent =>
  score === undefined ? { source, label, start, end } : { source, label, start, end, score }

describe('event-based metrics (sed_eval conventions)', () => {
  it("scores sed_eval's own direct-use example as sed_eval's tests expect (F 0.8, ER 1/3)", () => {
    // Reference car [0, 2.5], [2.8, 4.5], [6, 10]; estimated car [0.2, 3.5], [6, 8]; collar 0.2.
    // [0.2, 3.5] hits [0, 2.5]: onset off by 0.2 <= 0.2, offset by 1.0 <= max(0.2, 0.5 x 2.5 = 1.25).
    // [6, 8] hits [6, 10]: onset 0, offset off by 2 <= max(0.2, 0.5 x 4 = 2).
    // Ntp 2, Nref 3, Nsys 2: P = 1, R = 2/3, F = 2 x 1 x 2/3 / (1 + 2/3) = 0.8.
    // ER: S 0, D = 3 - 2 = 1, I = 2 - 2 = 0, so 1/3.
    const r = eventMetrics(
      [ev('car', 0, 2.5), ev('car', 2.8, 4.5), ev('car', 6, 10)],
      [ev('car', 0.2, 3.5), ev('car', 6, 8)],
      { collar: 0.2 },
    )
    expect(r.event.micro.f1).toBeCloseTo(0.8, 12)
    expect(r.event.micro.precision).toBe(1)
    expect(r.event.micro.recall).toBeCloseTo(2 / 3, 12)
    expect(r.event.errorRate.errorRate).toBeCloseTo(1 / 3, 12)
    expect(r.event.errorRate.counts).toEqual({ substitutions: 0, deletions: 1, insertions: 0, reference: 3 })
  })

  it('counts true positives, substitutions, deletions and insertions of a three-class recording', () => {
    // Collar 0.25, offsets within max(0.25, half the reference's length).
    // Reference: dog [1, 2], cat [3, 3.5], dog [5, 6], bird [8, 9].
    // Estimated: dog [1.1, 2.2] hits dog [1, 2] (onset 0.1, offset 0.2 <= 0.5): a true positive.
    //            dog [3.1, 3.6] is timed as cat [3, 3.5] (onset 0.1, offset 0.1 <= 0.25) but says dog.
    //            dog [5.4, 6] misses dog [5, 6]: onset off by 0.4 > 0.25.
    //            cat [10, 11] is near nothing.
    // Class-wise: dog Nref 2, Nsys 3, Ntp 1: P 1/3, R 1/2, F = 2(1/6)/(5/6) = 0.4, ER = (1 + 2)/2 = 1.5.
    //             cat Nref 1, Nsys 1, Ntp 0: P 0, R 0, F 0, ER = (1 + 1)/1 = 2.
    //             bird Nref 1, Nsys 0: P undefined, R 0, F undefined, ER = 1/1 = 1.
    // Overall: Ntp 1. Left over: references cat [3, 3.5], dog [5, 6], bird [8, 9]; estimates
    //   dog [3.1, 3.6], dog [5.4, 6], cat [10, 11]. cat [3, 3.5] with dog [3.1, 3.6] is the one
    //   substitution. D = 4 - 1 - 1 = 2, I = 4 - 1 - 1 = 2, ER = (1 + 2 + 2)/4 = 1.25.
    // Micro: P = 1/4, R = 1/4, F = 1/4. Macro: P = mean(1/3, 0) = 1/6, R = mean(1/2, 0, 0) = 1/6,
    //   F = mean(0.4, 0) = 0.2, ER = mean(1.5, 2, 1) = 1.5.
    const r = eventMetrics(
      [ev('dog', 1, 2), ev('cat', 3, 3.5), ev('dog', 5, 6), ev('bird', 8, 9)],
      [ev('dog', 1.1, 2.2), ev('dog', 3.1, 3.6), ev('dog', 5.4, 6), ev('cat', 10, 11)],
      { durations: new Map([['a', 12]]) },
    )
    const dog = r.event.perClass['dog']
    expect(dog).toMatchObject({ reference: 2, estimated: 3, truePositives: 1, errorRate: 1.5 })
    expect(dog?.precision).toBeCloseTo(1 / 3, 12)
    expect(dog?.recall).toBe(0.5)
    expect(dog?.f1).toBeCloseTo(0.4, 12)
    expect(r.event.perClass['cat']).toEqual({
      precision: 0,
      recall: 0,
      f1: 0,
      errorRate: 2,
      reference: 1,
      estimated: 1,
      truePositives: 0,
    })
    expect(r.event.perClass['bird']).toEqual({
      precision: null,
      recall: 0,
      f1: null,
      errorRate: 1,
      reference: 1,
      estimated: 0,
      truePositives: 0,
    })
    expect(r.event.errorRate).toEqual({
      errorRate: 1.25,
      substitutions: 0.25,
      deletions: 0.5,
      insertions: 0.5,
      counts: { substitutions: 1, deletions: 2, insertions: 2, reference: 4 },
    })
    expect(r.event.micro).toMatchObject({ precision: 0.25, recall: 0.25, f1: 0.25, errorRate: 1.25 })
    expect(r.event.macro.precision).toBeCloseTo(1 / 6, 12)
    expect(r.event.macro.recall).toBeCloseTo(1 / 6, 12)
    expect(r.event.macro.f1).toBeCloseTo(0.2, 12)
    expect(r.event.macro.errorRate).toBeCloseTo(1.5, 12)
    expect(r.event.macro).toMatchObject({ reference: 4, estimated: 4, truePositives: 1 })
    expect(r.clips).toBe(1)

    // Segment-based on 1 s segments of the 12 s recording (a class is active in segments
    // floor(onset) to ceil(offset) - 1):
    //   reference: dog {1, 5}, cat {3}, bird {8}; estimated: dog {1, 2, 3, 5}, cat {10}.
    //   dog: Ntp 2 (1, 5), Nsys 4, Nref 2: P 0.5, R 1, F 2/3, ER = (0 + 2)/2 = 1.
    //   cat: Ntp 0, Nsys 1, Nref 1: P 0, R 0, F 0. bird: Nref 1, Nsys 0.
    //   Per segment: 2 has an insertion (dog); 3 has cat against dog, a substitution; 8 a deletion
    //   (bird); 10 an insertion (cat). S 1, D 1, I 2 over Nref 4: ER 1.
    //   Micro: Ntp 2, Nsys 4 + 1 = 5, Nref 4: P 2/5, R 1/2, F = 2(1/5)/(9/10) = 4/9.
    //   (Checks: Nsys - Ntp = 3 = S + I, Nref - Ntp = 2 = S + D.) Macro F = mean(2/3, 0) = 1/3.
    expect(r.segment.length).toBe(1)
    expect(r.segment.errorRate.counts).toEqual({ substitutions: 1, deletions: 1, insertions: 2, reference: 4 })
    expect(r.segment.errorRate.errorRate).toBe(1)
    expect(r.segment.perClass['dog']).toMatchObject({ reference: 2, estimated: 4, truePositives: 2, errorRate: 1 })
    expect(r.segment.perClass['dog']?.f1).toBeCloseTo(2 / 3, 12)
    expect(r.segment.micro).toMatchObject({ reference: 4, estimated: 5, truePositives: 2, precision: 0.4 })
    expect(r.segment.micro.recall).toBe(0.5)
    expect(r.segment.micro.f1).toBeCloseTo(4 / 9, 12)
    expect(r.segment.macro.f1).toBeCloseTo(1 / 3, 12)
  })

  it('matches each reference once, choosing the pairs that match the most (not the first found)', () => {
    // dog [1, 2] (offset tolerance 0.5) and dog [1.1, 1.6] (tolerance max(0.25, 0.25) = 0.25).
    // [1.05, 1.6] hits both (onsets off by 0.05, offsets by 0.4 and 0); [1.1, 2] hits only the first
    // (against [1.1, 1.6] its offset is off by 0.4 > 0.25). Taking references in order, each with the
    // first estimate that hits it, would pair [1, 2] with [1.05, 1.6] and leave [1.1, 1.6] unmatched;
    // a maximum matching pairs [1, 2] with [1.1, 2] and [1.1, 1.6] with [1.05, 1.6]: 2 true positives.
    const r = eventMetrics([ev('dog', 1, 2), ev('dog', 1.1, 1.6)], [ev('dog', 1.05, 1.6), ev('dog', 1.1, 2)])
    expect(r.event.micro).toMatchObject({ truePositives: 2, precision: 1, recall: 1, f1: 1, errorRate: 0 })
  })

  it('matches a reference at most once: a second estimate on it is an insertion', () => {
    // Two estimates [1, 2] on one reference [1, 2]: Ntp 1, Nsys 2, so P 1/2, R 1, F 2/3; I 1 of N 1.
    const r = eventMetrics([ev('dog', 1, 2)], [ev('dog', 1, 2), ev('dog', 1, 2)])
    expect(r.event.micro).toMatchObject({ truePositives: 1, precision: 0.5, recall: 1 })
    expect(r.event.micro.f1).toBeCloseTo(2 / 3, 12)
    expect(r.event.errorRate.counts).toEqual({ substitutions: 0, deletions: 0, insertions: 1, reference: 1 })
  })

  it('includes both bounds of the onset collar and of the offset tolerance', () => {
    // Reference [1, 2]: an onset 0.25 late hits (|1.25 - 1| = 0.25 <= 0.25); the offset may be 0.5
    // late (max(0.25, 0.5 x 1)), not 0.5625. Reference [0, 0.25]: its offset tolerance is the
    // collar, 0.25 (half its length is 0.125), so an offset at 0.5 hits and one at 0.5625 does not.
    const tp = (reference: ScoredEvent, estimate: ScoredEvent) =>
      eventMetrics([reference], [estimate]).event.micro.truePositives
    expect(tp(ev('x', 1, 2), ev('x', 1.25, 2.25))).toBe(1)
    expect(tp(ev('x', 1, 2), ev('x', 1.375, 2))).toBe(0)
    expect(tp(ev('x', 1, 2), ev('x', 1, 2.5))).toBe(1)
    expect(tp(ev('x', 1, 2), ev('x', 1, 2.5625))).toBe(0)
    expect(tp(ev('x', 0, 0.25), ev('x', 0, 0.5))).toBe(1)
    expect(tp(ev('x', 0, 0.25), ev('x', 0, 0.5625))).toBe(0)
    // A long reference [0, 4] takes offsets within 2 s: [0, 2] hits.
    expect(tp(ev('x', 0, 4), ev('x', 0, 2))).toBe(1)
    // The collar is a parameter: at 0.1, an onset 0.125 late misses.
    expect(eventMetrics([ev('x', 1, 2)], [ev('x', 1.125, 2)], { collar: 0.1 }).event.micro.truePositives).toBe(0)
  })

  it('compares events within their recording only', () => {
    // The same span in two recordings: no match, no substitution; one deletion and one insertion.
    const r = eventMetrics([ev('x', 1, 2, undefined, 1)], [ev('x', 1, 2, undefined, 2), ev('y', 1, 2, undefined, 2)])
    expect(r.event.micro.truePositives).toBe(0)
    expect(r.event.errorRate.counts).toEqual({ substitutions: 0, deletions: 1, insertions: 2, reference: 1 })
    expect(r.clips).toBe(2)
  })

  it("scores sed_eval's segment-based example as sed_eval's tests expect (ER 5/9)", () => {
    // Reference car [0, 2.5], [2.8, 4.5], [6, 10]; estimated car [1, 3.5], [7, 8]; 1 s segments
    // over 10 s (the latest offset). Reference active in 0-2, 2-4, 6-9: {0, 1, 2, 3, 4, 6, 7, 8, 9};
    // estimated in {1, 2, 3} and {7}. Ntp 4; deletions in 0, 4, 6, 8, 9: D 5, S 0, I 0, N 9: ER 5/9.
    // P = 4/4, R = 4/9, F = 2(4/9)/(13/9) = 8/13.
    const r = eventMetrics(
      [ev('car', 0, 2.5), ev('car', 2.8, 4.5), ev('car', 6, 10)],
      [ev('car', 1, 3.5), ev('car', 7, 8)],
    )
    expect(r.segment.errorRate.errorRate).toBeCloseTo(5 / 9, 12)
    expect(r.segment.micro).toMatchObject({ reference: 9, estimated: 4, truePositives: 4, precision: 1 })
    expect(r.segment.micro.f1).toBeCloseTo(8 / 13, 12)
  })

  it('honours a recording length on the segment grid, and a coarser grid', () => {
    // Reference x [0.5, 1.5] in a 1 s recording: on 1 s segments only segment 0 is evaluated, so
    // the estimate [1.2, 1.8] (segment 1) falls outside it: Nsys 0.
    const short = eventMetrics([ev('x', 0.5, 1.5)], [ev('x', 1.2, 1.8)], { durations: new Map([['a', 1]]) })
    expect(short.segment.micro).toMatchObject({ reference: 1, estimated: 0, truePositives: 0 })
    // On 2 s segments over the events' own extent (1.8 s, one segment), both are in segment 0.
    const coarse = eventMetrics([ev('x', 0.5, 1.5)], [ev('x', 1.2, 1.8)], { segment: 2 })
    expect(coarse.segment.micro).toMatchObject({ reference: 1, estimated: 1, truePositives: 1 })
    expect(coarse.segment.length).toBe(2)
  })

  it('gives event-based precision and recall per class over score thresholds', () => {
    // dog references [1, 2] and [5, 6]. Estimates: [1.1, 2.2] score 0.9 (hits [1, 2]),
    // [5.4, 6] score 0.8 (misses: onset 0.4 late), [5, 6.1] score 0.3 (hits [5, 6]).
    //   threshold 0.3: all 3 kept, 2 hit: P 2/3, R 2/2.
    //   threshold 0.8: [1.1, 2.2] and [5.4, 6] kept, 1 hit: P 1/2, R 1/2.
    //   threshold 0.9: [1.1, 2.2] kept and hits: P 1, R 1/2.
    const reference = [ev('dog', 1, 2), ev('dog', 5, 6)]
    const estimated = [ev('dog', 1.1, 2.2, 0.9), ev('dog', 5.4, 6, 0.8), ev('dog', 5, 6.1, 0.3)]
    const [curve] = eventMetrics(reference, estimated).curves
    expect(curve?.label).toBe('dog')
    expect(curve?.thresholds).toEqual([0.3, 0.8, 0.9])
    expect(curve?.precision[0]).toBeCloseTo(2 / 3, 12)
    expect(curve?.precision.slice(1)).toEqual([0.5, 1])
    expect(curve?.recall).toEqual([1, 0.5, 0.5])
    // Thinned to 2 points, the curve keeps the lowest and highest thresholds.
    expect(eventMetrics(reference, estimated, { curvePoints: 2 }).curves[0]?.thresholds).toEqual([0.3, 0.9])
    // Without scores, or without reference events of the class, there is no curve.
    expect(eventMetrics(reference, [ev('dog', 1, 2)]).curves).toEqual([])
    expect(eventMetrics(reference, [ev('cat', 1, 2, 0.5)]).curves).toEqual([])
  })

  it('refuses bad input with a message naming what is wrong', () => {
    expect(() => eventMetrics([], [ev('x', 0, 1)])).toThrow(/no reference events/)
    expect(() => eventMetrics([ev('x', 2, 1)], [])).toThrow(/reference event 1 \(x in a\) spans 2-1 s/)
    expect(() => eventMetrics([ev('x', 0, 1)], [ev('x', 0, 1, Number.NaN)])).toThrow(/estimated event 1.*score NaN/)
    expect(() => eventMetrics([ev('x', 0, 1)], [], { collar: 0 })).toThrow(/collar must be above 0/)
    expect(() => eventMetrics([ev('x', 0, 1)], [], { segment: -1 })).toThrow(/segment length/)
    expect(() => eventMetrics([ev('x', 0, 1)], [], { offsetShare: 2 })).toThrow(/offset tolerance/)
    expect(() => eventMetrics([ev('x', 0, 1)], [ev('y', 0, 1)], { classes: ['x'] })).toThrow(/"y" is not one of/)
  })
})
