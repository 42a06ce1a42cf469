import Database from 'better-sqlite3'
import { beforeEach, describe, expect, it } from 'vitest'
import { addClass, listClasses, removeClass, updateClass } from '../../../src/main/core/catalog/classes'
import { insertClip } from '../../../src/main/core/catalog/clips'
import { addClipLabel } from '../../../src/main/core/catalog/labels'
import { migrate } from '../../../src/main/core/catalog/migrations'

let db: Database.Database
beforeEach(() => {
  db = new Database(':memory:')
  db.pragma('foreign_keys = ON')
  migrate(db)
})

describe('classes', () => {
  it('hand out distinct colours and the number-row keys in order', () => {
    const added = ['zero', 'one', 'two'].map((name) => addClass(db, { name }))
    expect(added.map((c) => c.hotkey)).toEqual(['1', '2', '3'])
    expect(new Set(added.map((c) => c.color)).size).toBe(3)
    expect(added.map((c) => c.position)).toEqual([0, 1, 2])
  })

  it('keep names unique regardless of case, and keys unique', () => {
    addClass(db, { name: 'Dog', hotkey: 'd' })
    expect(() => addClass(db, { name: 'dog' })).toThrow(/already exists/)
    expect(() => addClass(db, { name: 'cat', hotkey: 'd' })).toThrow(/Key "d" already labels "Dog"/)
    expect(listClasses(db)).toHaveLength(1)
  })

  it('rename, recolour and re-key, leaving other fields alone', () => {
    const c = addClass(db, { name: 'dgo' })
    const updated = updateClass(db, c.id, { name: 'dog', hotkey: null })
    expect(updated).toMatchObject({ name: 'dog', color: c.color, hotkey: null })
    expect(updateClass(db, c.id, { name: 'DOG' }).name).toBe('DOG') // a change of case is not a clash with itself
  })

  it('give a one-character class its own key, whatever order the classes come in', () => {
    // fsdd's digits, imported 3 first: each digit labels on its own key, not on the next free one.
    const added = ['3', '0', '1', 'dog', 'A'].map((name) => addClass(db, { name }))
    expect(added.map((c) => [c.name, c.hotkey])).toEqual([
      ['3', '3'],
      ['0', '0'],
      ['1', '1'],
      ['dog', '2'],
      ['A', 'a'],
    ])
    // Its own key taken (by "dog"), class "2" gets the next free one.
    expect(addClass(db, { name: '2' }).hotkey).toBe('4')
    // So does a class named for a key the Explore queue walks with.
    expect(addClass(db, { name: 'j' }).hotkey).toBe('5')
  })

  it('swap keys when asked to take a key another class holds, and refuse it otherwise', () => {
    const dog = addClass(db, { name: 'dog' })
    const cat = addClass(db, { name: 'cat' })
    const owl = addClass(db, { name: 'owl', hotkey: null })
    expect(() => updateClass(db, cat.id, { hotkey: '1' })).toThrow(/Key "1" already labels "dog"/)
    expect(updateClass(db, cat.id, { hotkey: '1', swapHotkey: true }).hotkey).toBe('1')
    expect(listClasses(db).map((c) => [c.name, c.hotkey])).toEqual([
      ['dog', '2'],
      ['cat', '1'],
      ['owl', null],
    ])
    // A class without a key takes one from another, which is left without.
    updateClass(db, owl.id, { hotkey: '2', swapHotkey: true })
    expect(listClasses(db).find((c) => c.id === dog.id)?.hotkey).toBeNull()
    // A free key needs no swap.
    expect(updateClass(db, dog.id, { hotkey: 'd', swapHotkey: true }).hotkey).toBe('d')
  })

  it('delete with the labels they carry and close the gap in the palette', () => {
    const [a, b, c] = ['a', 'b', 'c'].map((name) => addClass(db, { name }))
    const clip = insertClip(db, {
      path: '/1.wav',
      contentHash: 'h',
      duration: 1,
      sampleRate: 16000,
      channels: 1,
      size: 10,
      codec: 'pcm',
    })
    addClipLabel(db, clip, b!.id, 'me')
    expect(removeClass(db, b!.id)).toBe(1)
    expect(listClasses(db).map((x) => [x.name, x.position])).toEqual([
      ['a', 0],
      ['c', 1],
    ])
    expect(a && c).toBeTruthy()
    expect(db.prepare('SELECT COUNT(*) AS n FROM clip_labels').get()).toEqual({ n: 0 })
  })
})
