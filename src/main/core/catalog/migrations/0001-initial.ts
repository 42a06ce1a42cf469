import type { Database } from 'better-sqlite3'

/** The first schema: settings, classes, clips, clip and region labels, jobs. */
export function migrateTo0001(db: Database): void {
  db.exec(`
    CREATE TABLE settings (
      key   TEXT PRIMARY KEY,
      value TEXT NOT NULL
    ) STRICT;

    CREATE TABLE classes (
      id         INTEGER PRIMARY KEY,
      name       TEXT NOT NULL COLLATE NOCASE UNIQUE,
      color      TEXT NOT NULL,
      hotkey     TEXT UNIQUE,
      position   INTEGER NOT NULL,
      created_at TEXT NOT NULL
    ) STRICT;

    CREATE TABLE clips (
      id           INTEGER PRIMARY KEY,
      path         TEXT NOT NULL UNIQUE,
      content_hash TEXT NOT NULL,
      duration     REAL NOT NULL CHECK (duration >= 0),
      sample_rate  INTEGER NOT NULL CHECK (sample_rate > 0),
      channels     INTEGER NOT NULL CHECK (channels > 0),
      size         INTEGER NOT NULL CHECK (size >= 0),
      codec        TEXT NOT NULL,
      group_name   TEXT,
      fold         INTEGER,
      split        TEXT CHECK (split IN ('train', 'val', 'test')),
      missing      INTEGER NOT NULL DEFAULT 0 CHECK (missing IN (0, 1)),
      added_at     TEXT NOT NULL
    ) STRICT;
    CREATE INDEX clips_content_hash ON clips (content_hash);
    CREATE INDEX clips_group ON clips (group_name);
    CREATE INDEX clips_split ON clips (split);

    CREATE TABLE clip_labels (
      clip_id    INTEGER NOT NULL REFERENCES clips (id) ON DELETE CASCADE,
      class_id   INTEGER NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
      author     TEXT NOT NULL,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      PRIMARY KEY (clip_id, class_id)
    ) STRICT;
    CREATE INDEX clip_labels_class ON clip_labels (class_id);

    -- Region labels span [start, end) seconds; with low and high frequency (Hz) they are
    -- time-frequency boxes as Raven draws them.
    CREATE TABLE region_labels (
      id         INTEGER PRIMARY KEY,
      clip_id    INTEGER NOT NULL REFERENCES clips (id) ON DELETE CASCADE,
      class_id   INTEGER REFERENCES classes (id) ON DELETE CASCADE,
      start      REAL NOT NULL CHECK (start >= 0),
      end        REAL NOT NULL CHECK (end > start),
      low_freq   REAL CHECK (low_freq >= 0),
      high_freq  REAL CHECK (high_freq > low_freq),
      author     TEXT NOT NULL,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    ) STRICT;
    CREATE INDEX region_labels_clip ON region_labels (clip_id);
    CREATE INDEX region_labels_class ON region_labels (class_id);

    CREATE TABLE jobs (
      id          INTEGER PRIMARY KEY,
      kind        TEXT NOT NULL,
      state       TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),
      params      TEXT NOT NULL DEFAULT '{}',
      done        INTEGER NOT NULL DEFAULT 0,
      total       INTEGER,
      message     TEXT NOT NULL DEFAULT '',
      error       TEXT,
      result      TEXT,
      cancel_requested INTEGER NOT NULL DEFAULT 0 CHECK (cancel_requested IN (0, 1)),
      created_at  TEXT NOT NULL,
      started_at  TEXT,
      finished_at TEXT
    ) STRICT;
    CREATE INDEX jobs_state ON jobs (state);
  `)
}
