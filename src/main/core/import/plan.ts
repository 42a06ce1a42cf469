import { stat } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import {
  splits,
  type ImportLayout,
  type ImportPreview,
  type ImportProblem,
  type ImportRow,
  type LabelSource,
  type Split,
} from '@shared/domain'
import { EarmarkError } from '../errors'
import { readManifest } from './csv-manifest'
import { describeFsError, scanFolder } from './scan'

/** Every file an import would add, with its labels, and what cannot be imported. */
export interface ImportPlan {
  source: string
  layout: ImportLayout
  rows: ImportRow[]
  problems: ImportProblem[]
}

/** Where the published datasets keep their manifests, for a source given as the dataset's folder. */
const KNOWN_MANIFESTS = [join('meta', 'esc50.csv'), join('metadata', 'UrbanSound8K.csv')]

/**
 * Works out what importing a source would add, without writing anything: scans the folder (or
 * reads the manifest) and labels each file from its folder, its name or the manifest.
 */
export async function planImport(sourcePath: string, labelsFrom: LabelSource): Promise<ImportPlan> {
  const source = resolve(sourcePath)
  const info = await stat(source).catch((error: unknown) => {
    throw new EarmarkError('not-found', `Cannot read ${source}: ${describeFsError(error)}.`)
  })
  if (labelsFrom.kind === 'csv') return planFromManifest(source, info.isDirectory())
  if (!info.isDirectory()) {
    throw new EarmarkError(
      'invalid-input',
      `${source} is a file; import a folder, or a CSV manifest with labels from csv.`,
    )
  }
  const scan = await scanFolder(source)
  const problems = [...scan.problems]
  const rows: ImportRow[] = []
  const nameRule = labelsFrom.kind === 'pattern' ? new RegExp(labelsFrom.pattern, 'u') : undefined
  for (const path of scan.files) {
    const row: ImportRow = { path, label: null, group: null, split: null, fold: null }
    if (labelsFrom.kind === 'folder') {
      row.label = dirname(path) === source ? null : basename(dirname(path))
    } else if (nameRule) {
      const groups = nameRule.exec(basename(path))?.groups
      if (!groups) {
        problems.push({ path, reason: 'file name does not match the pattern; not imported' })
        continue
      }
      const split = groups['split']?.toLowerCase()
      if (split !== undefined && !(splits as readonly string[]).includes(split)) {
        problems.push({ path, reason: `split must be train, val or test, not "${groups['split']}"` })
        continue
      }
      row.label = groups['label'] || null
      row.group = groups['group'] || null
      row.split = (split as Split | undefined) ?? null
      row.fold = groups['fold'] && /^\d+$/.test(groups['fold']) ? Number(groups['fold']) : null
    }
    rows.push(row)
  }
  const layout: ImportLayout = labelsFrom.kind === 'none' ? 'unlabeled' : labelsFrom.kind
  return { source, layout, rows, problems }
}

async function planFromManifest(source: string, isFolder: boolean): Promise<ImportPlan> {
  let csv = source
  if (isFolder) {
    const found = await firstExisting(KNOWN_MANIFESTS.map((m) => join(source, m)))
    if (!found) {
      throw new EarmarkError(
        'not-found',
        `No manifest in ${source}: give the CSV file itself, or a dataset folder with ${KNOWN_MANIFESTS.join(' or ')}.`,
      )
    }
    csv = found
  }
  let manifest
  try {
    manifest = await readManifest(csv)
  } catch (error) {
    throw new EarmarkError('invalid-input', (error as Error).message)
  }
  // A manifest may name files that are not there; say which now, not halfway through the import.
  const present = await Promise.all(manifest.rows.map((r) => isFile(r.path)))
  const rows = manifest.rows.filter((_, i) => present[i])
  const missing = manifest.rows
    .filter((_, i) => !present[i])
    .map((r) => ({ path: r.path, reason: 'listed in the manifest, but not found' }))
  return { source: csv, layout: manifest.layout, rows, problems: [...manifest.problems, ...missing] }
}

/** What the preview screen shows of a plan: the first rows, classes and counts, problems. */
export function previewOf(plan: ImportPlan, limit: number, alreadyInProject: number): ImportPreview {
  const classes = new Map<string, number>()
  const groups = new Set<string>()
  const splitCounts: Partial<Record<Split, number>> = {}
  const folds = new Set<number>()
  let unlabeled = 0
  for (const row of plan.rows) {
    if (row.label === null) unlabeled++
    else classes.set(row.label, (classes.get(row.label) ?? 0) + 1)
    if (row.group !== null) groups.add(row.group)
    if (row.split !== null) splitCounts[row.split] = (splitCounts[row.split] ?? 0) + 1
    if (row.fold !== null) folds.add(row.fold)
  }
  return {
    source: plan.source,
    layout: plan.layout,
    total: plan.rows.length,
    rows: plan.rows.slice(0, limit),
    classes: [...classes].map(([name, count]) => ({ name, count })).sort((a, b) => a.name.localeCompare(b.name)),
    unlabeled,
    groups: groups.size,
    splits: splitCounts,
    folds: [...folds].sort((a, b) => a - b),
    alreadyInProject,
    problems: plan.problems,
  }
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  )
}

async function firstExisting(paths: string[]): Promise<string | undefined> {
  for (const path of paths) if (await isFile(path)) return path
  return undefined
}
