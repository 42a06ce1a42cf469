import { open, stat } from 'node:fs/promises'
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
import { AudioFileError, sniffContainer } from '../audio'
import { nameProblem, normalizeName, printable } from '@shared/names'
import { EarmarkError } from '../errors'
import { readManifest } from './csv-manifest'
import { describeFsError, scanFolder } from './scan'
import type { ClipUpdate } from './updates'

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
  if (labelsFrom.kind === 'csv') return withCheckedLabels(await planFromManifest(source, info.isDirectory()))
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
  return withCheckedLabels({ source, layout, rows, problems })
}

/**
 * Labels become class names, so they follow the class-name rule: normalised to NFC, and a row
 * whose label the rule refuses (a terminal escape, a 5,000-character cell) is a problem the
 * preview names rather than a class the import creates.
 */
function withCheckedLabels(plan: ImportPlan): ImportPlan {
  const problems = [...plan.problems]
  const rows = plan.rows.flatMap((row) => {
    if (row.label === null) return [row]
    const label = normalizeName(row.label)
    const problem = nameProblem(label)
    if (!problem) return [{ ...row, label }]
    problems.push({ path: row.path, reason: `the label "${printable(label.slice(0, 60))}" ${problem}; not imported` })
    return []
  })
  return { ...plan, rows, problems }
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

/** How many leading bytes screening reads of each file: enough to tell audio from text. */
const SCREEN_BYTES = 1024
/** Files screened at once: enough to hide the latency of a network share, few enough not to hog handles. */
const SCREEN_CONCURRENCY = 16

/**
 * The plan without the files its import would fail on at once (empty, or not audio by their
 * first bytes), which move to its problems: the preview names them before anything is written,
 * and counts only what will import. Reads a kilobyte of each file; decoding waits for the import.
 */
export async function screenPlan(plan: ImportPlan): Promise<ImportPlan> {
  const reasons: (string | null)[] = new Array(plan.rows.length).fill(null)
  let next = 0
  const screenNext = async (): Promise<void> => {
    while (next < plan.rows.length) {
      const index = next++
      reasons[index] = await screenFile((plan.rows[index] as ImportRow).path)
    }
  }
  await Promise.all(Array.from({ length: Math.min(SCREEN_CONCURRENCY, plan.rows.length) }, screenNext))
  const rows = plan.rows.filter((_, i) => reasons[i] === null)
  const problems = plan.rows.flatMap((row, i) => {
    const reason = reasons[i]
    return reason === null || reason === undefined ? [] : [{ path: row.path, reason }]
  })
  return { ...plan, rows, problems: [...plan.problems, ...problems] }
}

/** Why a file cannot be imported, judged by its first bytes, or null when it may be audio. */
async function screenFile(path: string): Promise<string | null> {
  let handle
  try {
    handle = await open(path, 'r')
    const head = new Uint8Array(SCREEN_BYTES)
    const { bytesRead } = await handle.read(head, 0, SCREEN_BYTES, 0)
    sniffContainer(head.subarray(0, bytesRead))
    return null
  } catch (error) {
    if (error instanceof AudioFileError) return error.reason
    return describeFsError(error)
  } finally {
    await handle?.close()
  }
}

/** What the preview screen shows of a plan: the first rows, classes and counts, problems. */
export function previewOf(
  plan: ImportPlan,
  limit: number,
  alreadyInProject: number,
  updates: readonly ClipUpdate[] = [],
): ImportPreview {
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
    updates: {
      clips: updates.length,
      label: updates.filter((u) => u.label !== undefined).length,
      group: updates.filter((u) => u.group !== undefined).length,
      split: updates.filter((u) => u.split !== undefined).length,
      fold: updates.filter((u) => u.fold !== undefined).length,
    },
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
