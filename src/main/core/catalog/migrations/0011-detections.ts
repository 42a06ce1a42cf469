import type { Database } from 'better-sqlite3'

/**
 * Detections: a run's model slid over recordings gives scored events, stored per run and clip
 * (a new scan of a clip by the same run replaces its rows). A person's review stays on the row:
 * an accept or relabel also creates a labeled region (`region_id`), and a rejected detection's
 * span is background when models train on regions. A run records where its examples came from
 * (whole clips or windows of regions) and, for regions, how it cut them.
 */
export function migrateTo0011(db: Database): void {
  db.exec(`
    CREATE TABLE detections (
      -- Never reused: the studio holds detection ids (the review queue) across rescans.
      id             INTEGER PRIMARY KEY AUTOINCREMENT,
      run_id         INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
      clip_id        INTEGER NOT NULL REFERENCES clips (id) ON DELETE CASCADE,
      label          TEXT NOT NULL,
      start          REAL NOT NULL,
      "end"          REAL NOT NULL,
      score          REAL NOT NULL,
      review         TEXT CHECK (review IN ('accepted', 'rejected', 'relabeled')),
      reviewed_label TEXT,
      region_id      INTEGER REFERENCES region_labels (id) ON DELETE SET NULL,
      detected_at    TEXT NOT NULL,
      reviewed_at    TEXT,
      CHECK ("end" > start)
    ) STRICT;
    CREATE INDEX detections_run_clip ON detections (run_id, clip_id, start);
    CREATE INDEX detections_run_score ON detections (run_id, label, score);
    CREATE INDEX detections_clip ON detections (clip_id);
    ALTER TABLE runs ADD COLUMN source TEXT NOT NULL DEFAULT 'clips';
    ALTER TABLE runs ADD COLUMN windowing TEXT;
  `)
}
