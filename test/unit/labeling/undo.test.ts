import { afterEach, describe, expect, it } from 'vitest'
import type { Catalog } from '../../../src/main/core/catalog/open'
import { editAvailability, redoEdit, undoEdit } from '../../../src/main/core/catalog/edits'
import { getLabelState } from '../../../src/main/core/catalog/labels'
import { listRegions } from '../../../src/main/core/catalog/regions'
import {
  assignClass,
  changeClipLabels,
  createRegion,
  removeRegion,
  updateRegion,
} from '../../../src/main/core/labeling'
import { seededCatalog } from '../../helpers/catalog'

let catalog: Catalog | undefined
afterEach(() => catalog?.close())
const stamp = { author: 'ann', now: new Date('2026-11-24T10:00:00Z') }

function setup() {
  const seeded = seededCatalog(['dog', 'cat', 'bird'], 3)
  catalog = seeded.catalog
  const [dog, cat, bird] = seeded.classIds as [number, number, number]
  const [a, b, c] = seeded.clipIds as [number, number, number]
  const label = (clip: number, cls: number, multi = false) =>
    changeClipLabels(seeded.db, clip, (s) => assignClass(s, cls, multi), 'label a clip', stamp)
  const labels = (clip: number) => getLabelState(seeded.db, clip).classIds
  return { db: seeded.db, dog, cat, bird, a, b, c, label, labels }
}

describe('labels', () => {
  it('replace in a single-label project and toggle in a multi-label one', () => {
    const { dog, cat, a, label, labels } = setup()
    label(a, dog)
    label(a, cat)
    expect(labels(a)).toEqual([cat])
    label(a, dog, true)
    expect(labels(a).sort()).toEqual([dog, cat].sort())
    label(a, dog, true)
    expect(labels(a)).toEqual([cat])
  })

  it('keep who labelled and when', () => {
    const { db, dog, a, label } = setup()
    label(a, dog)
    expect(db.prepare('SELECT author, created_at FROM clip_labels').get()).toEqual({
      author: 'ann',
      created_at: '2026-11-24T10:00:00.000Z',
    })
  })
})

describe('undo and redo', () => {
  it('walk back and forth through actions across clips', () => {
    const { db, dog, cat, bird, a, b, c, label, labels } = setup()
    label(a, dog)
    label(b, cat)
    label(c, bird)
    label(a, cat)
    expect(undoEdit(db, 'ann')).toMatchObject({ clipId: a, description: 'Undid: label a clip' })
    expect(labels(a)).toEqual([dog])
    expect(undoEdit(db, 'ann')?.clipId).toBe(c)
    expect(labels(c)).toEqual([])
    expect(redoEdit(db, 'ann')?.clipId).toBe(c)
    expect(labels(c)).toEqual([bird])
    expect([labels(a), labels(b), labels(c)]).toEqual([[dog], [cat], [bird]])
    expect(editAvailability(db)).toEqual({ canUndo: true, canRedo: true })
  })

  it('forget what was undone once a new action is taken', () => {
    const { db, dog, cat, a, b, label } = setup()
    label(a, dog)
    undoEdit(db, 'ann')
    label(b, cat)
    expect(redoEdit(db, 'ann')).toBeNull()
    expect(editAvailability(db)).toEqual({ canUndo: true, canRedo: false })
  })

  it('cover region creation, resizing, relabelling and deletion, keeping region ids', () => {
    const { db, dog, cat, a } = setup()
    const region = createRegion(db, a, { start: 0.1, end: 0.5, classId: dog }, stamp)
    updateRegion(db, region.id, { end: 0.8 }, stamp)
    updateRegion(db, region.id, { classId: cat }, stamp)
    removeRegion(db, region.id, stamp)
    expect(listRegions(db, a)).toEqual([])
    undoEdit(db, 'ann') // the deletion
    expect(listRegions(db, a)).toEqual([{ ...region, end: 0.8, classId: cat }])
    undoEdit(db, 'ann') // the relabel
    undoEdit(db, 'ann') // the resize
    expect(listRegions(db, a)).toEqual([region])
    undoEdit(db, 'ann') // the creation
    expect(listRegions(db, a)).toEqual([])
    redoEdit(db, 'ann')
    expect(listRegions(db, a)).toEqual([region])
  })

  it('cover flags and notes', () => {
    const { db, a } = setup()
    changeClipLabels(db, a, (s) => ({ ...s, unsure: true, note: 'dog or wolf?' }), 'flag a clip', stamp)
    expect(getLabelState(db, a)).toMatchObject({ unsure: true, note: 'dog or wolf?' })
    undoEdit(db, 'ann')
    expect(getLabelState(db, a)).toEqual({ classIds: [], unsure: false, badAudio: false, note: '' })
  })

  it('have nothing to undo on a fresh project', () => {
    const { db } = setup()
    expect(undoEdit(db, 'ann')).toBeNull()
    expect(redoEdit(db, 'ann')).toBeNull()
  })
})

describe('regions', () => {
  it('refuse spans outside the clip and half-specified boxes, writing nothing', () => {
    const { db, a } = setup()
    expect(() => createRegion(db, a, { start: 0.5, end: 0.2 }, stamp)).toThrow(/end after it starts/)
    expect(() => createRegion(db, a, { start: 5, end: 6 }, stamp)).toThrow(/within the clip/)
    expect(() => createRegion(db, a, { start: 0, end: 0.5, lowFreq: 100 }, stamp)).toThrow(/both a low and a high/)
    expect(() => createRegion(db, a, { start: 0, end: 0.5, lowFreq: 100, highFreq: 9000 }, stamp)).toThrow(/8000 Hz/)
    expect(listRegions(db, a)).toEqual([])
    expect(editAvailability(db).canUndo).toBe(false)
  })

  it('store time-frequency boxes and clamp an end dragged past the clip', () => {
    const { db, bird, a } = setup()
    const box = createRegion(db, a, { start: 0.2, end: 1.5, lowFreq: 2000, highFreq: 6000, classId: bird }, stamp)
    expect(box).toMatchObject({ start: 0.2, end: 1, lowFreq: 2000, highFreq: 6000, classId: bird })
  })
})
