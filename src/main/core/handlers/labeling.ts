// Labeling: clip labels, flags and notes, regions and boxes, label files in and out, undo and redo.
import { editAvailability, redoEdit, undoEdit } from '../catalog/edits'
import { getRegion } from '../catalog/regions'
import { assignClass, changeClipLabels, createRegion, removeRegion, updateRegion } from '../labeling'
import { exportLabelsTo, importLabelsFrom } from '../interchange'
import type { ApiHandlers, ServiceContext } from './context'

/** Labeling: clip labels, flags and notes, regions and boxes, label files in and out, undo and redo. */
export function labelingHandlers({
  now,
  author,
  catalog,
  stamp,
  clipChanged,
  multiLabel,
  labelsChanged,
  changed,
}: ServiceContext) {
  const undoResult = (edit: ReturnType<typeof undoEdit>) => {
    if (edit) labelsChanged(edit.clipId)
    // A split edit touched many clips: every view of the project refreshes.
    if (edit?.kind === 'split') changed()
    return { edit, ...editAvailability(catalog().db) }
  }

  return {
    'labels:assign': ({ clipId, classId }) => {
      const multi = multiLabel()
      changeClipLabels(catalog().db, clipId, (s) => assignClass(s, classId, multi), 'label a clip', stamp())
      return labelsChanged(clipId)
    },
    'labels:set': ({ clipId, classIds }) => {
      changeClipLabels(
        catalog().db,
        clipId,
        (s) => ({ ...s, classIds: [...new Set(classIds)] }),
        'label a clip',
        stamp(),
      )
      return labelsChanged(clipId)
    },
    'labels:flag': ({ clipId, unsure, badAudio }) => {
      changeClipLabels(
        catalog().db,
        clipId,
        (s) => ({ ...s, unsure: unsure ?? s.unsure, badAudio: badAudio ?? s.badAudio }),
        'flag a clip',
        stamp(),
      )
      return clipChanged(clipId)
    },
    'labels:note': ({ clipId, note }) => {
      changeClipLabels(catalog().db, clipId, (s) => ({ ...s, note }), 'edit a note', stamp())
      return clipChanged(clipId)
    },
    'regions:create': ({ clipId, ...fields }) => {
      const region = createRegion(catalog().db, clipId, fields, stamp())
      labelsChanged(clipId)
      return region
    },
    'regions:update': ({ id, ...fields }) => {
      const region = updateRegion(catalog().db, id, fields, stamp())
      labelsChanged(region.clipId)
      return region
    },
    'regions:delete': ({ id }) => {
      const clipId = getRegion(catalog().db, id).clipId
      removeRegion(catalog().db, id, stamp())
      labelsChanged(clipId)
      return { id }
    },
    'labels:export': async ({ format, out }) => ({ files: await exportLabelsTo(catalog().db, format, out) }),
    'labels:import': async ({ format, paths }) => {
      const summary = await importLabelsFrom(catalog().db, format, paths, stamp())
      changed()
      return summary
    },
    'edits:undo': () => undoResult(undoEdit(catalog().db, author, now())),
    'edits:redo': () => undoResult(redoEdit(catalog().db, author, now())),
  } satisfies Partial<ApiHandlers>
}
