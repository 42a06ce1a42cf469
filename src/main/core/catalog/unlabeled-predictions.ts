import type { Database } from 'better-sqlite3'
import type { UncertaintyOrder, UnlabeledPage } from '@shared/active-learning'
import { runLabels } from './runs'

/** A clip with no label that a model can be asked about: present and not flagged as bad audio. */
export interface UnlabeledClip {
  id: number
  path: string
}

/** Every unlabeled clip whose audio can be read, in clip order. */
export function unlabeledClips(db: Database): UnlabeledClip[] {
  return db
    .prepare(
      `SELECT c.id, c.path FROM clips c
       WHERE c.missing = 0 AND c.bad_audio = 0
         AND NOT EXISTS (SELECT 1 FROM clip_labels l WHERE l.clip_id = c.id)
       ORDER BY c.id`,
    )
    .all() as UnlabeledClip[]
}

/** One stored prediction of an unlabeled clip. */
export interface StoredUnlabeledPrediction {
  clipId: number
  predicted: string
  /** In the run's label order. */
  probabilities: number[]
  margin: number
  entropy: number
}

/** Replaces a run's predictions of unlabeled clips with these, in one transaction. */
export function replaceUnlabeledPredictions(
  db: Database,
  runId: number,
  rows: readonly StoredUnlabeledPrediction[],
  now = new Date(),
): void {
  const insert = db.prepare(
    `INSERT INTO run_unlabeled_predictions (run_id, clip_id, predicted, probabilities, margin, entropy, predicted_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  )
  const at = now.toISOString()
  db.transaction(() => {
    db.prepare('DELETE FROM run_unlabeled_predictions WHERE run_id = ?').run(runId)
    for (const r of rows)
      insert.run(runId, r.clipId, r.predicted, JSON.stringify(r.probabilities), r.margin, r.entropy, at)
  }).immediate()
}

const ORDER_BY: Record<UncertaintyOrder, string> = {
  margin: 'p.margin ASC, p.clip_id ASC',
  entropy: 'p.entropy DESC, p.clip_id ASC',
}

/**
 * A page of a run's predictions of clips that are still unlabeled, most uncertain first. A clip
 * labelled since it was predicted leaves the list, without the predictions being run again.
 */
export function unlabeledPredictionPage(
  db: Database,
  runId: number,
  order: UncertaintyOrder,
  offset: number,
  limit: number,
): UnlabeledPage {
  const labels = runLabels(db, runId)
  const orderBy = ORDER_BY[order]
  const stillUnlabeled = `p.run_id = ? AND NOT EXISTS (SELECT 1 FROM clip_labels l WHERE l.clip_id = p.clip_id)`
  const total = db
    .prepare(`SELECT COUNT(*) FROM run_unlabeled_predictions p WHERE ${stillUnlabeled}`)
    .pluck()
    .get(runId) as number
  const predictedAt = db
    .prepare('SELECT MAX(predicted_at) FROM run_unlabeled_predictions WHERE run_id = ?')
    .pluck()
    .get(runId) as string | null
  const rows = db
    .prepare(
      `SELECT p.clip_id, c.path, p.predicted, p.probabilities, p.margin, p.entropy
       FROM run_unlabeled_predictions p JOIN clips c ON c.id = p.clip_id
       WHERE ${stillUnlabeled} ORDER BY ${orderBy} LIMIT ? OFFSET ?`,
    )
    .all(runId, limit, offset) as {
    clip_id: number
    path: string
    predicted: string
    probabilities: string
    margin: number
    entropy: number
  }[]
  return {
    total,
    predictedAt,
    rows: rows.map((r) => ({
      clipId: r.clip_id,
      path: r.path,
      predicted: r.predicted,
      top: (JSON.parse(r.probabilities) as number[])
        .map((probability, k) => ({ label: labels[k] ?? String(k), probability }))
        .sort((a, b) => b.probability - a.probability)
        .slice(0, 5),
      margin: r.margin,
      entropy: r.entropy,
    })),
  }
}
