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
