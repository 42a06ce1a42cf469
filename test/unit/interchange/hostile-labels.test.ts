// Label files that lie: impossible region times, files that are not files, clips that share a
// name. Each is refused with a message naming the file (and line), and nothing is written.
import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { insertClip } from '../../../src/main/core/catalog/clips'
import { listRegions } from '../../../src/main/core/catalog/regions'
import { openCatalog, type Catalog } from '../../../src/main/core/catalog/open'
import { EarmarkError } from '../../../src/main/core/errors'
import { exportLabelsTo, importLabels, importLabelsFrom } from '../../../src/main/core/interchange'
import { createRegion } from '../../../src/main/core/labeling'
import { seededCatalog, type SeededCatalog } from '../../helpers/catalog'
import { tempDir } from '../../helpers/temp'

const stamp = () => ({ author: 'test', now: new Date() })
let seeded: SeededCatalog | undefined
let other: Catalog | undefined
afterEach(() => {
  seeded?.catalog.close()
  other?.close()
})

/** The error an import is refused with (failing the test when it is not refused). */
function refusal(run: () => unknown): EarmarkError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(EarmarkError)
    return error as EarmarkError
  }
  throw new Error('the import was not refused')
}

describe('regions with impossible times', () => {
  // c000.wav lasts 1 s at 16 kHz (see seededCatalog).
  const cases: [string, 'audacity' | 'raven' | 'labelstudio', string, string, RegExp][] = [
    [
      'an end of 1e400 (Infinity)',
      'audacity',
      'c000.wav.txt',
      '0\t1e400\tx\n',
      /c000\.wav\.txt line 1: not an Audacity label line/,
    ],
    [
      'an end far past the clip',
      'audacity',
      'c000.wav.txt',
      '0.1\t0.2\tok\n0\t1e300\tx\n',
      /c000\.wav\.txt line 2: the end time 1e\+300 s is past the clip's end \(1 s\)/,
    ],
    ['NaN', 'audacity', 'c000.wav.txt', 'NaN\t0.5\tx\n', /line 1: not an Audacity label line/],
    ['an empty time', 'audacity', 'c000.wav.txt', '\t0.5\tx\n', /line 1: not an Audacity label line/],
    [
      'a negative start',
      'audacity',
      'c000.wav.txt',
      '-0.5\t0.5\tx\n',
      /line 1: the start time -0\.5 s is before the clip starts/,
    ],
    [
      'an end before the start',
      'audacity',
      'c000.wav.txt',
      '0.6\t0.5\tx\n',
      /line 1: the end time 0\.5 s is not after the start/,
    ],
    [
      'a box above Nyquist',
      'audacity',
      'c000.wav.txt',
      '0.1\t0.5\tx\n\\\t100\t20000\n',
      /line 1: the high frequency 20000 Hz is above the clip's Nyquist \(8000 Hz\)/,
    ],
    [
      'Raven text for a time',
      'raven',
      'c000.wav.Table.1.selections.txt',
      'Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tAnnotation\n1\tSpectrogram 1\t1\tabc\t0.5\tx\n',
      /c000\.wav\.Table\.1\.selections\.txt line 2: Begin Time \(s\) "abc" is not a number/,
    ],
    [
      'Label Studio text for a time',
      'labelstudio',
      'ls.json',
      JSON.stringify([
        {
          id: 1,
          data: { audio: '/data/c000.wav' },
          annotations: [{ result: [{ type: 'labels', value: { start: 0, end: 'x', labels: ['a'] } }] }],
        },
      ]),
      /task 1 \(\/data\/c000\.wav\) region 1: the end time "x" is not a number of seconds/,
    ],
  ]

  it.each(cases)(
    'refuses %s as invalid input naming the file and line, storing nothing',
    (_, format, name, text, message) => {
      seeded = seededCatalog(['a'], 2)
      const { db, clipIds } = seeded
      const error = refusal(() => importLabels(db, format, [{ name, text }], stamp()))
      expect(error.code).toBe('invalid-input')
      expect(error.message).toMatch(message)
      expect(listRegions(db, clipIds[0]!)).toEqual([])
      expect(db.prepare('SELECT COUNT(*) AS n FROM classes').get()).toEqual({ n: 1 })
    },
  )

  it('still imports regions within the clip, a millisecond of rounding past its end included', () => {
    seeded = seededCatalog(['a'], 1)
    const { db, clipIds } = seeded
    importLabels(
      db,
      'audacity',
      [{ name: 'c000.wav.txt', text: '0\t1.0005\ta\n0.25\t0.5\tb\n\\\t100\t4000\n' }],
      stamp(),
    )
    expect(listRegions(db, clipIds[0]!).map((r) => [r.start, r.end, r.lowFreq, r.highFreq])).toEqual([
      [0, 1.0005, null, null],
      [0.25, 0.5, 100, 4000],
    ])
  })
})

