import { basename } from 'node:path'
import { csvText } from '../csv'
import { EarmarkError } from '../errors'
import { RAVEN_HEADER, toAudacity, toRaven, type LabelFile } from '../interchange/formats'
import type { ClipLabels } from '../interchange/model'
import type { DetectFilesResult, FileDetections } from './detect'

/*
 * Detections as files other tools read: one JSON document or one CSV table for every file
 * scanned, or per recording a Raven selection table (with a Score column, as BirdNET's tables
 * carry their confidence) or an Audacity label track, written by the interchange formats' own
 * writers so they read back into a project as regions.
 */

/** The formats `earmark detect --format` writes. */
export const detectionFormats = ['json', 'csv', 'raven', 'audacity'] as const
/** A format detections are written in. */
export type DetectionFormat = (typeof detectionFormats)[number]

/** Whether a string names a detection format. */
export function isDetectionFormat(value: string): value is DetectionFormat {
  return (detectionFormats as readonly string[]).includes(value)
}

/** Seconds with the precision label tools write. */
const round = (seconds: number): number => Math.round(seconds * 1e6) / 1e6

/** The files of a detection's result in a format; per-recording formats name each after its recording. */
export function detectionFiles(result: DetectFilesResult, format: DetectionFormat): LabelFile[] {
  const scanned = result.files.filter((f) => f.error === undefined)
  switch (format) {
    case 'json':
      return [{ name: 'detections.json', text: `${JSON.stringify(detectionDocument(result), null, 2)}\n` }]
    case 'csv':
      return [{ name: 'detections.csv', text: detectionCsv(result) }]
    case 'raven':
      return perRecording(scanned).map(({ file, labels }) => {
        const [table] = toRaven([labels])
        const rows = table ? table.text.trimEnd().split('\n').slice(1) : []
        const scored = rows.map((row, i) => `${row}\t${(file.events[i]?.score ?? 0).toFixed(4)}`)
        return {
          name: `${labels.name}.Table.1.selections.txt`,
          text: `${[[...RAVEN_HEADER, 'Score'].join('\t'), ...scored].join('\n')}\n`,
        }
      })
    case 'audacity':
      return perRecording(scanned).map(({ labels }) => ({
        name: `${labels.name}.txt`,
        text: toAudacity([labels])[0]?.text ?? '',
      }))
    default:
      throw new EarmarkError('invalid-input', `unknown detection format ${String(format)}`)
  }
}

/** The JSON document of a detection: the model, its windows, and per file its events or error. */
export function detectionDocument(result: DetectFilesResult): unknown {
  return {
    model: result.model,
    modelPath: result.modelPath,
    classes: result.classes,
    window: result.window,
    files: result.files.map((f) => ({
      path: f.path,
      duration: f.duration,
      ...(f.error === undefined ? {} : { error: f.error }),
      ...(f.warnings.length > 0 ? { warnings: f.warnings } : {}),
      detections: f.events.map((e) => ({ start: round(e.start), end: round(e.end), label: e.label, score: e.score })),
    })),
    audioSeconds: result.audioSeconds,
    seconds: result.seconds,
  }
}

/** One CSV row per detection: path, start, end, label, score. */
export function detectionCsv(result: DetectFilesResult): string {
  const rows = result.files.flatMap((f) =>
    f.events.map((e) => [f.path, round(e.start), round(e.end), e.label, e.score]),
  )
  return csvText([['path', 'start', 'end', 'label', 'score'], ...rows])
}

/**
 * Each recording's detections as the interchange formats take a clip's regions, named after the
 * file (a second file of the same name gets `-2`, and so on, so no table overwrites another).
 */
function perRecording(files: readonly FileDetections[]): { file: FileDetections; labels: ClipLabels }[] {
  const used = new Map<string, number>()
  return files.map((file) => {
    const base = basename(file.path)
    const n = (used.get(base) ?? 0) + 1
    used.set(base, n)
    const name = n === 1 ? base : `${base.replace(/(\.[^.]*)?$/, `-${n}$1`)}`
    const labels: ClipLabels = {
      path: file.path,
      name,
      sampleRate: file.sampleRate ?? 0,
      group: null,
      split: null,
      classes: [],
      unsure: false,
      badAudio: false,
      note: '',
      regions: file.events.map((e) => ({ label: e.label, start: e.start, end: e.end, lowFreq: null, highFreq: null })),
    }
    return { file, labels }
  })
}
