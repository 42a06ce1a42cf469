import { afterEach, describe, expect, it } from 'vitest'
import type { ClipFilter } from '../../../src/shared/domain'
import { countClips, neighborClip, neighborClips, queryClips } from '../../../src/main/core/catalog/clip-query'
import type { Catalog } from '../../../src/main/core/catalog/open'
import { changeClipLabels } from '../../../src/main/core/labeling'
import { seededCatalog } from '../../helpers/catalog'

let catalog: Catalog | undefined
afterEach(() => catalog?.close())
const stamp = { author: 'ann', now: new Date() }

describe('counting the clips a filter matches', () => {
  it('counts a class or "unlabeled" alone from the label index exactly as the full filter does', () => {
    const s = seededCatalog(['dog', 'cat', 'owl'], 30, { group: (i) => (i % 3 ? 'a' : 'b') })
    catalog = s.catalog
    const [dog, cat, owl] = s.classIds as [number, number, number]
    const label = (ids: number[], classIds: number[]) =>
      ids.forEach((id) => changeClipLabels(s.db, id, (x) => ({ ...x, classIds }), 'l', stamp))
    label(s.clipIds.slice(0, 6), [dog])
    label(s.clipIds.slice(6, 10), [cat])
    // Two classes on one clip: counted once under a filter naming both.
    label(s.clipIds.slice(10, 13), [dog, cat])
    // The rows the filter's own WHERE clause returns: what every count must agree with.
    const matching = (filter: ClipFilter) =>
      queryClips(s.db, filter, { column: 'name', direction: 'asc' }, 0, 1000).rows.length
    const filters: ClipFilter[] = [
      { classIds: [dog] },
      { classIds: [cat] },
      { classIds: [dog, cat] },
      { classIds: [owl] },
      { unlabeled: true },
      { unlabeled: true, group: 'b' },
      { classIds: [dog], group: 'a' },
      { classIds: [dog], unlabeled: true },
      { classIds: [] },
      {},
    ]
    for (const filter of filters) expect([filter, countClips(s.db, filter)]).toEqual([filter, matching(filter)])
    expect(countClips(s.db, { classIds: [dog, cat] })).toBe(13)
    expect(countClips(s.db, { unlabeled: true })).toBe(17)
  })

  it('finds several clips ahead in one step, nearest first, past a clip that no longer matches', () => {
    const s = seededCatalog(['dog'], 10)
    catalog = s.catalog
    const [dog] = s.classIds as [number]
    const ids = s.clipIds
    // Clips 0, 3 and 4 are labelled: "next unlabeled" from clip 0 (just labelled) skips 3 and 4.
    for (const i of [0, 3, 4]) changeClipLabels(s.db, ids[i]!, (x) => ({ ...x, classIds: [dog] }), 'l', stamp)
    const byName = { column: 'name', direction: 'asc' } as const
    const ahead = neighborClips(s.db, ids[0]!, { unlabeled: true }, byName, 'next', 4)
    expect(ahead).toEqual([ids[1], ids[2], ids[5], ids[6]])
    expect(neighborClip(s.db, ids[0]!, { unlabeled: true }, byName, 'next')).toBe(ids[1])
    // The same clips one at a time: the look-ahead is a shortcut, never a different answer.
    let from = ids[0]!
    for (const expected of ahead) {
      from = neighborClip(s.db, from, { unlabeled: true }, byName, 'next')!
      expect(from).toBe(expected)
    }
    expect(neighborClips(s.db, ids[8]!, {}, byName, 'next', 5)).toEqual([ids[9]])
    expect(neighborClips(s.db, ids[2]!, { unlabeled: true }, byName, 'previous', 3)).toEqual([ids[1]])
  })
})
