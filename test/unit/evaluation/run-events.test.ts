import { afterEach, describe, expect, it } from 'vitest'
import type { DetectionReview } from '../../../src/shared/detection'
import type { Catalog } from '../../../src/main/core/catalog/open'
import { insertRunClips } from '../../../src/main/core/catalog/runs'
import { eventHandlers } from '../../../src/main/core/handlers/events'
import { createRegion } from '../../../src/main/core/labeling'
import { seededCatalog } from '../../helpers/catalog'
import { insertDetectionRun, insertDetections } from '../../helpers/detections'

let catalog: Catalog | undefined
afterEach(() => catalog?.close())
const stamp = { author: 'ann', now: new Date('2026-12-06T10:00:00Z') }

/**
 * Classes dog and cat; clips 0 and 1 on the run's test split, clip 2 on its train split. Clip 0 has
 * labeled regions dog [0.1, 0.4] and cat [0.5, 0.8] and an unlabeled region; clip 1 has no region;
 * clip 2 has a dog region.
 */
function setup() {
  const seeded = seededCatalog(['dog', 'cat'], 3)
  catalog = seeded.catalog
  const { db, clipIds } = seeded
  const [c0, c1, c2] = clipIds as [number, number, number]
  const [dog, cat] = seeded.classIds as [number, number]
  const runId = insertDetectionRun(db, ['dog', 'cat'])
  insertRunClips(db, runId, [
    { clipId: c0, split: 'test', label: 'dog', labelVersion: null },
    { clipId: c1, split: 'test', label: 'dog', labelVersion: null },
    { clipId: c2, split: 'train', label: 'dog', labelVersion: null },
  ])
  createRegion(db, c0, { classId: dog, start: 0.1, end: 0.4 }, stamp)
  createRegion(db, c0, { classId: cat, start: 0.5, end: 0.8 }, stamp)
  createRegion(db, c0, { classId: null, start: 0.85, end: 0.95 }, stamp)
  createRegion(db, c2, { classId: dog, start: 0.1, end: 0.4 }, stamp)
  const detect = (
    clipId: number,
    label: string,
    start: number,
    end: number,
    score: number,
    review?: DetectionReview,
    reviewedLabel?: string,
  ) => insertDetections(db, runId, [{ clipId, label, start, end, score, review, reviewedLabel }], stamp.now)
  const handlers = eventHandlers({ catalog: () => seeded.catalog })
  return { db, runId, c0, c1, c2, detect, handlers }
}

describe("a run's event metrics and thresholds", () => {
  it("scores the run's detections in its annotated clips on the split against their labeled regions", () => {
    const { runId, c0, c1, c2, detect, handlers } = setup()
    // Clip 0: dog [0.12, 0.42] hits dog [0.1, 0.4]; dog [0.5, 0.8] is timed as cat [0.5, 0.8]: a substitution.
    detect(c0, 'dog', 0.12, 0.42, 0.9)
    detect(c0, 'dog', 0.5, 0.8, 0.4)
    // Clip 1 has no labeled region and clip 2 is on the train split: neither is scored.
    detect(c1, 'dog', 0, 0.5, 0.8)
    detect(c2, 'cat', 0.1, 0.4, 0.8)
    const r = handlers['runs:events']({ id: runId, split: 'test', collar: 0.25, segment: 1 })
    expect(r.clips).toBe(1)
    expect(r.clipIds).toEqual([c0])
    // Reference 2 (the unlabeled region is no event), estimated 2, 1 matched: P = R = F = 1/2;
    // S 1 (cat against dog), D = 2 - 1 - 1 = 0, I = 2 - 1 - 1 = 0: ER = 1/2.
    expect(r.event.micro).toMatchObject({ reference: 2, estimated: 2, truePositives: 1, precision: 0.5, recall: 0.5 })
    expect(r.event.errorRate.counts).toEqual({ substitutions: 1, deletions: 0, insertions: 0, reference: 2 })
    expect(Object.keys(r.event.perClass)).toEqual(['cat', 'dog'])
    // One 1 s segment (the clip lasts 1 s): dog and cat active in the reference, dog in the
    // estimate: Ntp 1, S = min(2, 1) - 1 = 0, D = 1: ER 1/2.
    expect(r.segment.micro).toMatchObject({ reference: 2, estimated: 1, truePositives: 1 })
    expect(r.segment.errorRate.errorRate).toBe(0.5)
    // The dog curve: at 0.4 both dog detections (1 hit), at 0.9 only the hit.
    expect(r.curves.find((c) => c.label === 'dog')).toEqual({
      label: 'dog',
      thresholds: [0.4, 0.9],
      precision: [0.5, 1],
      recall: [1, 1],
    })
  })

  it('says why when no clip of the split has labeled regions, and when the run is unknown', () => {
    const { runId, handlers } = setup()
    expect(() => handlers['runs:events']({ id: runId, split: 'val', collar: 0.25, segment: 1 })).toThrow(
      `Run ${runId} has no clips on its val split`,
    )
    expect(() => handlers['runs:events']({ id: 99, split: 'test', collar: 0.25, segment: 1 })).toThrow(
      'Run 99 not found',
    )
  })

  it("suggests thresholds from the run's reviewed detections", () => {
    const { runId, c0, c1, detect, handlers } = setup()
    detect(c0, 'dog', 0.1, 0.4, 0.9, 'accepted')
    detect(c0, 'dog', 0.5, 0.8, 0.7, 'relabeled', 'cat')
    detect(c1, 'dog', 0.1, 0.2, 0.6, 'relabeled', 'dog')
    detect(c1, 'dog', 0.3, 0.4, 0.65)
    // dog, all in different bins, three reviewed: from the top 0.9 right (1/1), 0.7 wrong (1/2),
    // 0.6 right (2/3). The lowest score with precision >= 0.6 is 0.6.
    const [dog] = handlers['detections:thresholds']({ runId, targetPrecision: 0.6 })
    expect(dog).toMatchObject({ label: 'dog', detections: 4, reviewed: 3, accepted: 2, threshold: 0.6 })
    expect(dog?.scores).toEqual([0.6, 0.7, 0.9])
    expect(dog?.precision[0]).toBeCloseTo(2 / 3, 12)
  })
})
