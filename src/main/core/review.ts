import type { Database } from 'better-sqlite3'
import type { Detection, DetectionReview } from '@shared/detection'
import { findClassByName } from './catalog/classes'
import { getClipDetail } from './catalog/clip-query'
import { getReviewState, putReviewState, type DetectionReviewState } from './catalog/detection-reviews'
import { getDetection } from './catalog/detections'
import { recordEdit } from './catalog/edits'
import { nextRegionId } from './catalog/regions'
import { EarmarkError } from './errors'
import type { Stamp } from './labeling'

/**
 * Accepts, rejects or relabels a detection as one undoable edit. An accept makes a labeled region
 * of the detection's class over its span, a relabel one of `label`; a reject makes none (the span
 * counts as background when models train on regions). A new review of a detection replaces the
 * earlier one, region and all. A relabel to the class the model gave is an accept. Asking for the
 * review the detection already has, with its region still there, changes nothing and logs nothing.
 */
export function reviewDetection(
  db: Database,
  id: number,
  review: DetectionReview,
  label: string | undefined,
  stamp: Stamp,
): Detection {
  return db
    .transaction(() => {
      const detection = getDetection(db, id)
      const before = getReviewState(db, id)
      const className = review === 'accepted' ? detection.label : review === 'relabeled' ? label : undefined
      const classInfo = className === undefined ? undefined : findClassByName(db, className)
      if (className !== undefined && !classInfo) {
        throw new EarmarkError(
          'invalid-input',
          review === 'accepted'
            ? `The project has no class "${className}" to accept this detection as: add the class, or relabel the detection.`
            : `The project has no class "${className}": a detection is relabeled to one of the project's classes.`,
        )
      }
      const kind: DetectionReview =
        review === 'relabeled' && classInfo?.name === findClassByName(db, detection.label)?.name ? 'accepted' : review
      const reviewedLabel = kind === 'relabeled' ? (classInfo?.name ?? null) : null
      const unchanged =
        before.review === kind && before.reviewedLabel === reviewedLabel && (kind === 'rejected') === !before.region
      if (unchanged) return detection

      const clip = getClipDetail(db, detection.clipId)
      const start = Math.max(0, detection.start)
      const end = Math.min(detection.end, clip.duration)
      if (classInfo && end <= start) {
        throw new EarmarkError('invalid-input', `Detection ${id} lies outside its clip's ${clip.duration} s.`)
      }
      const after: DetectionReviewState = {
        detectionId: id,
        review: kind,
        reviewedLabel,
        reviewedAt: stamp.now.toISOString(),
        region: classInfo
          ? { id: nextRegionId(db), clipId: clip.id, classId: classInfo.id, start, end, lowFreq: null, highFreq: null }
          : null,
      }
      putReviewState(db, after, before, stamp.author, stamp.now)
      const description =
        kind === 'accepted'
          ? `accept a detection of ${detection.label}`
          : kind === 'rejected'
            ? `reject a detection of ${detection.label}`
            : `relabel a detection of ${detection.label} as ${reviewedLabel}`
      recordEdit(db, { kind: 'detection', clipId: clip.id, before, after, description }, stamp.author, stamp.now)
      return getDetection(db, id)
    })
    .immediate()
}
