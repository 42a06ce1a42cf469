import { describe, expect, it } from 'vitest'
import { parseRouteHash, routeHash } from '../../../src/renderer/src/lib/route'

describe('addresses of the studio', () => {
  it('name a run’s review queue and read it back', () => {
    const review = { view: 'models', modelsTab: 'runs', runId: 12, review: true } as const
    expect(routeHash(review)).toBe('#/models/runs/12/review')
    expect(parseRouteHash('#/models/runs/12/review')).toEqual(review)
    expect(parseRouteHash('#/models/runs/12')).toEqual({ view: 'models', modelsTab: 'runs', runId: 12 })
    expect(routeHash({ view: 'models', modelsTab: 'runs', runId: 12 })).toBe('#/models/runs/12')
  })

  it('need a run for a review', () => {
    expect(parseRouteHash('#/models/runs/review')).toEqual({ view: 'models', modelsTab: 'runs' })
    expect(routeHash({ view: 'models', modelsTab: 'runs', review: true })).toBe('#/models/runs')
    expect(routeHash({ view: 'models', modelsTab: 'train', runId: 3, review: true })).toBe('#/models/train')
  })

  it('name "find similar" from a clip or a span of it, and read it back', () => {
    const span = { view: 'library', clipId: 7, similar: { clipId: 7, start: 1.25, end: 2.5 } } as const
    expect(routeHash(span)).toBe('#/label/similar/7/1.25-2.5')
    expect(parseRouteHash('#/label/similar/7/1.25-2.5')).toEqual(span)
    expect(routeHash({ view: 'library', clipId: 3, similar: { clipId: 7 } })).toBe('#/label/similar/7')
    expect(parseRouteHash('#/label/similar/7')).toEqual({ view: 'library', clipId: 7, similar: { clipId: 7 } })
    // A span that ends before it starts, or no clip: the clip alone, or the tab.
    expect(parseRouteHash('#/label/similar/7/2-1')).toEqual({ view: 'library', clipId: 7, similar: { clipId: 7 } })
    expect(parseRouteHash('#/label/similar/x')).toEqual({ view: 'library' })
  })
})
