import type { Database } from 'better-sqlite3'
import type { ClipDetail, ClipFilter, ClipPage, ClipRow, ClipSortColumn, Region, Split } from '@shared/domain'
import { notFound } from '../errors'
import { listRegions } from './regions'

/** The clip browser's order: a column and a direction; ties break by id. */
export interface ClipSort {
  column: ClipSortColumn
  direction: 'asc' | 'desc'
}

/** SQL expressions for each sort column (never NULL, so keyset comparisons hold). */
const SORT_EXPRESSIONS: Record<ClipSortColumn, string> = {
  name: 'c.name COLLATE NOCASE',
  duration: 'c.duration',
  group: "COALESCE(c.group_name, '')",
  split: "COALESCE(c.split, '')",
  added: 'c.added_at',
  label:
    'COALESCE((SELECT MIN(k.position) FROM clip_labels l JOIN classes k ON k.id = l.class_id WHERE l.clip_id = c.id), 1000000000)',
  status: '(c.missing * 4 + c.bad_audio * 2 + c.unsure)',
}

interface Where {
  sql: string
  params: unknown[]
}

/** Turns a filter into a WHERE clause; all parameters are bound, never spliced. */
function whereOf(filter: ClipFilter): Where {
  const parts: string[] = []
  const params: unknown[] = []
  if (filter.classIds && filter.classIds.length > 0) {
    parts.push(
      `EXISTS (SELECT 1 FROM clip_labels l WHERE l.clip_id = c.id AND l.class_id IN (${filter.classIds.map(() => '?').join(',')}))`,
    )
    params.push(...filter.classIds)
  }
  if (filter.unlabeled) parts.push('NOT EXISTS (SELECT 1 FROM clip_labels l WHERE l.clip_id = c.id)')
  if (filter.flagged) parts.push('(c.unsure = 1 OR c.bad_audio = 1)')
  if (filter.missing !== undefined) parts.push(`c.missing = ${filter.missing ? 1 : 0}`)
  if (filter.split === 'none') parts.push('c.split IS NULL')
  else if (filter.split) {
    parts.push('c.split = ?')
    params.push(filter.split)
  }
  if (filter.group !== undefined) {
    parts.push('c.group_name = ?')
    params.push(filter.group)
  }
  if (filter.minDuration !== undefined) {
    parts.push('c.duration >= ?')
    params.push(filter.minDuration)
  }
  if (filter.maxDuration !== undefined) {
    parts.push('c.duration <= ?')
    params.push(filter.maxDuration)
  }
  if (filter.search) {
    parts.push("c.name LIKE ? ESCAPE '\\'")
    params.push(`%${filter.search.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`)
  }
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params }
}

const ROW_COLUMNS = `c.id, c.name, c.path, c.duration, c.sample_rate, c.channels, c.group_name, c.split, c.fold,
  c.unsure, c.bad_audio, c.note, c.missing,
  (SELECT group_concat(l.class_id) FROM (SELECT l.class_id FROM clip_labels l JOIN classes k ON k.id = l.class_id
     WHERE l.clip_id = c.id ORDER BY k.position) l) AS label_ids,
  (SELECT COUNT(*) FROM region_labels r WHERE r.clip_id = c.id) AS region_count`

interface Row {
  id: number
  name: string
  path: string
  duration: number
  sample_rate: number
  channels: number
  group_name: string | null
  split: Split | null
  fold: number | null
  unsure: number
  bad_audio: number
  note: string
  missing: number
  label_ids: string | null
  region_count: number
}

const toClipRow = (r: Row): ClipRow => ({
  id: r.id,
  name: r.name,
  path: r.path,
  duration: r.duration,
  sampleRate: r.sample_rate,
  channels: r.channels,
  group: r.group_name,
  split: r.split,
  fold: r.fold,
  labels: r.label_ids ? r.label_ids.split(',').map(Number) : [],
  unsure: r.unsure === 1,
  badAudio: r.bad_audio === 1,
  note: r.note,
  missing: r.missing === 1,
  regionCount: r.region_count,
})

/** One page of clips matching a filter, in order, and how many match in all. */
export function queryClips(db: Database, filter: ClipFilter, sort: ClipSort, offset: number, limit: number): ClipPage {
  const where = whereOf(filter)
  const order = `${SORT_EXPRESSIONS[sort.column]} ${sort.direction}, c.id ${sort.direction}`
  const rows = db
    .prepare(`SELECT ${ROW_COLUMNS} FROM clips c ${where.sql} ORDER BY ${order} LIMIT ? OFFSET ?`)
    .all(...where.params, limit, offset) as Row[]
  return { rows: rows.map(toClipRow), total: countClips(db, filter) }
}

