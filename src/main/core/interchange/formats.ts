import { parse } from 'csv-parse/sync'
import { stringify } from 'csv-stringify/sync'
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
  regions?: RegionLabel[]
}

/**
 * Spreadsheets run cells that begin with = + - @ as formulas (CSV injection); such cells are
 * written with a leading apostrophe, which spreadsheets hide and import here removes again.
 */
export const escapeCell = (value: string): string => (/^[=+\-@\t\r]/.test(value) ? `'${value}` : value)
/** Undoes escapeCell. */
export const unescapeCell = (value: string): string => (/^'[=+\-@\t\r]/.test(value) ? value.slice(1) : value)

// --- CSV: one row per clip -------------------------------------------------------------------

const CSV_COLUMNS = ['path', 'label', 'group', 'split', 'unsure', 'bad_audio', 'note']

/** Clip labels as CSV: `path,label,group,split,unsure,bad_audio,note`; several labels joined by `;`. */
export function toCsv(clips: ClipLabels[]): LabelFile[] {
  const rows = clips.map((c) =>
    [
      c.path,
      c.classes.join(';'),
      c.group ?? '',
      c.split ?? '',
      c.unsure ? '1' : '0',
      c.badAudio ? '1' : '0',
      c.note,
    ].map(escapeCell),
  )
  return [{ name: 'labels.csv', text: stringify([CSV_COLUMNS, ...rows]) }]
}

/** Reads clip labels from CSV with at least `path,label`. */
export function fromCsv(text: string): ParsedLabels[] {
  const records = parse(text, { columns: true, skip_empty_lines: true, bom: true }) as Record<
    string,
    string | undefined
  >[]
  return records.map((r) => {
    const cell = (key: string) => unescapeCell(r[key] ?? '')
    return {
      clip: cell('path'),
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
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue
    const parts = line.split('\t')
    if (parts[0] === '\\') {
      const last = regions[regions.length - 1]
      if (last) {
        last.lowFreq = Number(parts[1])
        last.highFreq = Number(parts[2])
      }
      continue
    }
    const [start, end, ...label] = parts
    if (start === undefined || end === undefined || Number.isNaN(Number(start)) || Number.isNaN(Number(end))) {
      throw new Error(`${fileName}: not an Audacity label line: ${JSON.stringify(line.slice(0, 80))}`)
    }
    regions.push({
      label: label.join('\t') || null,
      start: Number(start),
      end: Number(end),
      lowFreq: null,
      highFreq: null,
    })
  }
  return [{ clip: fileName.replace(/\.txt$/i, ''), regions }]
}

// --- Raven selection tables: one file per clip -------------------------------------------------

const RAVEN_HEADER = [
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
  const regions = lines.map((line) => {
    const cells = line.split('\t')
    const at = (i: number | undefined) => (i === undefined || i < 0 ? '' : (cells[i] ?? ''))
    const lowFreq = at(low) === '' ? null : Number(at(low))
    const highFreq = at(high) === '' ? null : Number(at(high))
    const fullBand = lowFreq === 0 && highFreq !== null && Math.abs(highFreq - nyquist) < 1e-3
    return {
      label: at(note) || null,
      start: Number(at(begin)),
      end: Number(at(end)),
      lowFreq: fullBand ? null : lowFreq,
      highFreq: fullBand ? null : highFreq,
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
  return tasks.map((task) => {
    const results = task.annotations?.[0]?.result ?? []
    const classes = results.filter((r) => r.type === 'choices').flatMap((r) => r.value.choices ?? [])
    const regions = results
      .filter((r) => r.type === 'labels')
      .map((r) => ({
        label: r.value.labels?.[0] ?? null,
        start: r.value.start ?? 0,
        end: r.value.end ?? 0,
        lowFreq: null,
        highFreq: null,
      }))
    return {
      clip: task.data.audio,
      ...(classes.length ? { labels: { classes, unsure: false, badAudio: false, note: '' } } : {}),
      regions,
    }
  })
}
