import type { Database } from 'better-sqlite3'

/**
 * Labeling: clip flags and notes, a file name column to search and sort by, indexes for the clip
 * browser's sorts, and the edit log behind undo and redo.
 */
export function migrateTo0002(db: Database): void {
  db.exec(`
    ALTER TABLE clips ADD COLUMN name TEXT NOT NULL DEFAULT '';
    ALTER TABLE clips ADD COLUMN unsure INTEGER NOT NULL DEFAULT 0 CHECK (unsure IN (0, 1));
    ALTER TABLE clips ADD COLUMN bad_audio INTEGER NOT NULL DEFAULT 0 CHECK (bad_audio IN (0, 1));
    ALTER TABLE clips ADD COLUMN note TEXT NOT NULL DEFAULT '';
    ALTER TABLE clips ADD COLUMN labeled_at TEXT;
  `)
  // The file name without its folders: what a person searches for and sorts by.
  const rows = db.prepare('SELECT id, path FROM clips').all() as { id: number; path: string }[]
  const setName = db.prepare('UPDATE clips SET name = ? WHERE id = ?')
  for (const row of rows) setName.run(row.path.split(/[/\\]/).pop() ?? row.path, row.id)
  db.exec(`
    CREATE INDEX clips_name ON clips (name COLLATE NOCASE, id);
    CREATE INDEX clips_duration ON clips (duration, id);
    CREATE INDEX clips_added ON clips (added_at, id);
    CREATE INDEX clips_group_id ON clips (group_name, id);
    CREATE INDEX clips_split_id ON clips (split, id);
    CREATE INDEX clip_labels_class_clip ON clip_labels (class_id, clip_id);

    -- Every labeling action, with the state before and after, so that undo and redo work across
    -- clips, across reloads, and from any window. Entries after an undo are dropped by a new edit.
    CREATE TABLE edits (
      id         INTEGER PRIMARY KEY,
      kind       TEXT NOT NULL,
      clip_id    INTEGER NOT NULL REFERENCES clips (id) ON DELETE CASCADE,
      before     TEXT NOT NULL,
      after      TEXT NOT NULL,
      undone     INTEGER NOT NULL DEFAULT 0 CHECK (undone IN (0, 1)),
      author     TEXT NOT NULL,
      at         TEXT NOT NULL
    ) STRICT;
  `)
}
