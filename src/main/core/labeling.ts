import type { Database } from 'better-sqlite3'
import type { Region } from '@shared/domain'
import { getClass } from './catalog/classes'
import { getClipDetail } from './catalog/clip-query'
import { recordEdit } from './catalog/edits'
import { getLabelState, setLabelState, type ClipLabelState } from './catalog/labels'
import { deleteRegion, getRegion, nextRegionId, putRegion } from './catalog/regions'
import { EarmarkError } from './errors'

/** Who and when, for every labeling write. */
export interface Stamp {
  author: string
  now: Date
}

/**
 * Changes a clip's labels, flags or note in one transaction and logs the change for undo.
 * Returns the new state. Labeling transactions are IMMEDIATE: they take the write lock before
 * reading, so another writer makes them wait out the busy timeout rather than fail at once (a
 * deferred transaction that must upgrade to a writer gets SQLITE_BUSY without waiting).
 */
export function changeClipLabels(
  db: Database,
  clipId: number,
  change: (before: ClipLabelState) => ClipLabelState,
  description: string,
  stamp: Stamp,
): ClipLabelState {
  return db
    .transaction(() => {
      const before = getLabelState(db, clipId)
      const after = change(before)
      after.classIds.forEach((id) => getClass(db, id))
      setLabelState(db, clipId, after, stamp.author, stamp.now)
      recordEdit(db, { kind: 'clip', clipId, before, after, description }, stamp.author, stamp.now)
      return after
    })
    .immediate()
}

/**
 * What one press of a class's key does: in a single-label project the class replaces the clip's
 * label; in a multi-label project it is toggled on or off.
 */
export function assignClass(before: ClipLabelState, classId: number, multiLabel: boolean): ClipLabelState {
  if (!multiLabel) return { ...before, classIds: [classId] }
  const has = before.classIds.includes(classId)
  return { ...before, classIds: has ? before.classIds.filter((id) => id !== classId) : [...before.classIds, classId] }
}

/** Fields of a region as a person edits them. */
export interface RegionFields {
  classId?: number | null
  start?: number
  end?: number
  lowFreq?: number | null
  highFreq?: number | null
}

/** Checks a region against its clip: inside the clip's duration and frequency range, a box or a span. */
function validateRegion(db: Database, region: Region): void {
  const clip = getClipDetail(db, region.clipId)
  // A little slack: a drag to the very end of the waveform may land a hair past the last sample.
  if (region.start < 0 || region.end <= region.start || region.start > clip.duration + 0.01) {
    throw new EarmarkError('invalid-input', `A region must start within the clip and end after it starts.`)
  }
  region.end = Math.min(region.end, clip.duration)
  if ((region.lowFreq === null) !== (region.highFreq === null)) {
    throw new EarmarkError('invalid-input', 'A box needs both a low and a high frequency.')
  }
  if (region.lowFreq !== null && region.highFreq !== null) {
    if (region.lowFreq < 0 || region.highFreq <= region.lowFreq || region.highFreq > clip.sampleRate / 2) {
      throw new EarmarkError(
        'invalid-input',
        `A box's frequencies must lie between 0 and ${clip.sampleRate / 2} Hz, low below high.`,
      )
    }
  }
  if (region.classId !== null) getClass(db, region.classId)
}

/** Adds a region or box, logged for undo. */
export function createRegion(db: Database, clipId: number, fields: RegionFields, stamp: Stamp): Region {
  return db
    .transaction(() => {
      const region: Region = {
        id: nextRegionId(db),
        clipId,
        classId: fields.classId ?? null,
        start: fields.start ?? 0,
        end: fields.end ?? 0,
        lowFreq: fields.lowFreq ?? null,
        highFreq: fields.highFreq ?? null,
      }
      validateRegion(db, region)
      const after = putRegion(db, region, stamp.author, stamp.now)
      recordEdit(
        db,
        { kind: 'region', clipId, before: null, after, description: 'create a region' },
        stamp.author,
        stamp.now,
      )
      return after
    })
    .immediate()
}

/** Moves, resizes or relabels a region, logged for undo. */
export function updateRegion(db: Database, id: number, fields: RegionFields, stamp: Stamp): Region {
  return db
    .transaction(() => {
      const before = getRegion(db, id)
      const changed: Region = { ...before }
      for (const key of ['classId', 'start', 'end', 'lowFreq', 'highFreq'] as const) {
        if (fields[key] !== undefined) (changed as unknown as Record<string, unknown>)[key] = fields[key]
      }
      validateRegion(db, changed)
      const after = putRegion(db, changed, stamp.author, stamp.now)
      const description =
        fields.classId !== undefined && fields.start === undefined ? 'label a region' : 'change a region'
      recordEdit(db, { kind: 'region', clipId: before.clipId, before, after, description }, stamp.author, stamp.now)
      return after
    })
    .immediate()
}

/** Deletes a region, logged for undo. */
export function removeRegion(db: Database, id: number, stamp: Stamp): void {
  db.transaction(() => {
    const before = getRegion(db, id)
    deleteRegion(db, id)
    recordEdit(
      db,
      { kind: 'region', clipId: before.clipId, before, after: null, description: 'delete a region' },
      stamp.author,
      stamp.now,
    )
  }).immediate()
}
