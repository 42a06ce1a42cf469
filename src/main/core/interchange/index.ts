import { constants } from 'node:fs'
import { mkdir, open, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { Database } from 'better-sqlite3'
import { clipFileFacts } from '../catalog/clips'
import { EarmarkError } from '../errors'
import type { Stamp } from '../labeling'
import {
  fromAudacity,
  fromCsv,
  fromLabelStudio,
  fromRaven,
  toAudacity,
  toCsv,
  toLabelStudio,
  toRaven,
  type LabelFile,
  type ParsedLabels,
} from './formats'
import { addRegions, applyClipLabels, clipFinder, readAllLabels } from './model'
import type { Split } from '@shared/domain'
import type { ClipSplitState } from '@shared/splits'
import { clipSplitReader, putClipSplits } from '../catalog/clip-splits'
import { parseField } from '../splitting/set-splits'

import { labelFormats } from '@shared/contract'

export { labelFormats }
/** A label format. */
export type LabelFormat = (typeof labelFormats)[number]

/** The files of a label export in a format. */
export function exportLabels(db: Database, format: LabelFormat): LabelFile[] {
  const clips = readAllLabels(db)
  switch (format) {
    case 'csv':
      return toCsv(clips)
    case 'audacity':
      return toAudacity(clips)
    case 'raven':
      return toRaven(clips)
    case 'labelstudio':
      return toLabelStudio(clips)
  }
}

/** Writes a label export into a folder; returns the paths written. */
export async function exportLabelsTo(db: Database, format: LabelFormat, folder: string): Promise<string[]> {
  await mkdir(folder, { recursive: true })
  const files = exportLabels(db, format)
  // Names may keep the clips' relative folders (two clips named x.wav in a/ and b/).
  await Promise.all(
    files.map(async (f) => {
      await mkdir(dirname(join(folder, f.name)), { recursive: true })
      await writeFile(join(folder, f.name), f.text)
    }),
  )
  return files.map((f) => join(folder, f.name))
}

/** What a label import did. */
export interface LabelImportSummary {
  clipsLabelled: number
  regionsAdded: number
  /** Clips whose split, group or fold a CSV's `split`, `group` or `fold` column changed. */
  clipsSplit: number
  /** Clips the files name that the project does not have. */
  unknownClips: string[]
}

/**
 * Reads label files into the project: whole-clip labels replace the clip's, regions are added
 * (skipping ones it has). Clips are matched by path, or by file name where unique. One
 * transaction: a file that fails to parse changes nothing.
 */
export function importLabels(db: Database, format: LabelFormat, files: LabelFile[], stamp: Stamp): LabelImportSummary {
  const find = clipFinder(db)
  const sampleRateOf = (clip: string) => {
    const id = find(clip)
    return id === undefined ? undefined : clipFileFacts(db, id)?.sampleRate
  }
  const read = (file: LabelFile): ParsedLabels[] => {
    switch (format) {
      case 'csv':
        return fromCsv(file.text)
      case 'audacity':
        return fromAudacity(file.name, file.text)
      case 'raven':
        return fromRaven(file.name, file.text, sampleRateOf)
      case 'labelstudio':
        return fromLabelStudio(file.text)
    }
  }
  const parsed: ParsedLabels[] = files.flatMap((file) => {
    try {
      return read(file)
    } catch (error) {
      // A file that does not parse is the caller's input, not a fault of Earmark's.
      if (error instanceof EarmarkError) throw error
      const message = error instanceof Error ? error.message : String(error)
      throw new EarmarkError('invalid-input', message.startsWith(file.name) ? message : `${file.name}: ${message}`)
    }
  })
  const summary: LabelImportSummary = { clipsLabelled: 0, regionsAdded: 0, clipsSplit: 0, unknownClips: [] }
  const readSplit = clipSplitReader(db)
  db.transaction(() => {
    for (const entry of parsed) {
      const clipId = find(entry.clip)
      if (clipId === undefined) {
        summary.unknownClips.push(entry.clip)
        continue
      }
      if (entry.labels) {
        applyClipLabels(db, clipId, entry.labels, stamp)
        summary.clipsLabelled++
      }
      if (entry.regions) summary.regionsAdded += addRegions(db, clipId, entry.regions, stamp)
      if (entry.splitFields) {
        // A split, group or fold column sets them too, as the catalog's split column every run reads.
        const { line, ...cells } = entry.splitFields
        const now = readSplit(clipId) as ClipSplitState
        const next = { ...now }
        if (cells.split !== undefined) next.split = parseField('split', cells.split, `line ${line}`) as Split | null
        if (cells.group !== undefined) next.group = parseField('group', cells.group, `line ${line}`) as string | null
        if (cells.fold !== undefined) next.fold = parseField('fold', cells.fold, `line ${line}`) as number | null
        if (next.split !== now.split || next.group !== now.group || next.fold !== now.fold) {
          putClipSplits(db, [next])
          summary.clipsSplit++
        }
      }
    }
  }).immediate()
  return summary
}

/** Reads label files from disk and imports them. */
export async function importLabelsFrom(db: Database, format: LabelFormat, paths: string[], stamp: Stamp) {
  // The whole path names the file: its trailing folders find the clip when file names repeat.
  const files = await Promise.all(paths.map(async (path) => ({ name: path, text: await readLabelFile(path) })))
  return importLabels(db, format, files, stamp)
}

/** The largest label file read: far above any real selection table, far below what hurts memory. */
const MAX_LABEL_FILE_BYTES = 64 * 1024 * 1024

/**
 * A label file's text. Only regular files are read: a FIFO would wait forever for a writer (and
 * hold one of the few threads file reads share), and `/dev/zero` would never end. The file is
 * opened without blocking and checked through its own handle, so a path swapped after a check
 * cannot slip through.
 */
async function readLabelFile(path: string): Promise<string> {
  let handle
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new EarmarkError(
      code === 'ENOENT' ? 'not-found' : 'invalid-input',
      `Cannot read the label file ${path}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}.`,
    )
  }
  try {
    const info = await handle.stat()
    if (!info.isFile()) throw new EarmarkError('invalid-input', `${path} is not a regular file; give a label file.`)
    if (info.size > MAX_LABEL_FILE_BYTES) {
      throw new EarmarkError(
        'invalid-input',
        `${path} is ${Math.round(info.size / 1024 / 1024)} MB; label files over ${MAX_LABEL_FILE_BYTES / 1024 / 1024} MB are not read.`,
      )
    }
    return await handle.readFile('utf8')
  } finally {
    await handle.close()
  }
}
