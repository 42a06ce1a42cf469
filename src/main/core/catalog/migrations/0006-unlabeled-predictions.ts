import type { Database } from 'better-sqlite3'

/**
 * Predictions of unlabeled clips by a run (active learning): one row per run and clip,
 * replaced whole each time the run predicts them again. Margin and entropy are stored so that the
 * studio can page through the most uncertain clips in SQL, without reading every row.
 */
export function migrateTo0006(db: Database): void {
  db.exec(`
    CREATE TABLE run_unlabeled_predictions (
      run_id        INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
      clip_id       INTEGER NOT NULL REFERENCES clips (id) ON DELETE CASCADE,
      -- The most probable class name, and every class's probability in the run's label order (JSON).
      predicted     TEXT NOT NULL,
      probabilities TEXT NOT NULL,
      -- Most probable minus second (small: unsure), and Shannon entropy in nats (large: unsure).
      margin        REAL NOT NULL,
      entropy       REAL NOT NULL,
      predicted_at  TEXT NOT NULL,
      PRIMARY KEY (run_id, clip_id)
    ) STRICT;
    CREATE INDEX run_unlabeled_margin ON run_unlabeled_predictions (run_id, margin);
    CREATE INDEX run_unlabeled_entropy ON run_unlabeled_predictions (run_id, entropy);
    CREATE INDEX run_unlabeled_clip ON run_unlabeled_predictions (clip_id);
  `)
}
