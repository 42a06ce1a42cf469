import { describe, expect, it } from 'vitest'
import { addClass } from '../../../src/main/core/catalog/classes'
import { nextRegionId, putRegion } from '../../../src/main/core/catalog/regions'
import { insertRun } from '../../../src/main/core/catalog/runs'
import { setSetting } from '../../../src/main/core/catalog/settings'
import { planRegionExamples, windowCounts } from '../../../src/main/core/runs/region-examples'
import { seededCatalog } from '../../helpers/catalog'

/**
 * Four 10 s recordings: a dog at 1-2 s (train), a cat at 3-4 s (train), a dog at 5-5.8 s beside an
 * unlabeled region at 7-8 s (val), and one without regions but with a rejected detection at 2-3 s (test).
 */
function recordings() {
  const seeded = seededCatalog(['dog', 'cat'], 5)
  const { db, classIds, clipIds } = seeded
  const [dog, cat] = classIds as [number, number]
  db.prepare('UPDATE clips SET duration = 10').run()
  const splits = ['train', 'train', 'val', 'test', 'train']
  clipIds.forEach((id, i) => db.prepare('UPDATE clips SET split = ? WHERE id = ?').run(splits[i], id))
  const region = (clip: number, classId: number | null, start: number, end: number) =>
    putRegion(
      db,
      { id: nextRegionId(db), clipId: clipIds[clip]!, classId, start, end, lowFreq: null, highFreq: null },
      'tester',
    )
  region(0, dog, 1, 2)
  region(1, cat, 3, 4)
  region(2, dog, 5, 5.8)
  region(2, null, 7, 8)
  const runId = insertRun(db, {
    model: 'cnn',
    engine: 'tfjs',
    params: {},
    featureConfig: {},
    featureHash: 'h',
    seed: 0,
    labels: ['dog', 'cat'],
    splitMethod: 'column',
    splitPolicy: 'column',
    jobId: null,
  })
  db.prepare(
    `INSERT INTO detections (run_id, clip_id, label, start, "end", score, review, detected_at)
     VALUES (?, ?, 'dog', 2, 3, 0.9, 'rejected', '2026-01-01T00:00:00Z')`,
  ).run(runId, clipIds[3])
  return { ...seeded, region }
}

describe('the windows of a run on regions', () => {
  it('cut every recording with regions or rejected detections by the default window, split by recording', () => {
    const { db, clipIds } = recordings()
    const plan = planRegionExamples(db, { seed: 0, testFraction: 0.2 })
    // Labeled lengths 1, 1 and 0.8 s: the median is 1 s.
    expect(plan.rule).toEqual({ seconds: 1, hop: 0.25, minOverlap: 0.5 })
    expect(plan).toMatchObject({ output: 'softmax', background: 'background', classes: ['dog', 'cat'] })
    expect(plan.outputs).toEqual(['dog', 'cat', 'background'])
    // The fifth recording has neither regions nor rejected detections: no windows.
    expect(plan.recordings.map((r) => [r.clip.id, r.split, r.label])).toEqual([
      [clipIds[0], 'train', 'dog'],
      [clipIds[1], 'train', 'cat'],
      [clipIds[2], 'val', 'dog'],
      [clipIds[3], 'test', 'background'],
    ])
    // The rejected detection's 1 s span: windows at 1.5-2.5 s hold at least half of it.
    expect(plan.recordings[3]!.windows.map((w) => w.start)).toEqual([1.5, 1.75, 2, 2.25, 2.5])
    // Recording 3 (10 s, 40 windows): the dog's 0.8 s needs 0.4 s of a window, at 4.5-5.25 s;
    // windows touching the unlabeled 7-8 s (6.25-7.75) are left out, the rest is background.
    const third = plan.recordings[2]!.windows
    expect(third.filter((w) => w.labels.length > 0).map((w) => w.start)).toEqual([4.5, 4.75, 5, 5.25])
    expect(third).toHaveLength(40 - 7)
    expect(windowCounts(plan)).toEqual({
      train: { dog: 5, cat: 5, background: 2 * (40 - 5) },
      val: { dog: 4, background: 40 - 4 - 7 },
      test: { background: 5 },
    })
  })

  it('take the window, hop and overlap asked for', () => {
    const { db } = recordings()
    const plan = planRegionExamples(db, { seed: 0, testFraction: 0.2, window: 2, hop: 1, minOverlap: 0.9 })
    expect(plan.rule).toEqual({ seconds: 2, hop: 1, minOverlap: 0.9 })
    // A 2 s window holds 90% of the 1 s dog only when it holds all of it: at 0 and 1 s.
    expect(plan.recordings[0]!.windows.filter((w) => w.labels.length > 0).map((w) => w.start)).toEqual([0, 1])
  })

  it('train sigmoid outputs without background in a multi-label project, or where classes overlap', () => {
    const multi = recordings()
    setSetting(multi.db, 'multi_label', 'true')
    expect(planRegionExamples(multi.db, { seed: 0, testFraction: 0.2 })).toMatchObject({
      output: 'sigmoid',
      background: null,
      outputs: ['dog', 'cat'],
    })
    const overlapping = recordings()
    overlapping.region(0, overlapping.classIds[1]!, 1.5, 2.5)
    const plan = planRegionExamples(overlapping.db, { seed: 0, testFraction: 0.2 })
    expect(plan.output).toBe('sigmoid')
    expect(plan.recordings[0]!.windows.some((w) => w.labels.length === 2)).toBe(true)
  })

  it('refuse a project without labeled regions, and a class called background', () => {
    const { db } = seededCatalog(['dog', 'cat'], 2)
    expect(() => planRegionExamples(db, { seed: 0, testFraction: 0.2 })).toThrow(/needs labeled regions/)
    const named = recordings()
    const background = addClass(named.db, { name: 'background' }).id
    named.region(1, background, 6, 7)
    expect(() => planRegionExamples(named.db, { seed: 0, testFraction: 0.2 })).toThrow(/called "background"/)
  })
})
