import { readFile } from 'node:fs/promises'
import type { Database } from 'better-sqlite3'
import { parse } from 'csv-parse/sync'
import { splits as splitNames, type Split } from '@shared/domain'
import type { ClipSplitState, GroupSplitRow, SplitCounts, SplitEditResult } from '@shared/splits'
import { clipSplitFacts, clipSplitReader, putClipSplits, type ClipSplitFacts } from '../catalog/clip-splits'
import { recordEdit } from '../catalog/edits'
import { EarmarkError } from '../errors'
import { groupHoldOut, holdOut, type Fold } from '../evaluation/splits'
import { clipFinder } from '../interchange/model'
import { unescapeCell } from '../interchange/formats'
import type { Stamp } from '../labeling'

/*
 * Setting clips' splits in the catalog. A split column is what every run's split policy follows
 * first, so this is how a user holds chosen speakers out, draws a split once and keeps it, or
 * corrects a dataset's own split. Every edit is one write transaction and one entry of the edit
 * log, so a single undo puts every clip it touched back.
 */

/** How to set splits: see `planSplits`. */
export type SplitRequest =
  | {
      by: 'group'
      /** Groups to put in test (the rest: train, or val when named in `valGroups`). */
      testGroups?: string[]
      valGroups?: string[]
      /** Without named groups: about this share of the clips to test, in whole groups. */
      testFraction?: number
      valFraction?: number
      seed: number
    }
  | { by: 'random'; testFraction: number; valFraction?: number; seed: number }
  | { by: 'csv'; path: string }

/** A bulk edit: the fields given are set on every listed clip (null clears). */
export interface SplitFieldsEdit {
  clipIds: number[]
  split?: Split | null
  group?: string | null
  fold?: number | null
}

type ClipFacts = ClipSplitFacts
const clipFacts = clipSplitFacts

/** Every group with its clips per class and per split, groups by name, the clips without one last. */
export function groupSplitRows(db: Database): GroupSplitRow[] {
  const rows = new Map<string | null, GroupSplitRow>()
  for (const clip of clipFacts(db)) {
    let row = rows.get(clip.group)
    if (!row) {
      row = { group: clip.group, clips: 0, perClass: {}, splits: { train: 0, val: 0, test: 0, none: 0 } }
      rows.set(clip.group, row)
    }
    row.clips++
    const label = clip.label ?? '(unlabelled)'
    row.perClass[label] = (row.perClass[label] ?? 0) + 1
    row.splits[clip.split ?? 'none']++
  }
  return [...rows.values()].sort((a, b) =>
    a.group === null ? 1 : b.group === null ? -1 : a.group.localeCompare(b.group, undefined, { numeric: true }),
  )
}

/** Class index per clip for a stratified draw; clips without a class form a class of their own. */
function stratum(clips: readonly ClipFacts[]): Int32Array {
  const index = new Map<string | null, number>()
  return Int32Array.from(clips, (c) => {
    let k = index.get(c.label)
    if (k === undefined) {
      k = index.size
      index.set(c.label, k)
    }
    return k
  })
}

function checkFractions(testFraction: number, valFraction: number): void {
  if (!(testFraction > 0 && testFraction < 1)) {
    throw new EarmarkError('invalid-input', `the test fraction must be between 0 and 1, not ${testFraction}`)
  }
  if (!(valFraction >= 0 && testFraction + valFraction < 1)) {
    throw new EarmarkError(
      'invalid-input',
      `the validation fraction must be at least 0 and leave clips to train on beside ${testFraction} to test, not ${valFraction}`,
    )
  }
}

/**
 * The draw of test, then validation, over `clips`: by whole groups (`byGroup`) or stratified by
 * class. Validation is drawn from what test left, at the share that makes it `valFraction` of all.
 */
