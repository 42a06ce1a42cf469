import type { Database } from 'better-sqlite3'

/**
 * Training runs: what was trained, on exactly which clips with which labels, how
 * it scored on each split, and what it predicted for every clip. A run keeps class names and clip
 * labels as text, as they were at training time, so that it stays readable after classes are
 * renamed or clips relabelled, and so that the studio can say when it was trained on labels that
 * have changed since.
 */
export function migrateTo0004(db: Database): void {
  db.exec(`
    CREATE TABLE runs (
      id             INTEGER PRIMARY KEY,
      model          TEXT NOT NULL,
      engine         TEXT NOT NULL,
      state          TEXT NOT NULL CHECK (state IN ('running', 'done', 'failed', 'cancelled')),
      -- JSON: the complete hyperparameters (the documented parameter names), seed included.
      params         TEXT NOT NULL,
      -- JSON: the complete feature configuration, and its hash to find runs on the same features.
      feature_config TEXT NOT NULL,
      feature_hash   TEXT NOT NULL,
      -- JSON: names of the features the model reads, in order.
      feature_names  TEXT NOT NULL DEFAULT '[]',
      seed           INTEGER NOT NULL,
      -- JSON: class names in the order of the model's outputs and of every matrix of the run.
      labels         TEXT NOT NULL,
      split_method   TEXT NOT NULL DEFAULT '',
      model_path     TEXT,
      error          TEXT,
      job_id         INTEGER REFERENCES jobs (id) ON DELETE SET NULL,
      -- JSON: seconds per stage (features, fit, evaluate, total).
      timings        TEXT NOT NULL DEFAULT '{}',
      -- JSON: feature importances, impurity-based and permutation (on held-out clips), most important first.
      importances    TEXT NOT NULL DEFAULT '{"impurity":[],"permutation":[]}',
      created_at     TEXT NOT NULL,
      finished_at    TEXT
    ) STRICT;
    CREATE INDEX runs_created ON runs (created_at, id);

    -- Every clip a run used, with its label and label version at the time. No foreign key to clips:
    -- the record of what a run trained on must outlive the clip.
    CREATE TABLE run_clips (
      run_id        INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
      clip_id       INTEGER NOT NULL,
      split         TEXT NOT NULL CHECK (split IN ('train', 'val', 'test', 'oof')),
      label         TEXT NOT NULL,
      -- When the clip's labels were last set before the run (clips.labeled_at or the label's
      -- updated_at): a later change means the run is trained on outdated labels.
      label_version TEXT,
      -- Prediction for clips of evaluated splits: class name and every class's probability (JSON).
      predicted     TEXT,
      probabilities TEXT,
      PRIMARY KEY (run_id, clip_id)
    ) STRICT;
    CREATE INDEX run_clips_split ON run_clips (run_id, split, label, predicted);
    CREATE INDEX run_clips_clip ON run_clips (clip_id);

    -- Metrics per evaluated split, as JSON (see ClassificationMetrics in src/shared/evaluation.ts).
    CREATE TABLE run_metrics (
      run_id  INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
      split   TEXT NOT NULL CHECK (split IN ('train', 'val', 'test', 'oof')),
      metrics TEXT NOT NULL,
      PRIMARY KEY (run_id, split)
    ) STRICT;

    -- Per-epoch values of deep models (loss, accuracy, ...), as JSON.
    CREATE TABLE run_epochs (
      run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
      epoch  INTEGER NOT NULL CHECK (epoch >= 0),
      "values" TEXT NOT NULL,
      at     TEXT NOT NULL,
      PRIMARY KEY (run_id, epoch)
    ) STRICT;
  `)
}
