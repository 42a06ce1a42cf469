import { afterEach, describe, expect, it } from 'vitest'
import { listClasses, mergeClasses, removeClass, reorderClasses } from '../../../src/main/core/catalog/classes'
import { neighborClip, queryClips, type ClipSort } from '../../../src/main/core/catalog/clip-query'
import { getLabelState } from '../../../src/main/core/catalog/labels'
import type { Catalog } from '../../../src/main/core/catalog/open'
import { listRegions } from '../../../src/main/core/catalog/regions'
import { changeClipLabels, createRegion } from '../../../src/main/core/labeling'
import { seededCatalog } from '../../helpers/catalog'

let catalog: Catalog | undefined
afterEach(() => catalog?.close())
const stamp = { author: 'ann', now: new Date() }
const byName: ClipSort = { column: 'name', direction: 'asc' }

describe('class management', () => {
  it('merges one class into another, keeping one label where a clip had both', () => {
    const s = seededCatalog(['dog', 'hound', 'cat'], 3)
    catalog = s.catalog
    const [dog, hound] = s.classIds as [number, number]
    const [a, b] = s.clipIds as [number, number]
    changeClipLabels(s.db, a, (x) => ({ ...x, classIds: [hound] }), 'l', stamp)
    changeClipLabels(s.db, b, (x) => ({ ...x, classIds: [dog, hound] }), 'l', stamp)
    const region = createRegion(s.db, a, { start: 0, end: 0.5, classId: hound }, stamp)
    expect(mergeClasses(s.db, hound, dog)).toBe(3)
    expect(getLabelState(s.db, a).classIds).toEqual([dog])
    expect(getLabelState(s.db, b).classIds).toEqual([dog])
    expect(listRegions(s.db, a)).toEqual([{ ...region, classId: dog }])
    expect(listClasses(s.db).map((c) => [c.name, c.position, c.clipCount])).toEqual([
      ['dog', 0, 2],
      ['cat', 1, 0],
    ])
    expect(() => mergeClasses(s.db, dog, dog)).toThrow(/itself/)
  })

  it('says how many labels a deleted class carried', () => {
    const s = seededCatalog(['dog', 'cat'], 2)
    catalog = s.catalog
    const [dog] = s.classIds as [number]
    for (const clip of s.clipIds) changeClipLabels(s.db, clip, (x) => ({ ...x, classIds: [dog] }), 'l', stamp)
    expect(removeClass(s.db, dog)).toBe(2)
  })

  it('reorders, refusing an order that misses or repeats a class', () => {
    const s = seededCatalog(['a', 'b', 'c'], 0)
    catalog = s.catalog
    const [a, b, c] = s.classIds as [number, number, number]
    expect(reorderClasses(s.db, [c, a, b]).map((x) => x.name)).toEqual(['c', 'a', 'b'])
    expect(() => reorderClasses(s.db, [a, a, b])).toThrow(/exactly once/)
  })
})

describe('the clip browser query', () => {
  it('filters by class, unlabeled, flags, group, duration and name, and counts the matches', () => {
    const s = seededCatalog(['dog', 'cat'], 20, { group: (i) => (i % 2 ? 'odd' : 'even') })
    catalog = s.catalog
    const [dog, cat] = s.classIds as [number, number]
    s.clipIds.slice(0, 5).forEach((id) => changeClipLabels(s.db, id, (x) => ({ ...x, classIds: [dog] }), 'l', stamp))
    s.clipIds.slice(5, 8).forEach((id) => changeClipLabels(s.db, id, (x) => ({ ...x, classIds: [cat] }), 'l', stamp))
    changeClipLabels(s.db, s.clipIds[19]!, (x) => ({ ...x, badAudio: true }), 'f', stamp)
    const total = (filter: object) => queryClips(s.db, filter, byName, 0, 5).total
    expect(total({})).toBe(20)
    expect(total({ classIds: [dog] })).toBe(5)
    expect(total({ classIds: [dog, cat] })).toBe(8)
    expect(total({ unlabeled: true })).toBe(12)
    expect(total({ flagged: true })).toBe(1)
    expect(total({ group: 'odd' })).toBe(10)
    expect(total({ minDuration: 1.1, maxDuration: 1.15 })).toBe(6)
    expect(total({ search: 'c01' })).toBe(10)
    expect(total({ search: '%' })).toBe(0) // LIKE wildcards are matched literally
    const page = queryClips(s.db, { classIds: [dog] }, { column: 'duration', direction: 'desc' }, 1, 2)
    expect(page.rows.map((r) => r.name)).toEqual(['c003.wav', 'c002.wav'])
    expect(page.rows[0]).toMatchObject({ labels: [dog], group: 'odd', badAudio: false })
  })

  it('finds the next and previous clip by keyset, even when the current one no longer matches', () => {
    const s = seededCatalog(['dog'], 5)
    catalog = s.catalog
    const [dog] = s.classIds as [number]
    const [c0, c1, c2, c3, c4] = s.clipIds as [number, number, number, number, number]
    changeClipLabels(s.db, c2, (x) => ({ ...x, classIds: [dog] }), 'l', stamp)
    const unlabeled = { unlabeled: true }
    expect(neighborClip(s.db, c1, unlabeled, byName, 'next')).toBe(c3) // skips the labelled c2
    changeClipLabels(s.db, c1, (x) => ({ ...x, classIds: [dog] }), 'l', stamp)
    expect(neighborClip(s.db, c1, unlabeled, byName, 'next')).toBe(c3) // c1 itself no longer matches
    expect(neighborClip(s.db, c3, unlabeled, byName, 'previous')).toBe(c0)
    expect(neighborClip(s.db, c4, unlabeled, byName, 'next')).toBeNull()
    expect(neighborClip(s.db, c1, {}, { column: 'name', direction: 'desc' }, 'next')).toBe(c0)
  })
})
