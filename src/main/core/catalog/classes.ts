import type { Database } from 'better-sqlite3'
import type { ClassInfo } from '@shared/domain'
import { nameKey, nameProblem, normalizeName, printable } from '@shared/names'
import { EarmarkError, notFound } from '../errors'

/** Tableau 10: distinct colours that stay readable on light and dark backgrounds. */
const PALETTE = [
  '#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f',
  '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac',
] // prettier-ignore

/** Hotkeys handed out in order to new classes, as on a keyboard's number row. */
const DEFAULT_HOTKEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0']

interface ClassRow {
  id: number
  name: string
  color: string
  hotkey: string | null
  position: number
  clip_count: number
  region_count: number
}

const SELECT_CLASSES = `
  SELECT c.id, c.name, c.color, c.hotkey, c.position,
         (SELECT COUNT(*) FROM clip_labels l WHERE l.class_id = c.id) AS clip_count,
         (SELECT COUNT(*) FROM region_labels r WHERE r.class_id = c.id) AS region_count
  FROM classes c`

const toClassInfo = (r: ClassRow): ClassInfo => ({
  id: r.id,
  name: r.name,
  color: r.color,
  hotkey: r.hotkey,
  position: r.position,
  clipCount: r.clip_count,
  regionCount: r.region_count,
})

/** Every class in palette order, with how many labels carry it. */
export function listClasses(db: Database): ClassInfo[] {
  return (db.prepare(`${SELECT_CLASSES} ORDER BY c.position, c.id`).all() as ClassRow[]).map(toClassInfo)
}

/** One class by id. */
export function getClass(db: Database, id: number): ClassInfo {
  const row = db.prepare(`${SELECT_CLASSES} WHERE c.id = ?`).get(id) as ClassRow | undefined
  if (!row) throw notFound(`Class ${id}`)
  return toClassInfo(row)
}

/**
 * One class by name, or undefined: compared after NFC normalisation and case-insensitively in
 * every script (the column's NOCASE folds only A-Z). Classes are few, so they are compared here.
 */
export function findClassByName(db: Database, name: string): ClassInfo | undefined {
  const key = nameKey(name)
  const rows = db.prepare('SELECT id, name FROM classes').all() as { id: number; name: string }[]
  const match = rows.find((r) => nameKey(r.name) === key)
  return match && getClass(db, match.id)
}

/**
 * A class name as it is stored, whichever path it came by (the studio, an import manifest, a
 * label file): normalised to NFC, or refused as invalid input saying why.
 */
function checkedClassName(raw: string): string {
  const name = normalizeName(raw)
  const problem = nameProblem(name)
  if (problem) {
    const shown = name.length > 60 ? `${name.slice(0, 60)}…` : name
    throw new EarmarkError('invalid-input', `The class name "${printable(shown)}" ${problem}.`)
  }
  return name
}

/** What a new class needs; colour and hotkey are picked when left out. */
export interface NewClass {
  name: string
  color?: string
  /** null: no hotkey; undefined: the next free one. */
  hotkey?: string | null
}

