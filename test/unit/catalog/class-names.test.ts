// One name rule for every path that creates a class: the API, an import manifest, a label file.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { nameKey, nameProblem, normalizeName, printable } from '@shared/names'
import { apiMethods } from '@shared/contract'
import { addClass, ensureClass, listClasses, updateClass } from '../../../src/main/core/catalog/classes'
import { planImport } from '../../../src/main/core/import/plan'
import { importLabels } from '../../../src/main/core/interchange'
import { seededCatalog, type SeededCatalog } from '../../helpers/catalog'
import { tempDir } from '../../helpers/temp'

const HOSTILE: [string, string][] = [
  ['a terminal escape', '\u001b[2J\u001b[31mPWNED'],
  ['a bell', 'ding\u0007'],
  ['a backspace', 'ab\u0008c'],
  ['DEL', 'x\u007f'],
  ['a C1 control (CSI)', 'x\u009b2J'],
  ['a newline', 'two\nlines'],
  ['a tab', 'a\tb'],
  ['a zero-width space', 'bird\u200bsong'],
  ['a right-to-left override', 'gnos\u202edrib'],
  ['a bidi isolate', '\u2066x\u2069'],
  ['a byte order mark inside', 'bi\ufeffrd'],
  ['a lone high surrogate', 'x\ud800'],
  ['a lone low surrogate', '\udc00x'],
  ['5,000 characters', 'a'.repeat(5000)],
]

let seeded: SeededCatalog | undefined
afterEach(() => seeded?.catalog.close())

describe('the class-name rule', () => {
  it.each(HOSTILE)('refuses %s', (_, raw) => {
    expect(nameProblem(normalizeName(raw))).toBeDefined()
  })

  it('accepts names people write, emoji sequences with joiners included', () => {
    for (const ok of ['dog bark', 'Grünspecht', '鳥の声', 'صوت', '👨‍👩‍👧 family', 'a'.repeat(200)]) {
      expect(nameProblem(normalizeName(ok)), ok).toBeUndefined()
    }
  })

  it('makes composed and decomposed é one name, and É and é one key', () => {
    expect(normalizeName('cafe\u0301')).toBe('caf\u00e9')
    expect(nameKey('CAFÉ')).toBe(nameKey('cafe\u0301'))
  })

  it('prints control and direction characters as escapes, keeping line breaks', () => {
    expect(printable('\u001b[2Jx\u202ey\nz')).toBe('\\u{1b}[2Jx\\u{202e}y\nz')
    expect(printable('ok')).toBe('ok')
  })

  it('is the API’s rule too', () => {
    for (const [, raw] of HOSTILE) expect(apiMethods['classes:add'].input.safeParse({ name: raw }).success).toBe(false)
    const parsed = apiMethods['classes:add'].input.parse({ name: ' cafe\u0301 ' })
    expect(parsed.name).toBe('caf\u00e9')
  })
})

describe('classes in the catalog', () => {
  it('refuses hostile names on add, rename and ensure (the import paths), creating nothing', () => {
    seeded = seededCatalog(['a'], 1)
    const { db, classIds } = seeded
    for (const [, raw] of HOSTILE) {
      expect(() => addClass(db, { name: raw })).toThrow(/class name/)
      expect(() => ensureClass(db, raw)).toThrow(/class name/)
      expect(() => updateClass(db, classIds[0]!, { name: raw })).toThrow(/class name/)
    }
    expect(listClasses(db).map((c) => c.name)).toEqual(['a'])
  })

  it('treats NFC and NFD, and upper and lower case in any script, as one class', () => {
    seeded = seededCatalog([], 1)
    const { db } = seeded
    const e = addClass(db, { name: 'caf\u00e9' })
    expect(ensureClass(db, 'cafe\u0301')).toBe(e.id)
    expect(ensureClass(db, 'CAFÉ')).toBe(e.id)
    expect(() => addClass(db, { name: 'Café' })).toThrow(/already exists/)
    const eta = addClass(db, { name: 'Ωmega' })
    expect(ensureClass(db, 'ωMEGA')).toBe(eta.id)
    expect(listClasses(db)).toHaveLength(2)
  })

  it('refuses a label file whose label breaks the rule, and changes nothing', () => {
    seeded = seededCatalog(['a'], 2)
    const { db } = seeded
    const csv = 'path,label\nc000.wav,b\nc001.wav,"\u001b[2J\u001b[31mPWNED"'
    expect(() => importLabels(db, 'csv', [{ name: 'l.csv', text: csv }], { author: 't', now: new Date() })).toThrow(
      /class name "\\u\{1b\}\[2J/,
    )
    expect(listClasses(db).map((c) => c.name)).toEqual(['a'])
  })

  it('lists manifest rows with a refused label as problems of the plan, and imports the rest', async () => {
    const dir = tempDir()
    const csv = join(dir, 'manifest.csv')
    writeFileSync(join(dir, 'a.wav'), 'x')
    writeFileSync(join(dir, 'b.wav'), 'x')
    writeFileSync(csv, `path,label\na.wav,cafe\u0301\nb.wav,"bad\u202elabel"\n`)
    const plan = await planImport(csv, { kind: 'csv' })
    expect(plan.rows.map((r) => r.label)).toEqual(['caf\u00e9'])
    expect(plan.problems).toEqual([
      { path: join(dir, 'b.wav'), reason: expect.stringMatching(/label "bad\\u\{202e\}label" must not contain/) },
    ])
  })
})
