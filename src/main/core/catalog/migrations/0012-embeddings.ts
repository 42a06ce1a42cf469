import type { Database } from 'better-sqlite3'

/**
 * Embeddings: a base model's vector for each window of each recording, computed once. A space is
 * one base (identified by the hash of its files, not by where it lies) with one window setting;
 * its vectors are keyed by the audio's content hash and the window's start, so a moved or
 * duplicated file finds its vectors again. Vectors are float32, L2-normalised (cosine similarity is
 * their dot product). Each space also has a vector index (a sqlite-vec `vec0` table named
 * `embedding_index_<space id>`, created with the space because its width is the base's), whose
 * rowids are this table's ids. Windows marked as none of the classes are kept by clip and span.
 */
export function migrateTo0012(db: Database): void {
  db.exec(`
    CREATE TABLE embedding_spaces (
      id          INTEGER PRIMARY KEY,
      base_hash   TEXT NOT NULL,
      -- What the base is ('earmark', 'tfjs-layers', 'tfjs-graph', 'onnx') and where it was read from.
      base_kind   TEXT NOT NULL,
      base_path   TEXT NOT NULL,
      -- The rate windows are read at, their length and hop (seconds).
      sample_rate INTEGER NOT NULL CHECK (sample_rate > 0),
      window      REAL NOT NULL CHECK (window > 0),
      hop         REAL NOT NULL CHECK (hop > 0),
      dims        INTEGER NOT NULL CHECK (dims > 0),
      created_at  TEXT NOT NULL,
      UNIQUE (base_hash, sample_rate, window, hop)
    ) STRICT;

    CREATE TABLE embeddings (
      id           INTEGER PRIMARY KEY,
      space_id     INTEGER NOT NULL REFERENCES embedding_spaces (id) ON DELETE CASCADE,
      content_hash TEXT NOT NULL,
      start        REAL NOT NULL CHECK (start >= 0),
      "end"        REAL NOT NULL,
      vector       BLOB NOT NULL,
      CHECK ("end" > start),
      UNIQUE (space_id, content_hash, start)
    ) STRICT;
    CREATE INDEX embeddings_content ON embeddings (content_hash);

    -- Windows a person marked, from search results, as none of the project's classes: background
    -- for heads trained on the embeddings, as a rejected detection is for training on regions.
    CREATE TABLE embedding_negatives (
      id         INTEGER PRIMARY KEY,
      clip_id    INTEGER NOT NULL REFERENCES clips (id) ON DELETE CASCADE,
      start      REAL NOT NULL CHECK (start >= 0),
      "end"      REAL NOT NULL,
      created_at TEXT NOT NULL,
      CHECK ("end" > start),
      UNIQUE (clip_id, start, "end")
    ) STRICT;
  `)
}
