import { parse } from 'csv-parse/sync'
import { csvText, unescapeCell } from '../csv'
import type { ClipLabels, RegionLabel } from './model'

/** A file of a label export: its name and its text. */
export interface LabelFile {
  name: string
  text: string
}

/** What a parsed label file says, per clip (by path or file name). */
export interface ParsedLabels {
  clip: string
  labels?: Pick<ClipLabels, 'classes' | 'unsure' | 'badAudio' | 'note'>
  /**
   * CSV only: the clip's split, group and fold as the cells give them (a column left out: not
   * given; an empty cell: none), with the row's place for error messages.
   */
  splitFields?: { split?: string; group?: string; fold?: string; line: number }
  regions?: RegionLabel[]
}

export { escapeCell, unescapeCell } from '../csv'

// --- CSV: one row per clip -------------------------------------------------------------------

const CSV_COLUMNS = ['path', 'label', 'group', 'split', 'unsure', 'bad_audio', 'note']

/** Clip labels as CSV: `path,label,group,split,unsure,bad_audio,note`; several labels joined by `;`. */
export function toCsv(clips: ClipLabels[]): LabelFile[] {
  const rows = clips.map((c) => [
    c.path,
    c.classes.join(';'),
    c.group ?? '',
    c.split ?? '',
    c.unsure ? '1' : '0',
    c.badAudio ? '1' : '0',
    c.note,
  ])
  return [{ name: 'labels.csv', text: csvText([CSV_COLUMNS, ...rows]) }]
}

/** Reads clip labels from CSV with at least `path,label`. */
export function fromCsv(text: string): ParsedLabels[] {
  const records = parse(text, { columns: true, skip_empty_lines: true, bom: true }) as Record<
    string,
    string | undefined
  >[]
  const columns = new Set(Object.keys(records[0] ?? {}))
  const fields = (['split', 'group', 'fold'] as const).filter((c) => columns.has(c))
  return records.map((r, i) => {
    const cell = (key: string) => unescapeCell(r[key] ?? '')
    return {
      clip: cell('path'),
      ...(fields.length === 0
        ? {}
        : { splitFields: { ...Object.fromEntries(fields.map((f) => [f, cell(f)])), line: i + 2 } }),
      labels: {
        classes: cell('label')
          .split(';')
          .map((s) => s.trim())
          .filter(Boolean),
        unsure: cell('unsure') === '1',
        badAudio: cell('bad_audio') === '1',
        note: cell('note'),
      },
    }
  })
}

// --- Audacity label tracks: one file per clip --------------------------------------------------

/** Seconds as Audacity writes them: six decimals. */
const seconds = (value: number) => value.toFixed(6)

/**
 * Regions as Audacity label tracks (`start\tend\tlabel`), one `<clip>.txt` per clip with regions;
 * a box adds Audacity's frequency line (`\\\tlow\thigh`) after its label line.
 */
export function toAudacity(clips: ClipLabels[]): LabelFile[] {
  return clips
    .filter((c) => c.regions.length > 0)
    .map((c) => ({
      name: `${c.name}.txt`,
      text: c.regions
        .map((r) => {
          const line = `${seconds(r.start)}\t${seconds(r.end)}\t${r.label ?? ''}\n`
          return r.lowFreq === null ? line : `${line}\\\t${r.lowFreq.toFixed(6)}\t${(r.highFreq ?? 0).toFixed(6)}\n`
        })
        .join(''),
    }))
}

/** Reads an Audacity label track; the clip is named by the file name (`<clip>.txt`). */
export function fromAudacity(fileName: string, text: string): ParsedLabels[] {
  const regions: RegionLabel[] = []
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return
    const where = `${fileName} line ${i + 1}`
    const parts = line.split('\t')
    if (parts[0] === '\\') {
      const last = regions[regions.length - 1]
      const [low, high] = [decimal(parts[1]), decimal(parts[2])]
      if (!last || low === undefined || high === undefined) {
        throw new Error(`${where}: not an Audacity frequency line: ${JSON.stringify(line.slice(0, 80))}`)
      }
      last.lowFreq = low
      last.highFreq = high
      return
    }
    const [startText, endText, ...label] = parts
    const [start, end] = [decimal(startText), decimal(endText)]
    if (start === undefined || end === undefined) {
      throw new Error(`${where}: not an Audacity label line: ${JSON.stringify(line.slice(0, 80))}`)
    }
    regions.push({ label: label.join('\t') || null, start, end, lowFreq: null, highFreq: null, where })
  })
  return [{ clip: fileName.replace(/\.txt$/i, ''), regions }]
}

/**
 * A decimal number as label tools write it, or undefined: stricter than `Number`, which reads an
 * empty cell as 0 and "1e400" as Infinity.
 */
function decimal(text: string | undefined): number | undefined {
  if (text === undefined || !/^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i.test(text)) return undefined
  const value = Number(text)
  return Number.isFinite(value) ? value : undefined
}

// --- Raven selection tables: one file per clip -------------------------------------------------

/** The columns of a Raven selection table, as Raven writes them. */
export const RAVEN_HEADER = [
  'Selection',
  'View',
  'Channel',
  'Begin Time (s)',
  'End Time (s)',
  'Low Freq (Hz)',
  'High Freq (Hz)',
  'Annotation',
]

/**
 * Regions as Raven selection tables, one `<clip>.Table.1.selections.txt` per clip. Raven has no
 * plain time span, so a region without a box is written from 0 Hz to the Nyquist frequency and
 * read back as a plain region.
 */
