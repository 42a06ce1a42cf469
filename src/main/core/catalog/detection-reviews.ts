import type { Database } from 'better-sqlite3'
import type { DetectionReview, ReviewItem, ReviewOrder, ReviewPage } from '@shared/detection'
import type { Region } from '@shared/domain'
import { mulberry32, shuffle, streamSeed } from '../models/trees/random'
import { notFound } from '../errors'
import { toDetection, type DetectionRow } from './detections'
import { deleteRegion, getRegion, putRegion } from './regions'

/**
 * What a person's review of one detection left in the project: the review itself and the region
 * it created. The edit log keeps this before and after each review, so undo and redo put both
 * the detection's row and its region back as they were.
 */
export interface DetectionReviewState {
  detectionId: number
  review: DetectionReview | null
  reviewedLabel: string | null
  reviewedAt: string | null
  /** The labeled region an accept or relabel created, as it stood; null for none. */
  region: Region | null
}

/** A detections row with when it was reviewed, which the edit log keeps. */
interface ReviewedDetectionRow extends DetectionRow {
  reviewed_at: string | null
}

interface ReviewItemRow extends ReviewedDetectionRow {
  path: string
  name: string
  duration: number
}

const COLUMNS = `d.id, d.run_id, d.clip_id, d.label, d.start, d."end", d.score, d.review, d.reviewed_label,
  d.region_id, d.reviewed_at`

const toReviewItem = (r: ReviewItemRow): ReviewItem => ({
  ...toDetection(r),
  path: r.path,
  clipName: r.name,
  clipDuration: r.duration,
})

/** A detection's review as it stands now, with its region (if that region still exists). */
export function getReviewState(db: Database, id: number): DetectionReviewState {
  const row = db.prepare(`SELECT ${COLUMNS} FROM detections d WHERE d.id = ?`).get(id) as
    ReviewedDetectionRow | undefined
  if (!row) throw notFound(`Detection ${id}`)
  return {
    detectionId: row.id,
    review: row.review,
    reviewedLabel: row.reviewed_label,
    reviewedAt: row.reviewed_at,
    // The region's id is cleared when a person deletes the region, so an id here names one that exists.
    region: row.region_id === null ? null : getRegion(db, row.region_id),
  }
}

/**
 * Puts a detection's review into a recorded state: the region of the state it leaves (`from`) goes
 * unless the new state keeps it, the new state's region is written under its own id, and the row
 * points at it. One write behind a review, its undo and its redo.
 */
export function putReviewState(
  db: Database,
  state: DetectionReviewState,
  from: DetectionReviewState,
  author: string,
  now: Date,
): void {
  if (from.region && from.region.id !== state.region?.id) deleteRegion(db, from.region.id)
  if (state.region) putRegion(db, state.region, author, now)
  db.prepare('UPDATE detections SET review = ?, reviewed_label = ?, region_id = ?, reviewed_at = ? WHERE id = ?').run(
    state.review,
    state.reviewedLabel,
    state.region?.id ?? null,
    state.reviewedAt,
    state.detectionId,
  )
}

/** What the review queue is asked for; see `detections:queue`. */
export interface QueueRequest {
  runId: number
  label?: string
  order: ReviewOrder
  perBin: number
  bins: number
  minScore: number
  unreviewed: boolean
  seed: number
  offset: number
  limit: number
}

/**
 * The review queue of a run's detections. `score`: highest score first. `bins`: per class, the
 * score range from `minScore` to 1 cut into `bins` equal bins and `perBin` detections drawn from
 * each at random (seeded), so that a person reviews the same number of weak, middling and strong
 * detections and can read off the precision at each score, as threshold-setting reviews in
 * bioacoustics tools do. The sample is drawn from every detection, reviewed or not, and only then
 * are reviewed ones hidden (when asked): reviewing does not reshuffle the sample.
 */
export function reviewQueue(db: Database, request: QueueRequest): ReviewPage {
  const where = ['d.run_id = @runId']
  if (request.label !== undefined) where.push('d.label = @label')
  const filter = where.join(' AND ')
  const params = { runId: request.runId, label: request.label, offset: request.offset, limit: request.limit }
  const select = `SELECT ${COLUMNS}, c.path, c.name, c.duration FROM detections d JOIN clips c ON c.id = d.clip_id`
  if (request.order === 'score') {
    // A run may hold very many detections: the page is read alone, and the rest only counted.
    const counts = db
      .prepare(`SELECT COUNT(*) AS total, COUNT(d.review) AS reviewed FROM detections d WHERE ${filter}`)
      .get(params) as { total: number; reviewed: number }
    const shown = request.unreviewed ? `${filter} AND d.review IS NULL` : filter
    const rows = db
      .prepare(`${select} WHERE ${shown} ORDER BY d.score DESC, d.id LIMIT @limit OFFSET @offset`)
      .all(params) as ReviewItemRow[]
    return {
      items: rows.map(toReviewItem),
      total: request.unreviewed ? counts.total - counts.reviewed : counts.total,
      reviewed: counts.reviewed,
    }
  }
  const rows = db.prepare(`${select} WHERE ${filter} ORDER BY d.score DESC, d.id`).all(params) as ReviewItemRow[]
  const chosen = binSample(rows, request)
  const reviewed = chosen.filter((r) => r.review !== null).length
  const shown = request.unreviewed ? chosen.filter((r) => r.review === null) : chosen
  return {
    items: shown.slice(request.offset, request.offset + request.limit).map(toReviewItem),
    total: shown.length,
    reviewed,
  }
}

/**
 * Per class (by name), per score bin from the highest down: up to `perBin` rows drawn at random,
 * listed by score. Rows come in sorted by score, highest first. Each class and bin draws from its
 * own stream of the seed, so one class's sample does not depend on which other classes there are.
 */
function binSample(rows: readonly ReviewItemRow[], request: QueueRequest): ReviewItemRow[] {
  const { bins, perBin, minScore, seed } = request
  const width = (1 - minScore) / bins
  const byClass = new Map<string, ReviewItemRow[][]>()
  for (const row of rows) {
    if (row.score < minScore) continue
    // A score of exactly 1 belongs to the top bin.
    const bin = Math.min(bins - 1, Math.floor((row.score - minScore) / width))
    let classBins = byClass.get(row.label)
    if (!classBins) byClass.set(row.label, (classBins = Array.from({ length: bins }, () => [])))
    classBins[bin]?.push(row)
  }
  const sample: ReviewItemRow[] = []
  for (const label of [...byClass.keys()].sort()) {
    const classBins = byClass.get(label) ?? []
    for (let bin = bins - 1; bin >= 0; bin--) {
      const members = classBins[bin] ?? []
      const order = Array.from(members, (_, i) => i)
      shuffle(order, mulberry32(streamSeed(seed, labelHash(label) * 131 + bin)))
      const drawn = order.slice(0, perBin).map((i) => members[i] as ReviewItemRow)
      sample.push(...drawn.sort((a, b) => b.score - a.score || a.id - b.id))
    }
  }
  return sample
}

/** A small number that stands for a class name, to pick the class's random stream. */
function labelHash(label: string): number {
  let h = 0
  for (let i = 0; i < label.length; i++) h = (Math.imul(h, 31) + label.charCodeAt(i)) >>> 0
  return h % 1_000_003
}
