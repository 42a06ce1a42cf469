// What a person says of windows from the search grid: regions and windows marked as none of the
// classes, read by search results and by heads (as positives and as background).
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { addClass } from '../../../src/main/core/catalog/classes'
import { insertClip } from '../../../src/main/core/catalog/clips'
import {
  createSpace,
  headClips,
  insertWindows,
  labeledRegionsByClip,
  negativesByClip,
  setNegative,
} from '../../../src/main/core/catalog/embeddings'
import { mapClips } from '../../../src/main/core/catalog/feature-sets'
import { openCatalog } from '../../../src/main/core/catalog/open'
import { buildClipMap, clipEmbeddings } from '../../../src/main/core/explorer/clip-map'
import { fitHead, projectHead } from '../../../src/main/core/embeddings/head-project'
import { trainLinearHead } from '../../../src/main/core/embeddings/head'
import { searchEmbeddings } from '../../../src/main/core/embeddings/search'
import { normalizeInPlace, windowMark } from '../../../src/main/core/embeddings/windows'
import { tempDir } from '../../helpers/temp'

describe('what a window is marked', () => {
  const regions = [{ start: 1, end: 2, label: 'owl' }]
  it('a labeled region counts for windows it covers half of (or half of it), as on regions', () => {
    expect(windowMark(1, 2, regions, [])).toEqual(['owl'])
    expect(windowMark(1.5, 2.5, regions, [])).toEqual(['owl'])
    expect(windowMark(1.6, 2.6, regions, [])).toBeUndefined()
    expect(windowMark(0, 4, [{ start: 1, end: 1.2, label: 'owl' }], [])).toEqual(['owl'])
  })

  it('a window marked none counts for itself, not for the windows a hop either side, and before regions', () => {
    const none = [{ start: 1, end: 2 }]
    expect(windowMark(1, 2, regions, none)).toEqual([])
    expect(windowMark(1.5, 2.5, [], none)).toBeUndefined()
    expect(windowMark(3, 4, [], none)).toBeUndefined()
  })
})

describe('background rows in a head', () => {
  it('weigh as labeled rows: marked background pushes a class’s score down where weak negatives barely do', () => {
    // Class a at +x; an unmarked cluster at -x reads as weak negatives, the same cluster marked
    // background as full negatives.
    const rows: number[][] = []
    const labels: number[][] = []
    for (let i = 0; i < 20; i++) {
      rows.push([1, 0.1 * (i % 3)], [0, 1])
      labels.push([0], [])
    }
    const x = Float32Array.from(rows.flat())
    const scoreAt = (background: boolean[] | undefined) => {
      const head = trainLinearHead({ dims: 2, x, labels, classes: ['a'], ...(background ? { background } : {}) })
      const z = (head.bias[0] as number) + (head.weights[1] as number)
      return 1 / (1 + Math.exp(-z))
    }
    const weak = scoreAt(undefined)
    const marked = scoreAt(labels.map((l) => l.length === 0))
    expect(marked).toBeLessThan(weak)
    expect(marked).toBeLessThan(0.2)
  })
})

/** A project of one long unlabeled recording (windows of 1 s, hop 0.5 s) and two labeled short clips. */
function project() {
  const dir = tempDir()
  const catalog = openCatalog(join(dir, 'p.earmark'), { create: true })
  const { db } = catalog
  const clip = (path: string, hash: string, duration: number) =>
    insertClip(db, {
      path: join(dir, path),
      contentHash: hash,
      duration,
      sampleRate: 8000,
      channels: 1,
      size: 0,
      codec: 'pcm',
    })
  const longId = clip('long.wav', 'long', 5)
  const owl = addClass(db, { name: 'owl' })
  const wren = addClass(db, { name: 'wren' })
  const shortOwl = clip('owl.wav', 'owl', 0.8)
  const shortWren = clip('wren.wav', 'wren', 0.8)
  const now = new Date().toISOString()
  const label = db.prepare(
    'INSERT INTO clip_labels (clip_id, class_id, author, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
  )
  label.run(shortOwl, owl.id, 'test', now, now)
  label.run(shortWren, wren.id, 'test', now, now)
  // Owl-like windows point along x, wren-like along y, the rest along z.
  const v = (a: number, b: number, c: number) => {
    const out = Float32Array.from([a, b, c])
    normalizeInPlace(out)
    return out
  }
  const kinds = ['z', 'x', 'x', 'z', 'y', 'y', 'z', 'z', 'z']
  const space = db.transaction(() => {
    const s = createSpace(
      db,
      { baseHash: 'h', sampleRate: 8000, window: 1, hop: 0.5 },
      { kind: 'onnx', path: 'm' },
      3,
      new Date(),
    )
    insertWindows(db, s, [
      ...kinds.map((k, i) => ({
        contentHash: 'long',
        start: i * 0.5,
        end: Math.min(5, i * 0.5 + 1),
        vector: k === 'x' ? v(1, 0.05 * i, 0.1) : k === 'y' ? v(0.05, 1, 0.1 * i) : v(0.1, 0.1 * (i % 2), 1),
      })),
      { contentHash: 'owl', start: 0, end: 0.8, vector: v(1, 0.2, 0) },
      { contentHash: 'wren', start: 0, end: 0.8, vector: v(0.2, 1, 0) },
    ])
    return s
  })()
  return { catalog, db, longId, owl, space }
}

