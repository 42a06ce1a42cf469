import type { Database } from 'better-sqlite3'

/**
 * Hyperparameter sweeps. Trials are rows queued before they run, so a sweep survives
 * a restart: on resume, finished trials are kept and only unfinished ones run again.
 */
export function migrateTo0005(db: Database): void {
  db.exec(`
    CREATE TABLE sweeps (
      id          INTEGER PRIMARY KEY,
      name        TEXT NOT NULL,
      -- JSON: the complete spec (src/shared/sweep-spec.ts), defaults filled in.
      spec        TEXT NOT NULL,
      state       TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
      error       TEXT,
      job_id      INTEGER REFERENCES jobs (id) ON DELETE SET NULL,
      -- JSON: the clip ids tested in each fold, so anyone can check what the scores rest on.
      fold_clips  TEXT,
      created_at  TEXT NOT NULL,
      finished_at TEXT
    ) STRICT;

    CREATE TABLE sweep_trials (
      id          INTEGER PRIMARY KEY,
      sweep_id    INTEGER NOT NULL REFERENCES sweeps (id) ON DELETE CASCADE,
      -- 0, 1, 2, … in the order the strategy proposed them.
      number      INTEGER NOT NULL,
      params      TEXT NOT NULL,
      -- Successive halving: the rung and the budget it ran with.
      rung        INTEGER NOT NULL DEFAULT 0,
      state       TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
      score       REAL,
      std         REAL,
      -- JSON: the metric on each fold.
      folds       TEXT,
      error       TEXT,
      seconds     REAL,
      -- How many times the trial was started: 1 for a trial that ran once.
      attempts    INTEGER NOT NULL DEFAULT 0,
      started_at  TEXT,
      finished_at TEXT,
      UNIQUE (sweep_id, rung, number)
    ) STRICT;
    CREATE INDEX sweep_trials_state ON sweep_trials (sweep_id, state);
  `)
}