function draw(
  clips: readonly ClipFacts[],
  testFraction: number,
  valFraction: number,
  seed: number,
  byGroup: boolean,
): Split[] {
  const hold = (rows: readonly number[], fraction: number, s: number): Fold => {
    const subset = rows.map((r) => clips[r] as ClipFacts)
    const y = stratum(subset)
    const fold = byGroup
      ? groupHoldOut(
          y,
          subset.map((c) => c.group),
          fraction,
          s,
        )
      : holdOut(subset.length, fraction, s, y)
    return { train: fold.train.map((i) => rows[i] as number), test: fold.test.map((i) => rows[i] as number) }
  }
  const out: Split[] = clips.map(() => 'train')
  const all = clips.map((_, i) => i)
  const first = hold(all, testFraction, seed)
  for (const r of first.test) out[r] = 'test'
  if (valFraction > 0) {
    const second = hold(first.train, valFraction / (1 - testFraction), seed + 1)
    for (const r of second.test) out[r] = 'val'
  }
  return out
}

/** The split, group and fold each clip is to have, and the edit in words. */
interface SplitPlan {
  targets: ClipSplitState[]
  unknownClips: string[]
  description: string
}

/**
 * What a split request would set, clip by clip (nothing is written):
 * - `group` with named groups: those groups to test (and `valGroups` to val), every other clip to
 *   train; without names, about `testFraction` of the clips to test in whole groups, seeded and
 *   stratified by class as far as the groups allow (a clip without a group is a group of its own);
 * - `random`: a seeded draw of `testFraction` of each class to test (and `valFraction` to val);
 * - `csv`: rows of `path` (or `clip`, a clip id) with any of `split`, `group`, `fold`: the columns
 *   present are set (an empty cell clears), others kept.
 */
async function planSplits(db: Database, request: SplitRequest): Promise<SplitPlan> {
  const clips = clipFacts(db)
  if (request.by === 'csv') return planFromCsv(db, clips, request.path)
  if (clips.length === 0) throw new EarmarkError('invalid-input', 'the project has no clips to split')
  if (request.by === 'random') {
    const valFraction = request.valFraction ?? 0
    checkFractions(request.testFraction, valFraction)
    const sides = draw(clips, request.testFraction, valFraction, request.seed, false)
    return {
      targets: clips.map((c, i) => ({ ...c, split: sides[i] as Split })),
      unknownClips: [],
      description: `Split ${clips.length} clips at random: ${pct(request.testFraction)} of each class to test${valFraction > 0 ? `, ${pct(valFraction)} to val` : ''} (seed ${request.seed})`,
    }
  }
  const known = new Set(clips.map((c) => c.group).filter((g): g is string => g !== null))
  if (known.size === 0) {
    throw new EarmarkError('invalid-input', 'no clip has a group: give clips groups, or split them at random')
  }
  const { testGroups, valGroups } = request
  if (testGroups !== undefined || valGroups !== undefined) {
    if (request.testFraction !== undefined || request.valFraction !== undefined) {
      throw new EarmarkError('invalid-input', 'name the groups to hold out, or give fractions, not both')
    }
    const test = new Set(testGroups ?? [])
    const val = new Set(valGroups ?? [])
    const unknown = [...test, ...val].filter((g) => !known.has(g))
    if (unknown.length > 0) {
      throw new EarmarkError(
        'invalid-input',
        `no clip is in group ${unknown.map((g) => `"${g}"`).join(', ')}; the project's groups: ${[...known].sort().slice(0, 20).join(', ')}${known.size > 20 ? ', …' : ''}`,
      )
    }
    const both = [...test].filter((g) => val.has(g))
    if (both.length > 0) throw new EarmarkError('invalid-input', `group ${both.join(', ')} cannot be in test and val`)
    if (test.size === 0) throw new EarmarkError('invalid-input', 'name at least one group to hold out to test')
    const targets = clips.map((c) => ({
      ...c,
      split: (c.group !== null && test.has(c.group)
        ? 'test'
        : c.group !== null && val.has(c.group)
          ? 'val'
          : 'train') as Split,
    }))
    if (!targets.some((t) => t.split === 'train')) {
      throw new EarmarkError('invalid-input', 'every clip would be held out: leave at least one group to train on')
    }
    const names = (s: Set<string>) => [...s].sort().join(', ')
    return {
      targets,
      unknownClips: [],
      description: `Held out ${names(test)} to test${val.size > 0 ? `, ${names(val)} to val` : ''}; the other clips to train`,
    }
  }
  const testFraction = request.testFraction ?? 0.2
  const valFraction = request.valFraction ?? 0
  checkFractions(testFraction, valFraction)
  const units = new Set(clips.map((c) => c.group ?? `\u0000${c.id}`)).size
  if (units < (valFraction > 0 ? 3 : 2)) {
    throw new EarmarkError(
      'invalid-input',
      units === 1
        ? `every clip is in one group (${[...known][0] as string}): there is no other group to hold out; split at random instead`
        : `holding out test${valFraction > 0 ? ' and val' : ''} groups needs at least ${valFraction > 0 ? 3 : 2} groups; the project has ${units}`,
    )
  }
  const sides = draw(clips, testFraction, valFraction, request.seed, true)
  return {
    targets: clips.map((c, i) => ({ ...c, split: sides[i] as Split })),
    unknownClips: [],
    description: `Held out whole groups, about ${pct(testFraction)} of the clips to test${valFraction > 0 ? ` and ${pct(valFraction)} to val` : ''} (seed ${request.seed})`,
  }
}

