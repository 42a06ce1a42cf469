import { readFile } from 'node:fs/promises'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import { parse } from 'csv-parse/sync'
import { splits, type ImportLayout, type ImportProblem, type ImportRow, type Split } from '@shared/domain'

/** What a manifest lists. */
export interface Manifest {
  layout: Extract<ImportLayout, 'csv' | 'esc50' | 'urbansound8k'>
  rows: ImportRow[]
  problems: ImportProblem[]
}

type Record = { [column: string]: string | undefined }

/**
 * Reads a CSV manifest. The published layouts are recognised by their headers:
 * - ESC-50 (`meta/esc50.csv`: filename, fold, target, category, esc10, src_file, take): audio in
 *   `../audio/`, label = category, group = src_file (clips cut from one recording stay together).
 * - UrbanSound8K (`metadata/UrbanSound8K.csv`: slice_file_name, fsID, start, end, salience, fold,
 *   classID, class): audio in `../audio/fold<N>/`, label = class, group = fsID.
 * - Otherwise the generic `path,label[,group][,split][,fold]`, paths absolute or relative to the CSV.
 * The official folds are kept so that cross-validation uses them by default.
 */
export async function readManifest(csvPath: string): Promise<Manifest> {
  const text = await readFile(csvPath, 'utf8')
  let records: Record[]
  try {
    records = parse(text, {
      columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
      skip_empty_lines: true,
      trim: true,
      bom: true,
    })
  } catch (error) {
    throw new Error(`cannot read ${csvPath} as CSV: ${(error as Error).message}`, { cause: error })
  }
  const columns = new Set(Object.keys(records[0] ?? {}))
  const base = dirname(resolve(csvPath))
  const problems: ImportProblem[] = []

  if (['filename', 'fold', 'category', 'src_file'].every((c) => columns.has(c))) {
    const audio = join(base, '..', 'audio')
    return {
      layout: 'esc50',
      rows: records.map((r) => row(join(audio, r['filename'] ?? ''), r['category'], r['src_file'], null, r['fold'])),
      problems,
    }
  }
  if (['slice_file_name', 'fsid', 'fold', 'class'].every((c) => columns.has(c))) {
    const audio = join(base, '..', 'audio')
    return {
      layout: 'urbansound8k',
      rows: records.map((r) =>
        row(join(audio, `fold${r['fold'] ?? ''}`, r['slice_file_name'] ?? ''), r['class'], r['fsid'], null, r['fold']),
      ),
      problems,
    }
  }
  if (!columns.has('path')) {
    throw new Error(
      `${csvPath}: no "path" column; expected path,label[,group][,split][,fold], or the ESC-50 or UrbanSound8K layout`,
    )
  }
  const rows: ImportRow[] = []
  records.forEach((r, i) => {
    const given = r['path'] ?? ''
    const line = i + 2 // 1-based, after the header
    if (!given) return problems.push({ path: `${csvPath}:${line}`, reason: 'empty path' })
    const path = isAbsolute(given) ? given : join(base, given)
    const split = r['split'] ? r['split'].toLowerCase() : null
    if (split !== null && !(splits as readonly string[]).includes(split)) {
      return problems.push({ path, reason: `line ${line}: split must be train, val or test, not "${r['split']}"` })
    }
    if (r['fold'] && !/^\d+$/.test(r['fold'])) {
      return problems.push({ path, reason: `line ${line}: fold must be a whole number, not "${r['fold']}"` })
    }
    rows.push(row(path, r['label'], r['group'], split as Split | null, r['fold']))
  })
  return { layout: 'csv', rows, problems }
}

function row(
  path: string,
  label: string | undefined,
  group: string | undefined,
  split: Split | null,
  fold: string | undefined,
): ImportRow {
  return {
    path,
    label: label ? label : null,
    group: group ? group : null,
    split,
    fold: fold && /^\d+$/.test(fold) ? Number(fold) : null,
  }
}
