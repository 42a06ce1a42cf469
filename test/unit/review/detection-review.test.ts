import { afterEach, describe, expect, it } from 'vitest'
import type { Catalog } from '../../../src/main/core/catalog/open'
import { reviewQueue, type QueueRequest } from '../../../src/main/core/catalog/detection-reviews'
import { redoEdit, undoEdit } from '../../../src/main/core/catalog/edits'
import { listRegions } from '../../../src/main/core/catalog/regions'
import { removeRegion } from '../../../src/main/core/labeling'
import { reviewDetection } from '../../../src/main/core/review'
import { seededCatalog } from '../../helpers/catalog'
import { insertDetectionRun, insertDetections } from '../../helpers/detections'

let catalog: Catalog | undefined
afterEach(() => catalog?.close())
const stamp = { author: 'ann', now: new Date('2026-12-06T10:00:00Z') }

/** A project with classes dog, cat, bird, three clips, and one run whose detections are given. */
function setup(detections: { clip?: number; label: string; start: number; end: number; score: number }[]) {
  const seeded = seededCatalog(['dog', 'cat', 'bird'], 3)
  catalog = seeded.catalog
  const db = seeded.db
  const runId = insertDetectionRun(db, ['dog', 'cat', 'bird'])
  const ids = insertDetections(
    db,
    runId,
    detections.map(({ clip, ...d }) => ({ ...d, clipId: seeded.clipIds[clip ?? 0] as number })),
    stamp.now,
  )
  const regions = (clip = 0) =>
    listRegions(db, seeded.clipIds[clip] as number).map((r) => ({ classId: r.classId, start: r.start, end: r.end }))
  const [dog, cat] = seeded.classIds as [number, number]
  return { db, runId, ids, regions, dog, cat, clipIds: seeded.clipIds }
}

const queue = (runId: number, options: Partial<QueueRequest> = {}): QueueRequest => ({
  runId,
  order: 'score',
  perBin: 20,
  bins: 5,
  minScore: 0.05,
  unreviewed: false,
  seed: 0,
  offset: 0,
  limit: 100,
  ...options,
})

describe('reviewing a detection', () => {
  it('accept makes a region of its class, relabel one of the new class, reject none, each undoable', () => {
    const { db, ids, regions, dog, cat } = setup([
      { label: 'dog', start: 0.1, end: 0.4, score: 0.9 },
      { label: 'dog', start: 0.5, end: 0.7, score: 0.6 },
      { label: 'cat', start: 0.2, end: 0.3, score: 0.3 },
    ])
    const [a, b, c] = ids as [number, number, number]
    expect(reviewDetection(db, a, 'accepted', undefined, stamp)).toMatchObject({ review: 'accepted', regionId: 1 })
    expect(regions()).toEqual([{ classId: dog, start: 0.1, end: 0.4 }])
    expect(reviewDetection(db, b, 'relabeled', 'Cat', stamp)).toMatchObject({
      review: 'relabeled',
      reviewedLabel: 'cat',
    })
    expect(regions()).toEqual([
      { classId: dog, start: 0.1, end: 0.4 },
      { classId: cat, start: 0.5, end: 0.7 },
    ])
    expect(reviewDetection(db, c, 'rejected', undefined, stamp)).toMatchObject({ review: 'rejected', regionId: null })
    expect(regions()).toHaveLength(2)

    expect(undoEdit(db, 'ann')).toMatchObject({ kind: 'detection', description: 'Undid: reject a detection of cat' })
    expect(reviewQueue(db, queue(1)).items.find((d) => d.id === c)?.review).toBeNull()
    expect(undoEdit(db, 'ann')?.description).toBe('Undid: relabel a detection of dog as cat')
    expect(regions()).toEqual([{ classId: dog, start: 0.1, end: 0.4 }])
    expect(reviewQueue(db, queue(1)).items.find((d) => d.id === b)).toMatchObject({ review: null, regionId: null })
    expect(redoEdit(db, 'ann')?.description).toBe('Redid: relabel a detection of dog as cat')
    expect(regions()).toHaveLength(2)
    expect(reviewQueue(db, queue(1)).items.find((d) => d.id === b)).toMatchObject({ review: 'relabeled' })
  })

  it('a new review replaces the earlier one and its region; undo brings the earlier one back', () => {
    const { db, ids, regions, dog, cat } = setup([{ label: 'dog', start: 0.1, end: 0.4, score: 0.9 }])
    const id = ids[0] as number
    reviewDetection(db, id, 'accepted', undefined, stamp)
    reviewDetection(db, id, 'relabeled', 'cat', stamp)
    expect(regions()).toEqual([{ classId: cat, start: 0.1, end: 0.4 }])
    reviewDetection(db, id, 'rejected', undefined, stamp)
    expect(regions()).toEqual([])
    undoEdit(db, 'ann')
    expect(regions()).toEqual([{ classId: cat, start: 0.1, end: 0.4 }])
    undoEdit(db, 'ann')
    expect(regions()).toEqual([{ classId: dog, start: 0.1, end: 0.4 }])
    expect(reviewQueue(db, queue(1)).items[0]).toMatchObject({ review: 'accepted', reviewedLabel: null })
  })

  it('a relabel to its own class is an accept, and the same review twice logs nothing', () => {
    const { db, ids, regions } = setup([{ label: 'dog', start: 0.1, end: 0.4, score: 0.9 }])
    const id = ids[0] as number
    expect(reviewDetection(db, id, 'relabeled', 'DOG', stamp).review).toBe('accepted')
    reviewDetection(db, id, 'accepted', undefined, stamp)
    expect(db.prepare('SELECT COUNT(*) FROM edits').pluck().get()).toBe(1)
    expect(regions()).toHaveLength(1)
  })

  it('accepting again brings back a region a person deleted', () => {
    const { db, ids, regions } = setup([{ label: 'dog', start: 0.1, end: 0.4, score: 0.9 }])
    const id = ids[0] as number
    const first = reviewDetection(db, id, 'accepted', undefined, stamp)
    removeRegion(db, first.regionId as number, stamp)
    expect(regions()).toEqual([])
    expect(reviewDetection(db, id, 'accepted', undefined, stamp).regionId).not.toBeNull()
    expect(regions()).toHaveLength(1)
  })

  it('refuses classes the project does not have, and clamps the region to the clip', () => {
    const { db, ids, regions } = setup([
      { label: 'frog', start: 0.1, end: 0.4, score: 0.9 },
      { label: 'dog', start: 0.8, end: 1.5, score: 0.9 },
    ])
    const [frog, long] = ids as [number, number]
    expect(() => reviewDetection(db, frog, 'accepted', undefined, stamp)).toThrow(/no class "frog"/)
    expect(() => reviewDetection(db, long, 'relabeled', 'owl', stamp)).toThrow(/no class "owl"/)
    expect(() => reviewDetection(db, 999, 'rejected', undefined, stamp)).toThrow(/Detection 999 not found/)
    // A detection of a class the project lacks can still be rejected or relabeled.
    expect(reviewDetection(db, frog, 'rejected', undefined, stamp).review).toBe('rejected')
    reviewDetection(db, long, 'accepted', undefined, stamp)
    expect(regions()).toEqual([{ classId: expect.any(Number), start: 0.8, end: 1 }])
  })
})