const pct = (f: number): string => `${Math.round(f * 1000) / 10}%`

/** Column names a split CSV may use for the clip. */
const CLIP_COLUMNS = ['path', 'clip', 'file', 'filename'] as const

async function planFromCsv(db: Database, clips: readonly ClipFacts[], path: string): Promise<SplitPlan> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new EarmarkError('invalid-input', `cannot read ${path}: ${(error as Error).message}`)
  }
  let records: Record<string, string | undefined>[]
  try {
    records = parse(text, {
      columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
      skip_empty_lines: true,
      trim: true,
      bom: true,
    })
  } catch (error) {
    throw new EarmarkError('invalid-input', `cannot read ${path} as CSV: ${(error as Error).message}`)
  }
  const columns = new Set(Object.keys(records[0] ?? {}))
  const clipColumn = CLIP_COLUMNS.find((c) => columns.has(c))
  if (!clipColumn) throw new EarmarkError('invalid-input', `${path}: no "path" (or "clip") column naming the clips`)
  const fields = (['split', 'group', 'fold'] as const).filter((c) => columns.has(c))
  if (fields.length === 0) {
    throw new EarmarkError('invalid-input', `${path}: no "split", "group" or "fold" column: nothing to set`)
  }
  const find = clipFinder(db)
  const byId = new Map(clips.map((c) => [c.id, c]))
  const targets = new Map<number, ClipSplitState>()
  const unknownClips: string[] = []
  records.forEach((r, i) => {
    const line = i + 2
    const key = unescapeCell(r[clipColumn] ?? '')
    const id = clipColumn === 'clip' && /^\d+$/.test(key) ? Number(key) : find(key)
    const clip = id === undefined ? undefined : byId.get(id)
    if (!clip) {
      unknownClips.push(key)
      return
    }
    const next = { ...(targets.get(clip.id) ?? clip) }
    for (const field of fields) {
      const cell = unescapeCell(r[field] ?? '')
      next[field] = parseField(field, cell, `${path}:${line}`) as never
    }
    targets.set(clip.id, { id: next.id, split: next.split, group: next.group, fold: next.fold })
  })
  return {
    targets: [...targets.values()],
    unknownClips,
    description: `Set ${fields.join(', ')} of ${targets.size} clips from ${path.split(/[/\\]/).pop() ?? path}`,
  }
}

/** A CSV cell as the value of a field; empty clears it. A bad value is invalid input, naming the line. */
export function parseField(
  field: 'split' | 'group' | 'fold',
  cell: string,
  where: string,
): Split | string | number | null {
  const value = cell.trim()
  if (value === '') return null
  if (field === 'split') {
    const split = value.toLowerCase()
    if (!(splitNames as readonly string[]).includes(split)) {
      throw new EarmarkError('invalid-input', `${where}: split must be train, val or test, not "${cell}"`)
    }
    return split as Split
  }
  if (field === 'fold') {
    if (!/^\d+$/.test(value))
      throw new EarmarkError('invalid-input', `${where}: fold must be a whole number, not "${cell}"`)
    return Number(value)
  }
  return value
}

