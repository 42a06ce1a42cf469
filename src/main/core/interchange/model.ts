import type { Database } from 'better-sqlite3'
import type { Region } from '@shared/domain'
import { ensureClass, listClasses } from '../catalog/classes'
import { getLabelState, setLabelState } from '../catalog/labels'
import { listRegions, nextRegionId, putRegion } from '../catalog/regions'
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
}

/** Every clip's labels and regions, in path order. */
export function readAllLabels(db: Database): ClipLabels[] {
  const names = new Map(listClasses(db).map((c) => [c.id, c.name]))
  const clips = db.prepare('SELECT id, path, name, sample_rate, group_name, split FROM clips ORDER BY path').all() as {
    id: number
    path: string
    name: string
    sample_rate: number
    group_name: string | null
    split: string | null
  }[]
  return clips.map((c) => {
    const state = getLabelState(db, c.id)
    return {
      path: c.path,
      name: c.name,
      sampleRate: c.sample_rate,
      group: c.group_name,
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
  const rows = db.prepare('SELECT id, path, name FROM clips').all() as { id: number; path: string; name: string }[]
  const byPath = new Map(rows.map((r) => [r.path, r.id]))
  const byName = new Map<string, number | null>()
  for (const r of rows) byName.set(r.name, byName.has(r.name) ? null : r.id)
  return (key) => byPath.get(key) ?? byName.get(key.split(/[/\\]/).pop() ?? key) ?? undefined
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
  let added = 0
  for (const r of regions) {
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