describe('label files that are not files', () => {
  it('refuses a FIFO at once instead of waiting for a writer', async () => {
    seeded = seededCatalog(['a'], 1)
    const fifo = join(tempDir(), 'labels.csv')
    execFileSync('mkfifo', [fifo])
    const started = Date.now()
    await expect(importLabelsFrom(seeded.db, 'csv', [fifo], stamp())).rejects.toThrow(/is not a regular file/)
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('refuses /dev/zero and a file over the size limit without reading them', async () => {
    seeded = seededCatalog(['a'], 1)
    await expect(importLabelsFrom(seeded.db, 'csv', ['/dev/zero'], stamp())).rejects.toThrow(/is not a regular file/)
    const huge = join(tempDir(), 'huge.csv')
    execFileSync('truncate', ['-s', '1G', huge]) // sparse: no disk, and no memory if never read
    const before = process.memoryUsage().rss
    await expect(importLabelsFrom(seeded.db, 'csv', [huge], stamp())).rejects.toThrow(
      /label files over 64 MB are not read/,
    )
    expect(process.memoryUsage().rss - before).toBeLessThan(100 * 1024 * 1024)
  })

  it('says which file is missing', async () => {
    seeded = seededCatalog(['a'], 1)
    await expect(importLabelsFrom(seeded.db, 'csv', ['/no/such/labels.csv'], stamp())).rejects.toMatchObject({
      code: 'not-found',
      message: expect.stringMatching(/\/no\/such\/labels\.csv: no such file/),
    })
  })
})

describe('exports of clips that share a file name', () => {
  function twoFolders(path: string): Catalog {
    const catalog = openCatalog(path, { create: true })
    for (const [i, folder] of ['a', 'b'].entries()) {
      insertClip(catalog.db, {
        path: `/data/${folder}/x.wav`,
        contentHash: `h${i}`,
        duration: 2,
        sampleRate: 16000,
        channels: 1,
        size: 64044,
        codec: 'pcm_s16le',
        group: null,
      })
    }
    return catalog
  }

  it.each(['audacity', 'raven'] as const)(
    '%s: writes one file per clip and reads each back onto its clip',
    async (format) => {
      const dir = tempDir()
      const source = twoFolders(join(dir, 'source.earmark'))
      const ids = (source.db.prepare('SELECT id FROM clips ORDER BY path').all() as { id: number }[]).map((r) => r.id)
      createRegion(source.db, ids[0]!, { classId: null, start: 0.1, end: 0.2 }, stamp())
      createRegion(source.db, ids[1]!, { classId: null, start: 1.1, end: 1.5 }, stamp())
      const out = join(dir, 'out')
      const files = await exportLabelsTo(source.db, format, out)
      source.close()
      expect(new Set(files).size).toBe(2)
      expect(files.map((f) => f.slice(out.length + 1)).sort()).toEqual(
        format === 'audacity'
          ? ['a/x.wav.txt', 'b/x.wav.txt']
          : ['a/x.wav.Table.1.selections.txt', 'b/x.wav.Table.1.selections.txt'],
      )
      expect(readdirSync(out).sort()).toEqual(['a', 'b'])

      other = twoFolders(join(dir, 'fresh.earmark'))
      const summary = await importLabelsFrom(other.db, format, files, stamp())
      expect(summary.unknownClips).toEqual([])
      const fresh = (other.db.prepare('SELECT id FROM clips ORDER BY path').all() as { id: number }[]).map((r) => r.id)
      expect(listRegions(other.db, fresh[0]!).map((r) => [r.start, r.end])).toEqual([[0.1, 0.2]])
      expect(listRegions(other.db, fresh[1]!).map((r) => [r.start, r.end])).toEqual([[1.1, 1.5]])
    },
  )

  it('still names files by the clip alone when every clip sits in one folder', async () => {
    seeded = seededCatalog(['a'], 2)
    createRegion(seeded.db, seeded.clipIds[0]!, { classId: null, start: 0.1, end: 0.2 }, stamp())
    const out = tempDir()
    mkdirSync(out, { recursive: true })
    writeFileSync(join(out, 'keep'), '')
    const files = await exportLabelsTo(seeded.db, 'audacity', out)
    expect(files).toEqual([join(out, 'c000.wav.txt')])
  })
})