/** The ids of every clip matching a filter, in id order: "the clips the list shows", for a bulk edit. */
export function clipIdsMatching(db: Database, filter: ClipFilter): number[] {
  const where = whereOf(filter)
  return db
    .prepare(`SELECT c.id FROM clips c ${where.sql} ORDER BY c.id`)
    .pluck()
    .all(...where.params) as number[]
}

/**
 * How many clips match a filter. The browser's most used filters, a class or "unlabeled" alone,
 * are counted from the clip_labels indexes (tens of thousands of index entries) rather than by a
 * labels lookup for every clip of the project, which costs ~30 ms at 100,000 clips.
 */
export function countClips(db: Database, filter: ClipFilter): number {
  const { classIds, unlabeled, ...rest } = filter
  const onlyLabels = Object.values(rest).every((value) => value === undefined)
  if (onlyLabels && classIds && classIds.length > 0 && !unlabeled) {
    return db
      .prepare(
        `SELECT COUNT(DISTINCT clip_id) FROM clip_labels WHERE class_id IN (${classIds.map(() => '?').join(',')})`,
      )
      .pluck()
      .get(...classIds) as number
  }
  if (onlyLabels && unlabeled && !(classIds && classIds.length > 0)) {
    return db
      .prepare('SELECT (SELECT COUNT(*) FROM clips) - (SELECT COUNT(DISTINCT clip_id) FROM clip_labels)')
      .pluck()
      .get() as number
  }
  const where = whereOf(filter)
  return db
    .prepare(`SELECT COUNT(*) FROM clips c ${where.sql}`)
    .pluck()
    .get(...where.params) as number
}

/**
 * The clip after (or before) a given one in the browser's order, among clips matching the filter.
 * The given clip need not match any more (it was just labelled), so this compares sort keys
 * (keyset), rather than looking for the clip's position in the filtered list.
 */
export function neighborClip(
  db: Database,
  clipId: number,
  filter: ClipFilter,
  sort: ClipSort,
  step: 'next' | 'previous',
): number | null {
  return neighborClips(db, clipId, filter, sort, step, 1)[0] ?? null
}

/** Up to `count` clips after (or before) a given one, nearest first: `neighborClip`, several steps on. */
export function neighborClips(
  db: Database,
  clipId: number,
  filter: ClipFilter,
  sort: ClipSort,
  step: 'next' | 'previous',
  count: number,
): number[] {
  const expr = SORT_EXPRESSIONS[sort.column]
  const key = db.prepare(`SELECT ${expr} AS k FROM clips c WHERE c.id = ?`).get(clipId) as { k: unknown } | undefined
  if (!key) throw notFound(`Clip ${clipId}`)
  const forward = (step === 'next') === (sort.direction === 'asc')
  const cmp = forward ? '>' : '<'
  const where = whereOf(filter)
  const keyset = `(${expr} ${cmp} ? OR (${expr} = ? AND c.id ${cmp} ?))`
  const sql = `SELECT c.id FROM clips c ${where.sql ? `${where.sql} AND` : 'WHERE'} ${keyset}
    ORDER BY ${expr} ${forward ? 'ASC' : 'DESC'}, c.id ${forward ? 'ASC' : 'DESC'} LIMIT ?`
  return db
    .prepare(sql)
    .pluck()
    .all(...where.params, key.k, key.k, clipId, count) as number[]
}

/** One clip with its regions. */
export function getClipDetail(db: Database, id: number): ClipDetail {
  const row = db.prepare(`SELECT ${ROW_COLUMNS}, c.codec, c.content_hash FROM clips c WHERE c.id = ?`).get(id) as
    (Row & { codec: string; content_hash: string }) | undefined
  if (!row) throw notFound(`Clip ${id}`)
  const regions: Region[] = listRegions(db, id)
  return { ...toClipRow(row), codec: row.codec, contentHash: row.content_hash, regions }
}

/** The groups of the project with their clip counts, for the browser's group filter. */
export function clipGroups(db: Database): { name: string; count: number }[] {
  return db
    .prepare(
      'SELECT group_name AS name, COUNT(*) AS count FROM clips WHERE group_name IS NOT NULL GROUP BY group_name ORDER BY group_name',
    )
    .all() as { name: string; count: number }[]
}