/** Adds a class at the end of the palette. */
export function addClass(db: Database, input: NewClass, now: Date = new Date()): ClassInfo {
  return db
    .transaction(() => {
      const name = checkedClassName(input.name)
      assertNameFree(db, name)
      if (input.hotkey) assertHotkeyFree(db, input.hotkey)
      const count = db.prepare('SELECT COUNT(*) AS n, MAX(position) AS last FROM classes').get() as {
        n: number
        last: number | null
      }
      const color = input.color ?? PALETTE[count.n % PALETTE.length] ?? '#4e79a7'
      const hotkey = input.hotkey === undefined ? nextFreeHotkey(db, name) : input.hotkey
      const info = db
        .prepare('INSERT INTO classes (name, color, hotkey, position, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(name, color, hotkey, (count.last ?? -1) + 1, now.toISOString())
      return getClass(db, Number(info.lastInsertRowid))
    })
    .immediate()
}

/** Changes to a class; fields left out stay as they are. */
export interface ClassChanges {
  name?: string
  color?: string
  hotkey?: string | null
  /** When `hotkey` is another class's: that class takes this one's old key (or none) instead of a refusal. */
  swapHotkey?: boolean
}

/** Renames, recolours or re-keys a class. */
export function updateClass(db: Database, id: number, changes: ClassChanges): ClassInfo {
  return db
    .transaction(() => {
      const current = getClass(db, id)
      const name = changes.name === undefined ? undefined : checkedClassName(changes.name)
      if (name !== undefined && nameKey(name) !== nameKey(current.name)) assertNameFree(db, name)
      if (changes.hotkey && changes.hotkey !== current.hotkey) {
        const holder = changes.swapHotkey ? hotkeyHolder(db, changes.hotkey) : undefined
        // The key is unique: the holder lets go of it before this class takes it, then takes the old one.
        if (holder) db.prepare('UPDATE classes SET hotkey = NULL WHERE id = ?').run(holder.id)
        else assertHotkeyFree(db, changes.hotkey)
        db.prepare('UPDATE classes SET hotkey = ? WHERE id = ?').run(changes.hotkey, id)
        if (holder) db.prepare('UPDATE classes SET hotkey = ? WHERE id = ?').run(current.hotkey, holder.id)
      }
      db.prepare('UPDATE classes SET name = ?, color = ?, hotkey = ? WHERE id = ?').run(
        name ?? current.name,
        changes.color ?? current.color,
        changes.hotkey === undefined ? current.hotkey : changes.hotkey,
        id,
      )
      return getClass(db, id)
    })
    .immediate()
}

/** Deletes a class and every label that carries it; returns how many labels went with it. */
export function removeClass(db: Database, id: number): number {
  return db
    .transaction(() => {
      const info = getClass(db, id)
      db.prepare('DELETE FROM classes WHERE id = ?').run(id)
      db.prepare('UPDATE classes SET position = position - 1 WHERE position > ?').run(info.position)
      return info.clipCount + info.regionCount
    })
    .immediate()
}

function assertNameFree(db: Database, name: string): void {
  if (findClassByName(db, name)) {
    throw new EarmarkError('conflict', `A class named "${name}" already exists.`)
  }
}

function hotkeyHolder(db: Database, hotkey: string): { id: number; name: string } | undefined {
  return db.prepare('SELECT id, name FROM classes WHERE hotkey = ?').get(hotkey) as
    { id: number; name: string } | undefined
}

function assertHotkeyFree(db: Database, hotkey: string): void {
  const holder = hotkeyHolder(db, hotkey)
  if (holder) throw new EarmarkError('conflict', `Key "${hotkey}" already labels "${holder.name}".`)
}

/** Letters the Explore queue walks and opens clips with: a class gets one only when asked. */
const COMMAND_KEYS = new Set(['j', 'k', 'o'])

/**
 * The key a new class gets: a one-character name is its own key when free (class "3" on key 3,
 * class "a" on key a), so digits and letters label as they read; otherwise the first free of 1-9, 0.
 */
function nextFreeHotkey(db: Database, name: string): string | null {
  const taken = new Set(
    (db.prepare('SELECT hotkey FROM classes WHERE hotkey IS NOT NULL').all() as { hotkey: string }[]).map(
      (r) => r.hotkey,
    ),
  )
  const own = name.toLowerCase()
  if (/^[0-9a-z]$/.test(own) && !taken.has(own) && !COMMAND_KEYS.has(own)) return own
  return DEFAULT_HOTKEYS.find((k) => !taken.has(k)) ?? null
}

/** The id of the class with this name, adding the class when the project does not have it yet. */
export function ensureClass(db: Database, name: string, now: Date = new Date()): number {
  const checked = checkedClassName(name)
  return findClassByName(db, checked)?.id ?? addClass(db, { name: checked }, now).id
}

/** Puts the classes in the given order (every class id exactly once). */
export function reorderClasses(db: Database, ids: readonly number[]): ClassInfo[] {
  return db
    .transaction(() => {
      const all = listClasses(db).map((c) => c.id)
      if (ids.length !== all.length || new Set(ids).size !== ids.length || !all.every((id) => ids.includes(id))) {
        throw new EarmarkError('invalid-input', 'A new order must name every class exactly once.')
      }
      const set = db.prepare('UPDATE classes SET position = ? WHERE id = ?')
      ids.forEach((id, position) => set.run(position, id))
      return listClasses(db)
    })
    .immediate()
}

/**
 * Merges one class into another: clips and regions labelled `from` become `into` (a clip that
 * had both keeps one label), then `from` is deleted. Returns how many labels moved.
 */
export function mergeClasses(db: Database, from: number, into: number): number {
  if (from === into) throw new EarmarkError('invalid-input', 'A class cannot be merged into itself.')
  return db
    .transaction(() => {
      const source = getClass(db, from)
      getClass(db, into)
      db.prepare(
        `INSERT OR IGNORE INTO clip_labels (clip_id, class_id, author, created_at, updated_at)
       SELECT clip_id, ?, author, created_at, updated_at FROM clip_labels WHERE class_id = ?`,
      ).run(into, from)
      db.prepare('UPDATE region_labels SET class_id = ? WHERE class_id = ?').run(into, from)
      removeClass(db, from)
      return source.clipCount + source.regionCount
    })
    .immediate()
}
