import { existsSync } from 'node:fs'
import type { Database } from 'better-sqlite3'
import { allClipPaths, setClipMissing } from '../catalog/clips'

/** What a re-scan found. */
export interface RescanResult {
  checked: number
  /** Clips whose file is not where the catalog says. */
  missing: number
  /** Clips flagged missing before whose file is back. */
  restored: number
}

/**
 * Checks that every clip's file is still there, flagging the missing ones (never deleting them:
 * their labels stay, and an import that meets the same content elsewhere points them at it).
 */
export function rescanClips(db: Database): RescanResult {
  const result: RescanResult = { checked: 0, missing: 0, restored: 0 }
  const clips = allClipPaths(db)
  db.transaction(() => {
    for (const clip of clips) {
      result.checked++
      const present = existsSync(clip.path)
      if (!present) result.missing++
      if (present === clip.missing) {
        setClipMissing(db, clip.id, !present)
        if (present) result.restored++
      }
    }
  }).immediate()
  return result
}
