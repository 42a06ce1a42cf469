import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import type { Database } from 'better-sqlite3'
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
  await Promise.all(files.map((f) => writeFile(join(folder, f.name), f.text)))
  return files.map((f) => join(folder, f.name))
}

/** What a label import did. */
export interface LabelImportSummary {
  clipsLabelled: number
  regionsAdded: number
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
    return id === undefined
      ? undefined
      : (db.prepare('SELECT sample_rate FROM clips WHERE id = ?').pluck().get(id) as number)
  }
  const parsed: ParsedLabels[] = files.flatMap((file) => {
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
  })
  const summary: LabelImportSummary = { clipsLabelled: 0, regionsAdded: 0, unknownClips: [] }
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
    }
  })()
  return summary
}

/** Reads label files from disk and imports them. */
export async function importLabelsFrom(db: Database, format: LabelFormat, paths: string[], stamp: Stamp) {
  const files = await Promise.all(
    paths.map(async (path) => ({ name: basename(path), text: await readFile(path, 'utf8') })),
  )
  return importLabels(db, format, files, stamp)
}
