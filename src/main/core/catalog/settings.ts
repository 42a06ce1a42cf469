import type { Database } from 'better-sqlite3'

/** Keys of the project settings table. */
export type SettingKey = 'name' | 'created_at' | 'multi_label' | 'spectrogram'

/** A project setting, or undefined when unset. */
export function getSetting(db: Database, key: SettingKey): string | undefined {
  const row = db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined
  return row?.value
}

/** Sets a project setting. */
export function setSetting(db: Database, key: SettingKey, value: string): void {
  db.prepare(
    'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  ).run(key, value)
}