export function toRaven(clips: ClipLabels[]): LabelFile[] {
  return clips
    .filter((c) => c.regions.length > 0)
    .map((c) => ({
      name: `${c.name}.Table.1.selections.txt`,
      text:
        [
          RAVEN_HEADER.join('\t'),
          ...c.regions.map((r, i) =>
            [
              String(i + 1),
              'Spectrogram 1',
              '1',
              seconds(r.start),
              seconds(r.end),
              (r.lowFreq ?? 0).toFixed(3),
              (r.highFreq ?? c.sampleRate / 2).toFixed(3),
              r.label ?? '',
            ].join('\t'),
          ),
        ].join('\n') + '\n',
    }))
}

/** Reads a Raven selection table for the clip named by the file, given that clip's sample rate. */
export function fromRaven(
  fileName: string,
  text: string,
  sampleRateOf: (clip: string) => number | undefined,
): ParsedLabels[] {
  const [header, ...lines] = text.split(/\r?\n/).filter((l) => l.trim())
  const columns = (header ?? '').split('\t')
  const col = (name: string) => columns.indexOf(name)
  const [begin, end, low, high, note] = [
    'Begin Time (s)',
    'End Time (s)',
    'Low Freq (Hz)',
    'High Freq (Hz)',
    'Annotation',
  ].map(col)
  if (begin === undefined || end === undefined || begin < 0 || end < 0) {
    throw new Error(`${fileName}: not a Raven selection table (no Begin Time / End Time columns)`)
  }
  const clip = fileName.replace(/\.Table\.\d+\.selections\.txt$/i, '').replace(/\.txt$/i, '')
  const nyquist = (sampleRateOf(clip) ?? Number.NaN) / 2
  const regions = lines.map((line, i) => {
    const cells = line.split('\t')
    const at = (i: number | undefined) => (i === undefined || i < 0 ? '' : (cells[i] ?? ''))
    const where = `${fileName} line ${i + 2}`
    const number = (column: number | undefined, what: string): number => {
      const value = decimal(at(column))
      if (value === undefined)
        throw new Error(`${where}: ${what} ${JSON.stringify(at(column).slice(0, 40))} is not a number`)
      return value
    }
    const lowFreq = at(low) === '' ? null : number(low, 'Low Freq (Hz)')
    const highFreq = at(high) === '' ? null : number(high, 'High Freq (Hz)')
    const fullBand = lowFreq === 0 && highFreq !== null && Math.abs(highFreq - nyquist) < 1e-3
    return {
      label: at(note) || null,
      start: number(begin, 'Begin Time (s)'),
      end: number(end, 'End Time (s)'),
      lowFreq: fullBand ? null : lowFreq,
      highFreq: fullBand ? null : highFreq,
      where,
    }
  })
  return [{ clip, regions }]
}

// --- Label Studio: its JSON export for audio tasks ----------------------------------------------

interface LabelStudioResult {
  id: string
  from_name: string
  to_name: string
  type: 'labels' | 'choices'
  value: { start?: number; end?: number; labels?: string[]; choices?: string[] }
}

interface LabelStudioTask {
  id: number
  data: { audio: string }
  annotations: { result: LabelStudioResult[] }[]
}

/**
 * Labels as Label Studio's JSON export for audio, as its audio classification (`choices`) and
 * segmentation (`labels`) templates produce: one task per clip with labels or regions.
 */
export function toLabelStudio(clips: ClipLabels[]): LabelFile[] {
  const tasks: LabelStudioTask[] = clips
    .filter((c) => c.classes.length > 0 || c.regions.length > 0)
    .map((c, i) => ({
      id: i + 1,
      data: { audio: c.path },
      annotations: [
        {
          result: [
            ...(c.classes.length
              ? [
                  {
                    id: `c${i + 1}`,
                    from_name: 'class',
                    to_name: 'audio',
                    type: 'choices' as const,
                    value: { choices: c.classes },
                  },
                ]
              : []),
            ...c.regions.map((r, j) => ({
              id: `r${i + 1}_${j + 1}`,
              from_name: 'label',
              to_name: 'audio',
              type: 'labels' as const,
              value: { start: r.start, end: r.end, labels: r.label ? [r.label] : [] },
            })),
          ],
        },
      ],
    }))
  return [{ name: 'label-studio.json', text: `${JSON.stringify(tasks, null, 2)}\n` }]
}

/** Reads Label Studio's JSON export of audio tasks. */
export function fromLabelStudio(text: string): ParsedLabels[] {
  const tasks = JSON.parse(text) as LabelStudioTask[]
  if (!Array.isArray(tasks)) throw new Error('not a Label Studio export: expected a JSON array of tasks')
  return tasks.map((task, t) => {
    const results = task.annotations?.[0]?.result ?? []
    const classes = results.filter((r) => r.type === 'choices').flatMap((r) => r.value.choices ?? [])
    const regions = results
      .filter((r) => r.type === 'labels')
      .map((r, j) => ({
        label: r.value.labels?.[0] ?? null,
        // Left as read: a string or a missing time is refused, naming the task, when stored.
        start: r.value.start as number,
        end: r.value.end as number,
        lowFreq: null,
        highFreq: null,
        where: `task ${t + 1} (${String(task.data?.audio)}) region ${j + 1}`,
      }))
    return {
      clip: task.data.audio,
      ...(classes.length ? { labels: { classes, unsure: false, badAudio: false, note: '' } } : {}),
      regions,
    }
  })
}