describe('the review queue', () => {
  it('lists highest score first with what playing needs, and hides reviewed ones when asked', () => {
    const { db, runId, ids } = setup([
      { label: 'dog', start: 0.1, end: 0.4, score: 0.5 },
      { clip: 1, label: 'cat', start: 0.2, end: 0.3, score: 0.95 },
      { clip: 2, label: 'dog', start: 0.5, end: 0.9, score: 0.7 },
    ])
    const page = reviewQueue(db, queue(runId))
    expect(page.items.map((d) => d.score)).toEqual([0.95, 0.7, 0.5])
    expect(page.items[0]).toMatchObject({ clipName: 'c001.wav', path: '/data/c001.wav', clipDuration: 1.01 })
    reviewDetection(db, ids[1] as number, 'rejected', undefined, stamp)
    expect(reviewQueue(db, queue(runId))).toMatchObject({ total: 3, reviewed: 1 })
    const open = reviewQueue(db, queue(runId, { unreviewed: true }))
    expect(open.items.map((d) => d.score)).toEqual([0.7, 0.5])
    expect(open).toMatchObject({ total: 2, reviewed: 1 })
    expect(reviewQueue(db, queue(runId, { label: 'dog', offset: 1, limit: 1 })).items.map((d) => d.score)).toEqual([
      0.5,
    ])
  })

  it('samples evenly across score bins per class, the same way for the same seed', () => {
    // 100 dog detections scoring 0.01 … 1.00, and 3 cat detections.
    const dogs = Array.from({ length: 100 }, (_, i) => ({ label: 'dog', start: 0, end: 0.1, score: (i + 1) / 100 }))
    const cats = [0.15, 0.9, 0.92].map((score) => ({ label: 'cat', start: 0, end: 0.1, score }))
    const { db, runId, ids } = setup([...dogs, ...cats])
    const request = queue(runId, { order: 'bins', bins: 4, perBin: 3, minScore: 0.2 })
    const page = reviewQueue(db, request)
    const binOf = (score: number) => Math.min(3, Math.floor((score - 0.2) / 0.2))
    const dogBins = page.items.filter((d) => d.label === 'dog').map((d) => binOf(d.score))
    expect(dogBins).toEqual([3, 3, 3, 2, 2, 2, 1, 1, 1, 0, 0, 0])
    // Classes in name order; cat's 0.15 is below minScore; bins 0 and 1 of cat are empty.
    expect(page.items.filter((d) => d.label === 'cat').map((d) => d.score)).toEqual([0.92, 0.9])
    expect(page.items[0]?.label).toBe('cat')
    expect(page.total).toBe(14)
    expect(reviewQueue(db, request).items.map((d) => d.id)).toEqual(page.items.map((d) => d.id))
    const other = reviewQueue(db, { ...request, seed: 7 }).items.map((d) => d.id)
    expect(other).not.toEqual(page.items.map((d) => d.id))
    // Reviewing does not reshuffle the sample: hiding reviewed ones leaves the rest as they were.
    const first = page.items[2] as { id: number }
    reviewDetection(db, first.id, 'rejected', undefined, stamp)
    const open = reviewQueue(db, { ...request, unreviewed: true })
    expect(open.items.map((d) => d.id)).toEqual(page.items.map((d) => d.id).filter((id) => id !== first.id))
    expect(open).toMatchObject({ total: 13, reviewed: 1 })
    expect(ids).toHaveLength(103)
  })
})
