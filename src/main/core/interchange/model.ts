import type { Database } from 'better-sqlite3'
import type { Region } from '@shared/domain'
import { ensureClass, listClasses } from '../catalog/classes'
import { allClipFileFacts, clipFileFacts } from '../catalog/clips'
import { getLabelState, setLabelState } from '../catalog/labels'
import { listRegions, nextRegionId, putRegion } from '../catalog/regions'
import { EarmarkError, notFound } from '../errors'
import type { Stamp } from '../labeling'

/** A clip's labels as every interchange format sees them: names, not ids. */
export interface ClipLabels {
  path: string
  name: string
  sampleRate: number
  group: string | null
  split: string | null
  classes: string[]
  unsure: boolean
  badAudio: boolean
  note: string
  regions: RegionLabel[]
}

/** A region as the formats carry it: a class name, seconds, and Hz for boxes. */
export interface RegionLabel {
  label: string | null
  start: number
  end: number
  lowFreq: number | null
  highFreq: number | null
  /** Where a read region came from (`file.txt line 3`), for the message that refuses it. */
  where?: string
}

/**
 * Names for per-clip files that no two clips share: each path below the deepest folder every clip
 * is in (`a/x.wav` and `b/x.wav`, not `x.wav` twice; just `x.wav` when all clips sit in one folder).
 */
function uniqueNames(paths: readonly string[]): string[] {
  if (paths.length === 0) return []
  const parts = paths.map((p) => p.split('/'))
  let shared = Math.min(...parts.map((p) => p.length - 1))
  const first = parts[0] as string[]
  for (let i = 0; i < shared; i++) {
    if (!parts.every((p) => p[i] === first[i])) {
      shared = i
      break
    }
  }
  return parts.map((p) => p.slice(shared).join('/'))
}

/** Every clip's labels and regions, in path order. */
export function readAllLabels(db: Database): ClipLabels[] {
  const names = new Map(listClasses(db).map((c) => [c.id, c.name]))
  const clips = allClipFileFacts(db)
  const fileNames = uniqueNames(clips.map((c) => c.path))
  return clips.map((c, i) => {
    const state = getLabelState(db, c.id)
    return {
      path: c.path,
      name: fileNames[i] as string,
      sampleRate: c.sampleRate,
      group: c.group,
      split: c.split,
      classes: state.classIds.map((id) => names.get(id) ?? String(id)).sort(),
      unsure: state.unsure,
      badAudio: state.badAudio,
      note: state.note,
      regions: listRegions(db, c.id).map((r) => ({
        label: r.classId === null ? null : (names.get(r.classId) ?? null),
        start: r.start,
        end: r.end,
        lowFreq: r.lowFreq,
        highFreq: r.highFreq,
      })),
    }
  })
}

/** Finds clips by full path, or by file name where that is unique in the project. */
export function clipFinder(db: Database): (pathOrName: string) => number | undefined {
  const rows = allClipFileFacts(db)
  const byPath = new Map(rows.map((r) => [r.path, r.id]))
  // Every trailing part of every path (`x.wav`, `a/x.wav`, …), with the clip it names, or null
  // where two clips share it.
  const bySuffix = new Map<string, number | null>()
  for (const r of rows) {
    const parts = r.path.split('/')
    for (let i = parts.length - 1; i >= 1; i--) {
      const suffix = parts.slice(i).join('/')
      bySuffix.set(suffix, bySuffix.has(suffix) ? null : r.id)
    }
  }
  // The longest trailing part of the key that some clip's path ends with decides: the clip, when
  // only one has it; none, when several do (a shorter part could only be more ambiguous).
  return (key) => {
    const exact = byPath.get(key)
    if (exact !== undefined) return exact
    const parts = key.split(/[/\\]/)
    for (let i = 0; i < parts.length; i++) {
      const found = bySuffix.get(parts.slice(i).join('/'))
      if (found !== undefined) return found ?? undefined
    }
    return undefined
  }
}

/** Sets a clip's whole-clip labels from names, creating classes the project lacks. */
export function applyClipLabels(
  db: Database,
  clipId: number,
  labels: Pick<ClipLabels, 'classes' | 'unsure' | 'badAudio' | 'note'>,
  stamp: Stamp,
): void {
  setLabelState(
    db,
    clipId,
    {
      classIds: labels.classes.map((name) => ensureClass(db, name, stamp.now)),
      unsure: labels.unsure,
      badAudio: labels.badAudio,
      note: labels.note,
    },
    stamp.author,
    stamp.now,
  )
}

/** Adds regions to a clip, skipping any the clip already has (same span, class and box). */
export function addRegions(db: Database, clipId: number, regions: RegionLabel[], stamp: Stamp): number {
  const existing = listRegions(db, clipId)
  const clip = clipFileFacts(db, clipId)
  if (!clip) throw notFound(`Clip ${clipId}`)
  let added = 0
  for (const r of regions) {
    const problem = regionProblem(r, clip)
    if (problem) throw new EarmarkError('invalid-input', `${r.where ?? clip.path}: ${problem}; nothing was imported.`)
    const classId = r.label ? ensureClass(db, r.label, stamp.now) : null
    const same = (e: Region) =>
      e.classId === classId &&
      near(e.start, r.start) &&
      near(e.end, r.end) &&
      e.lowFreq === r.lowFreq &&
      e.highFreq === r.highFreq
    if (existing.some(same)) continue
    putRegion(
      db,
      { id: nextRegionId(db), clipId, classId, start: r.start, end: r.end, lowFreq: r.lowFreq, highFreq: r.highFreq },
      stamp.author,
      stamp.now,
    )
    added++
  }
  return added
}

const near = (a: number, b: number) => Math.abs(a - b) < 1e-6

/** How far past a clip's end a region may reach: label tools round times to the millisecond. */
const END_TOLERANCE_S = 0.001

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)
const showSeconds = (v: number) => `${Number(v.toPrecision(6))} s`

/**
 * Why a read region cannot be stored on this clip, or undefined: times must be numbers within the
 * clip, end after start; a box's band must lie between 0 Hz and the clip's Nyquist frequency.
 */
function regionProblem(r: RegionLabel, clip: { duration: number; sampleRate: number }): string | undefined {
  if (!isNumber(r.start)) return `the start time ${JSON.stringify(r.start)} is not a number of seconds`
  if (!isNumber(r.end)) return `the end time ${JSON.stringify(r.end)} is not a number of seconds`
  if (r.start < 0) return `the start time ${showSeconds(r.start)} is before the clip starts`
  if (r.end <= r.start) return `the end time ${showSeconds(r.end)} is not after the start (${showSeconds(r.start)})`
  if (r.start >= clip.duration) {
    return `the start time ${showSeconds(r.start)} is past the clip's end (${showSeconds(clip.duration)})`
  }
  if (r.end > clip.duration + END_TOLERANCE_S) {
    return `the end time ${showSeconds(r.end)} is past the clip's end (${showSeconds(clip.duration)})`
  }
  if (r.lowFreq === null && r.highFreq === null) return undefined
  const nyquist = clip.sampleRate / 2
  if (!isNumber(r.lowFreq) || !isNumber(r.highFreq)) return 'a box needs both a low and a high frequency in Hz'
  if (r.lowFreq < 0) return `the low frequency ${r.lowFreq} Hz is below 0`
  if (r.highFreq <= r.lowFreq) return `the high frequency ${r.highFreq} Hz is not above the low (${r.lowFreq} Hz)`
  if (r.highFreq > nyquist + 1) return `the high frequency ${r.highFreq} Hz is above the clip's Nyquist (${nyquist} Hz)`
  return undefined
}
