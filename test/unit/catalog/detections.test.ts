import { afterEach, describe, expect, it } from 'vitest'
import {
  detectableClips,
  getDetection,
  listDetections,
  replaceDetections,
  runDetections,
} from '../../../src/main/core/catalog/detections'
import type { Catalog } from '../../../src/main/core/catalog/open'
import { insertRunClips } from '../../../src/main/core/catalog/runs'
import { seededCatalog } from '../../helpers/catalog'
import { insertDetectionRun } from '../../helpers/detections'

let catalog: Catalog | undefined
afterEach(() => catalog?.close())

function setup() {
  const seeded = seededCatalog(['dog', 'cat'], 4)
  catalog = seeded.catalog
  const run = () => insertDetectionRun(seeded.db, ['dog', 'cat'])
  return { ...seeded, runs: [run(), run()] as [number, number] }
}

const now = new Date('2026-12-06T10:00:00Z')

describe('detections in the catalog', () => {
  it('replaces a run’s unreviewed detections in a clip, keeps reviewed ones and other runs’ and clips’', () => {
    const { db, clipIds, runs } = setup()
    const [c0, c1] = clipIds as [number, number]
    const [r1, r2] = runs
    expect(
      replaceDetections(
        db,
        r1,
        c0,
        [
          { label: 'dog', start: 0.5, end: 1, score: 0.9 },
          { label: 'cat', start: 0.2, end: 0.4, score: 0.7 },
        ],
        now,
      ),
    ).toBe(2)
    replaceDetections(db, r1, c1, [{ label: 'dog', start: 0, end: 1, score: 0.6 }], now)
    replaceDetections(db, r2, c0, [{ label: 'cat', start: 0, end: 0.3, score: 0.8 }], now)
    const first = listDetections(db, c0, r1)
    expect(first.map((d) => [d.label, d.start, d.end, d.score])).toEqual([
      ['cat', 0.2, 0.4, 0.7],
      ['dog', 0.5, 1, 0.9],
    ])
    expect(first[0]).toMatchObject({ runId: r1, clipId: c0, review: null, reviewedLabel: null, regionId: null })
    // A person rejects the dog detection.
    const dog = first[1]!
    db.prepare(`UPDATE detections SET review = 'rejected', reviewed_at = ? WHERE id = ?`).run(now.toISOString(), dog.id)

    // A rescan: the unreviewed cat detection goes, the rejected dog stays, a new dog over it is not stored again.
    const stored = replaceDetections(
      db,
      r1,
      c0,
      [
        { label: 'dog', start: 0.6, end: 0.9, score: 0.95 },
        { label: 'cat', start: 1.2, end: 1.4, score: 0.5 },
        { label: 'dog', start: 1.5, end: 1.8, score: 0.55 },
      ],
      now,
    )
    expect(stored).toBe(2)
    expect(listDetections(db, c0, r1).map((d) => [d.label, d.start, d.review])).toEqual([
      ['dog', 0.5, 'rejected'],
      ['cat', 1.2, null],
      ['dog', 1.5, null],
    ])
    expect(getDetection(db, dog.id)).toMatchObject({ review: 'rejected', score: 0.9 })
    // The other run's and the other clip's detections are untouched.
    expect(listDetections(db, c0, r2)).toHaveLength(1)
    expect(listDetections(db, c0)).toHaveLength(4)
    expect(runDetections(db, r1).map((d) => d.clipId)).toEqual([c0, c0, c0, c1])
    expect(runDetections(db, r1, [c1])).toHaveLength(1)
    expect(() => getDetection(db, 9999)).toThrow(/Detection 9999 not found/)
  })

  it('refuses a detection that ends before it starts or a score outside 0-1', () => {
    const { db, clipIds, runs } = setup()
    expect(() =>
      replaceDetections(db, runs[0], clipIds[0]!, [{ label: 'dog', start: 1, end: 1, score: 0.5 }], now),
    ).toThrow(/end after it starts/)
    expect(() =>
      replaceDetections(db, runs[0], clipIds[0]!, [{ label: 'dog', start: 0, end: 1, score: 1.5 }], now),
    ).toThrow(/score must be 0-1/)
  })

  it('scans by default every present clip the run did not train or validate on', () => {
    const { db, clipIds, runs } = setup()
    const [c0, c1, c2, c3] = clipIds as [number, number, number, number]
    insertRunClips(db, runs[0], [
      { clipId: c0, split: 'train', label: 'dog', labelVersion: null },
      { clipId: c1, split: 'val', label: 'dog', labelVersion: null },
      { clipId: c2, split: 'test', label: 'cat', labelVersion: null },
    ])
    db.prepare('UPDATE clips SET missing = 1 WHERE id = ?').run(c3)
    expect(detectableClips(db, runs[0]).map((c) => c.id)).toEqual([c2])
    expect(detectableClips(db, runs[1]).map((c) => c.id)).toEqual([c0, c1, c2])
    expect(detectableClips(db, runs[0], [c0]).map((c) => c.path)).toEqual(['/data/c000.wav'])
    expect(() => detectableClips(db, runs[0], [9999])).toThrow(/Clip 9999 not found/)
  })
})