describe('marks in search results and heads', () => {
  it('search results say a region’s class over their window and a mark of none, and "unlabeled" leaves them out', async () => {
    const { catalog, db, longId, owl } = project()
    db.prepare(
      `INSERT INTO region_labels (clip_id, class_id, start, "end", author, created_at, updated_at) VALUES (?, ?, 0.5, 1.5, 't', 'now', 'now')`,
    ).run(longId, owl.id)
    setNegative(db, longId, { start: 3, end: 4 }, true, new Date())
    expect(negativesByClip(db).get(longId)).toEqual([{ start: 3, end: 4 }])
    expect(labeledRegionsByClip(db).get(longId)).toEqual([{ start: 0.5, end: 1.5, label: 'owl' }])
    const all = await searchEmbeddings(db, { clipId: longId, start: 4, end: 5 }, { top: 20, method: 'exact' })
    const at = (start: number) => all.results.find((r) => r.clipId === longId && r.start === start)
    expect(at(1)?.spanLabel).toBe('owl')
    expect(at(3)?.negative).toBe(true)
    expect(at(3)?.spanLabel).toBeNull()
    expect(at(2)?.negative).toBe(false)
    expect(all.results.find((r) => r.path.endsWith('owl.wav'))).toMatchObject({ label: 'owl', clipDuration: 0.8 })
    const unlabeled = await searchEmbeddings(db, { clipId: longId, start: 4, end: 5 }, { top: 20, unlabeled: true })
    expect(unlabeled.results.every((r) => r.label === null && r.spanLabel === null && !r.negative)).toBe(true)
    expect(unlabeled.results.some((r) => r.start === 1)).toBe(false)
    // Taking the mark away.
    setNegative(db, longId, { start: 3, end: 4 }, false, new Date())
    expect(negativesByClip(db).size).toBe(0)
    catalog.close()
  })

  it('a head trains on windows under regions and windows marked none, and lists unlabeled windows by margin', async () => {
    const { catalog, db, longId, owl } = project()
    db.prepare(
      `INSERT INTO region_labels (clip_id, class_id, start, "end", author, created_at, updated_at) VALUES (?, ?, 0.5, 1.5, 't', 'now', 'now')`,
    ).run(longId, owl.id)
    setNegative(db, longId, { start: 3, end: 4 }, true, new Date())
    const head = await projectHead(db, undefined)
    expect(head.classes).toEqual(['owl', 'wren'])
    // Two labeled clips, the region's three windows (0-1, 0.5-1.5, 1-2), the window marked none.
    expect(head.trainRows).toBe(6)
    expect(head.weakNegatives).toBe(5)
    expect(head.next.every((n) => n.clipId === longId && n.clipDuration === 5)).toBe(true)
    expect(head.next.map((n) => n.start)).not.toContain(3)
    expect(head.next.map((n) => n.start)).not.toContain(0.5)
    const margins = head.next.map((n) => n.margin)
    expect(margins).toEqual([...margins].sort((a, b) => a - b))
    catalog.close()
  })

  it('a clip-level head still refuses a project of fewer than two classes', () => {
    const { catalog, db } = project()
    const clips = headClips(db).map((c) => ({ ...c, labels: c.labels.filter((l) => l === 'owl') }))
    expect(() => fitHead({ dims: 3, x: new Float32Array(3), clipIds: [clips[1]!.id] }, clips)).toThrow(/two classes/)
    catalog.close()
  })
})

describe('the clip map by embeddings', () => {
  it('lays each clip out at the mean of its windows, and names clips without vectors', async () => {
    const { catalog, db, longId, space } = project()
    const clips = mapClips(db)
    const m = clipEmbeddings(db, space, clips)
    expect(m.rows).toHaveLength(3)
    const long = m.rows.indexOf(clips.findIndex((c) => c.id === longId))
    const row = Array.from(m.x.subarray(long * 3, long * 3 + 3))
    expect(Math.hypot(...row)).toBeCloseTo(1, 5)
    const map = await buildClipMap(
      db,
      { method: 'pca', seed: 0, space: space.id },
      { signal: new AbortController().signal, progress: () => undefined, log: () => undefined },
      { projectPath: catalog.path, workers: 0 },
    )
    expect(map.space).toBe(space.id)
    expect(map.features).toBe(3)
    expect(map.points.map((p) => p.clipId).sort()).toEqual(clips.map((c) => c.id).sort())
    // A clip whose content the space has no vectors of.
    insertClip(db, {
      path: '/x/new.wav',
      contentHash: 'new',
      duration: 1,
      sampleRate: 8000,
      channels: 1,
      size: 0,
      codec: 'pcm',
    })
    const again = clipEmbeddings(db, space, mapClips(db))
    expect(again.failed.map((f) => f.path)).toEqual(['/x/new.wav'])
    catalog.close()
  })
})
