import { afterEach, describe, expect, it } from 'vitest'
import { addClass } from '../../../src/main/core/catalog/classes'
import type { Catalog } from '../../../src/main/core/catalog/open'
import { escapeCell, unescapeCell } from '../../../src/main/core/interchange/formats'
import { exportLabels, importLabels, labelFormats } from '../../../src/main/core/interchange'
import { changeClipLabels, createRegion } from '../../../src/main/core/labeling'
import { seededCatalog } from '../../helpers/catalog'

const stamp = { author: 'ann', now: new Date('2026-11-24T00:00:00Z') }
const open: Catalog[] = []
afterEach(() => open.splice(0).forEach((c) => c.close()))

/** A project with whole-clip labels, flags, a note that looks like a formula, regions and boxes. */
function labelled() {
  const s = seededCatalog(['dog', 'cat'], 4)
  open.push(s.catalog)
  const [dog, cat] = s.classIds as [number, number]
  const bird = addClass(s.db, { name: 'bird, song' }).id // a comma, to exercise quoting
  const [a, b, c] = s.clipIds as [number, number, number]
  changeClipLabels(s.db, a, (x) => ({ ...x, classIds: [dog], note: '=HYPERLINK("http://evil")' }), 'l', stamp)
  changeClipLabels(s.db, b, (x) => ({ ...x, classIds: [cat, dog], unsure: true }), 'l', stamp)
  changeClipLabels(s.db, c, (x) => ({ ...x, badAudio: true, note: 'wind\nnoise' }), 'l', stamp)
  createRegion(s.db, a, { start: 0.1, end: 0.4, classId: dog }, stamp)
  createRegion(s.db, a, { start: 0.3, end: 0.9, classId: null }, stamp)
  createRegion(s.db, b, { start: 0.25, end: 0.75, classId: bird, lowFreq: 1200.5, highFreq: 5000 }, stamp)
  return s
}

describe('label interchange', () => {
  it.each(labelFormats)('%s round-trips: export, import into a fresh project, export again: identical', (format) => {
    const source = labelled()
    const first = exportLabels(source.db, format)
    expect(first.length).toBeGreaterThan(0)
    const fresh = seededCatalog([], 4)
    open.push(fresh.catalog)
    const summary = importLabels(fresh.db, format, first, stamp)
    expect(summary.unknownClips).toEqual([])
    expect(exportLabels(fresh.db, format)).toEqual(first)
  })

  it('writes Audacity label tracks with the frequency line for boxes', () => {
    const files = exportLabels(labelled().db, 'audacity')
    expect(files.map((f) => f.name)).toEqual(['c000.wav.txt', 'c001.wav.txt'])
    expect(files[0]!.text).toBe('0.100000\t0.400000\tdog\n0.300000\t0.900000\t\n')
    expect(files[1]!.text).toBe('0.250000\t0.750000\tbird, song\n\\\t1200.500000\t5000.000000\n')
  })

  it('writes Raven selection tables with their standard columns', () => {
    const [table] = exportLabels(labelled().db, 'raven')
    expect(table!.text.split('\n')[0]).toBe(
      'Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\tAnnotation',
    )
    expect(table!.text.split('\n')[1]).toBe('1\tSpectrogram 1\t1\t0.100000\t0.400000\t0.000\t8000.000\tdog')
  })

  it('escapes CSV cells that a spreadsheet would run as formulas', () => {
    const [csv] = exportLabels(labelled().db, 'csv')
    expect(csv!.text).toContain(`'=HYPERLINK`)
    for (const value of ['=1+1', '+1', '-1', '@SUM(A1)', 'plain', "'quoted"]) {
      expect(unescapeCell(escapeCell(value))).toBe(value)
    }
  })

  it('reports clips the files name that the project lacks, and changes nothing for a bad file', () => {
    const fresh = seededCatalog(['dog'], 1)
    open.push(fresh.catalog)
    const summary = importLabels(
      fresh.db,
      'csv',
      [{ name: 'x.csv', text: 'path,label\n/elsewhere/z.wav,dog\n' }],
      stamp,
    )
    expect(summary).toEqual({ clipsLabelled: 0, regionsAdded: 0, clipsSplit: 0, unknownClips: ['/elsewhere/z.wav'] })
    expect(() =>
      importLabels(fresh.db, 'audacity', [{ name: 'c000.wav.txt', text: 'abc\tdef\tdog\n' }], stamp),
    ).toThrow(/not an Audacity label line/)
    expect(fresh.db.prepare('SELECT COUNT(*) FROM region_labels').pluck().get()).toBe(0)
  })
})
