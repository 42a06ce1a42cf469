import { describe, expect, it } from 'vitest'
import {
  classesOverlap,
  defaultWindow,
  labelWindows,
  windowStarts,
} from '../../../src/main/core/detection/region-windows'
import { bestF1Threshold, classThresholds } from '../../../src/main/core/detection/window-thresholds'

const rule = { seconds: 1, hop: 0.5, minOverlap: 0.5 }

describe('window labels from regions', () => {
  it('count a window for a region covering half the shorter of the two, leave out windows an unlabeled region touches, and call the rest background', () => {
    // dog 0.6 s long: a window needs 0.3 s of it. The unlabeled region at 3.0-3.2 s spoils the
    // windows at 2.5 and 3.0 s; the window at 2.0 s only meets it at 3.0 s and stays background.
    const windows = labelWindows(
      4,
      [
        { start: 1.2, end: 1.8, label: 'dog' },
        { start: 3.0, end: 3.2, label: null },
      ],
      [],
      rule,
    )
    expect(windows).toEqual([
      { start: 0, labels: [] },
      { start: 0.5, labels: ['dog'] },
      { start: 1, labels: ['dog'] },
      { start: 1.5, labels: ['dog'] },
      { start: 2, labels: [] },
      { start: 3.5, labels: [] },
    ])
  })

  it('call a window holding too little of a region to count for it background', () => {
    // cat 2 s long: a 1 s window needs 0.5 s of it; the window at 4.25 s holds 0.25 s.
    const windows = labelWindows(8, [{ start: 5, end: 7, label: 'cat' }], [], { ...rule, hop: 0.25 })
    const byStart = new Map(windows.map((w) => [w.start, w.labels]))
    expect(windows).toHaveLength(32)
    expect(byStart.get(4)).toEqual([])
    expect(byStart.get(4.25)).toEqual([])
    expect(byStart.get(4.5)).toEqual(['cat'])
    expect(byStart.get(6)).toEqual(['cat'])
    expect(byStart.get(6.25)).toEqual(['cat'])
    expect(byStart.get(6.5)).toEqual(['cat'])
    expect(byStart.get(6.75)).toEqual([])
  })

  it('take rejected detections as background in recordings without labeled regions, and give nothing without either', () => {
    const windows = labelWindows(3, [], [{ start: 1, end: 2 }], rule)
    expect(windows).toEqual([
      { start: 0.5, labels: [] },
      { start: 1, labels: [] },
      { start: 1.5, labels: [] },
    ])
    expect(labelWindows(3, [], [], rule)).toEqual([])
    expect(labelWindows(3, [{ start: 1, end: 2, label: null }], [], rule)).toEqual([])
  })

  it('list every class a window counts for, the most covered first', () => {
    const windows = labelWindows(
      1,
      [
        { start: 0, end: 1, label: 'dog' },
        { start: 0.5, end: 0.8, label: 'cat' },
      ],
      [],
      rule,
    )
    expect(windows[0]).toEqual({ start: 0, labels: ['dog', 'cat'] })
    // At 0.5 s the window holds 0.5 s of dog (half of the shorter, 1 s) and all of cat.
    expect(windows[1]).toEqual({ start: 0.5, labels: ['dog', 'cat'] })
  })

  it('start windows at multiples of the hop while inside the recording', () => {
    expect(windowStarts(1, 0.25)).toEqual([0, 0.25, 0.5, 0.75])
    expect(windowStarts(0.1, 0.25)).toEqual([0])
    expect(windowStarts(3, 0.1)).toHaveLength(30)
  })

  it('find regions of different classes that overlap in a recording', () => {
    expect(
      classesOverlap([
        [
          { start: 0, end: 1, label: 'dog' },
          { start: 0.5, end: 0.8, label: 'cat' },
        ],
      ]),
    ).toBe(true)
    expect(
      classesOverlap([
        [
          { start: 0, end: 1, label: 'dog' },
          { start: 1, end: 2, label: 'cat' },
          { start: 1.5, end: 3, label: 'cat' },
          { start: 2.5, end: 3, label: null },
        ],
        [{ start: 0, end: 1, label: 'cat' }],
        [{ start: 0.5, end: 1, label: 'dog' }],
      ]),
    ).toBe(false)
  })

  it('default the window to the 90th percentile of region lengths rounded up to 0.05 s, within 0.25-10 s, hop a quarter', () => {
    // Ten lengths: the 9th (nearest rank) is 1.1 s.
    // The median by nearest rank: the 5th of 10 lengths.
    expect(defaultWindow([0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.23])).toEqual({ seconds: 0.7, hop: 0.175 })
    expect(defaultWindow([0.3, 0.62, 5])).toEqual({ seconds: 0.65, hop: 0.1625 })
    expect(defaultWindow([0.43])).toEqual({ seconds: 0.45, hop: 0.1125 })
    expect(defaultWindow([0.1, 0.12])).toEqual({ seconds: 0.25, hop: 0.0625 })
    expect(defaultWindow([20])).toEqual({ seconds: 10, hop: 2.5 })
    expect(() => defaultWindow([])).toThrow(/labeled regions/)
  })
})

describe('thresholds from validation windows', () => {
  it('cut where F1 is best, halfway between the lowest score kept and the next', () => {
    // F1 by cut: 0.5, 0.8, 0.667, 0.857 (keeping the four highest), 0.75.
    expect(bestF1Threshold([0.9, 0.8, 0.7, 0.3, 0.2], [true, true, false, true, false])).toBeCloseTo(0.25, 12)
    expect(bestF1Threshold([0.8, 0.9], [false, true])).toBeCloseTo(0.85, 12)
    // Windows of one score are kept or left out together.
    expect(bestF1Threshold([0.7, 0.7, 0.2], [true, false, false])).toBeCloseTo(0.45, 12)
    expect(bestF1Threshold([0.7, 0.2], [false, false])).toBe(0.5)
  })

  it('give each class its own threshold and none to background', () => {
    const scores = [
      // dog, cat, background
      0.9, 0.05, 0.05, 0.2, 0.7, 0.1, 0.4, 0.1, 0.5, 0.1, 0.3, 0.6,
    ]
    const truth = [['dog'], ['cat'], ['dog'], []]
    const thresholds = classThresholds(['dog', 'cat', 'background'], scores, truth, ['background'])
    // dog: 0.9 (T), 0.4 (T), 0.2 (F), 0.1 (F): best keeps two, cut at 0.3.
    // cat: 0.7 (T), 0.3 (F), 0.1, 0.05: best keeps one, cut at 0.5.
    expect(thresholds).toEqual({ dog: expect.closeTo(0.3, 12), cat: expect.closeTo(0.5, 12) })
  })
})
