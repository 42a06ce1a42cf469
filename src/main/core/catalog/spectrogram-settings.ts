import type { Database } from 'better-sqlite3'
import { spectrogramSettingsSchema, type SpectrogramSettings } from '@shared/spectrogram'
import { getSetting, setSetting } from './settings'

/**
 * The spectrogram settings the project was left with, or null when it never had any (or what it
 * holds no longer passes the schema, e.g. written by a later version: the defaults do better).
 */
export function getSpectrogramSettings(db: Database): SpectrogramSettings | null {
  const raw = getSetting(db, 'spectrogram')
  if (raw === undefined) return null
  try {
    const parsed = spectrogramSettingsSchema.safeParse(JSON.parse(raw))
    return parsed.success ? parsed.data : null
  } catch {
    return null
  }
}

/** Keeps the spectrogram settings in the project (checked by the contract before they come here). */
export function setSpectrogramSettings(db: Database, settings: SpectrogramSettings): SpectrogramSettings {
  setSetting(db, 'spectrogram', JSON.stringify(settings))
  return settings
}