/**
 * Writes clips' split, group and fold in one write transaction (taken at once, so that no other
 * writer slips in between reading and writing), and records the clips that changed as one entry of
 * the edit log: one undo restores them all. Returns how many changed.
 */
function writeSplitStates(db: Database, targets: readonly ClipSplitState[], description: string, stamp: Stamp): number {
  return db
    .transaction(() => {
      const read = clipSplitReader(db)
      const before: ClipSplitState[] = []
      const after: ClipSplitState[] = []
      for (const target of targets) {
        const now = read(target.id)
        if (!now) continue
        if (now.split === target.split && now.group === target.group && now.fold === target.fold) continue
        before.push(now)
        after.push({ id: target.id, split: target.split, group: target.group, fold: target.fold })
      }
      if (after.length === 0) return 0
      putClipSplits(db, after)
      recordEdit(
        db,
        { kind: 'split', clipId: (after[0] as ClipSplitState).id, before, after, description },
        stamp.author,
        stamp.now,
      )
      return after.length
    })
    .immediate()
}

/** What the project's splits are after an edit. */
function resultOf(db: Database, changed: number, unknownClips: string[], description: string): SplitEditResult {
  const counts: SplitCounts = { train: 0, val: 0, test: 0, none: 0 }
  const sidesOf = new Map<string, Set<string>>()
  for (const clip of clipFacts(db)) {
    counts[clip.split ?? 'none']++
    if (clip.group === null) continue
    const sides = sidesOf.get(clip.group) ?? new Set<string>()
    sides.add(clip.split ?? 'none')
    sidesOf.set(clip.group, sides)
  }
  const whollyIn = (split: Split) =>
    [...sidesOf.entries()]
      .filter(([, sides]) => sides.size === 1 && sides.has(split))
      .map(([g]) => g)
      .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))
  return { changed, counts, testGroups: whollyIn('test'), valGroups: whollyIn('val'), unknownClips, description }
}

/** Sets splits by group, at random or from a CSV file (`planSplits`), as one undoable edit. */
export async function setSplits(db: Database, request: SplitRequest, stamp: Stamp): Promise<SplitEditResult> {
  const plan = await planSplits(db, request)
  const changed = writeSplitStates(db, plan.targets, plan.description, stamp)
  return resultOf(db, changed, plan.unknownClips, plan.description)
}

/** Sets the given fields on every listed clip, as one undoable edit; an unknown clip id is invalid input. */
export function editClipSplits(db: Database, edit: SplitFieldsEdit, stamp: Stamp): SplitEditResult {
  const read = clipSplitReader(db)
  const ids = [...new Set(edit.clipIds)]
  const targets = ids.map((id) => {
    const clip = read(id)
    if (!clip) throw new EarmarkError('invalid-input', `no clip has id ${id}`)
    return {
      id,
      split: edit.split === undefined ? clip.split : edit.split,
      group: edit.group === undefined ? clip.group : edit.group,
      fold: edit.fold === undefined ? clip.fold : edit.fold,
    }
  })
  const what = [
    edit.split === undefined ? null : `split ${edit.split ?? '(none)'}`,
    edit.group === undefined ? null : `group ${edit.group ?? '(none)'}`,
    edit.fold === undefined ? null : `fold ${edit.fold ?? '(none)'}`,
  ].filter((s): s is string => s !== null)
  if (what.length === 0) throw new EarmarkError('invalid-input', 'give a split, group or fold to set')
  const description = `Set ${what.join(', ')} on ${ids.length} ${ids.length === 1 ? 'clip' : 'clips'}`
  const changed = writeSplitStates(db, targets, description, stamp)
  return resultOf(db, changed, [], description)
}
