import type { ImportProblem, ImportRow, ImportSummary } from '@shared/domain'
import { plural } from '@shared/plural'
import { ensureClass } from '../catalog/classes'
import { clipsByHash, insertClip, knownPaths, relocateClip } from '../catalog/clips'
import { addClipLabel } from '../catalog/labels'
import type { Catalog } from '../catalog/open'
import { JobCancelledError, type JobContext } from '../jobs/runner'
import type { Inspection } from './inspect'
import type { ImportPlan } from './plan'
import { openProjectCopies } from './copy'
import { applyUpdates, plannedUpdates } from './updates'

/** What an import needs besides its plan. */
export interface ImportOptions {
  /** Inspects one file (in a worker, in the studio); rejects with a one-line reason. */
  inspect: (path: string) => Promise<Inspection>
  /** Copy files into this folder instead of referencing them in place. */
  copyInto?: string
  /** Who the labels are by. */
  author: string
  /** Files inspected at once: enough to keep every worker busy. */
  concurrency: number
  now?: () => Date
}

/** Successful inspections are written in transactions of this many clips. */
const BATCH_SIZE = 200

interface Inspected {
  row: ImportRow
  inspection: Inspection
}

/**
 * Imports a plan into the catalog. Files already in the project (same path) are not added again;
 * a manifest's rows for them update their label, group, split and fold (`plannedUpdates`);
 * the rest are inspected in parallel and written in batches, each batch one transaction, so a
 * cancel or a crash leaves the catalog consistent and a re-run completes the rest. A file whose
 * content is already in the project is a duplicate, unless the clip that holds it lost its file:
 * then the clip is pointed at the new path (a moved file found again).
 */
export async function runImport(
  catalog: Catalog,
  plan: ImportPlan,
  options: ImportOptions,
  context: JobContext,
): Promise<ImportSummary> {
  const started = Date.now()
  const now = options.now ?? (() => new Date())
  const { db } = catalog
  const known = knownPaths(
    db,
    plan.rows.map((r) => r.path),
  )
  const todo = plan.rows.filter((r) => !known.has(r.path))
  const summary: ImportSummary = {
    added: 0,
    duplicates: known.size,
    relocated: 0,
    updated: 0,
    failed: [],
    warnings: [],
    classes: [...new Set(plan.rows.flatMap((r) => (r.label ? [r.label] : [])))].sort(),
    seconds: 0,
  }
  // Rows for clips already here update them (a manifest imported again), before anything is added.
  summary.updated = applyUpdates(db, plannedUpdates(db, plan), options.author, now())
  const total = plan.rows.length
  let done = known.size
  let pending: Inspected[] = []
  const inserted = new Set<string>()

  const flush = db.transaction((batch: Inspected[]) => {
    for (const { row, inspection } of batch) {
      const sameContent = clipsByHash(db, inspection.hash)
      const lost = sameContent.find((c) => c.missing)
      if (lost) {
        relocateClip(db, lost.id, row.path)
        summary.relocated++
        continue
      }
      if (sameContent.length > 0 || inserted.has(inspection.hash)) {
        summary.duplicates++
        continue
      }
      inserted.add(inspection.hash)
      const clipId = insertClip(
        db,
        {
          path: row.path,
          contentHash: inspection.hash,
          duration: inspection.duration,
          sampleRate: inspection.sampleRate,
          channels: inspection.channels,
          size: inspection.size,
          codec: inspection.codec,
          group: row.group,
          fold: row.fold,
          split: row.split,
        },
        now(),
      )
      if (row.label) addClipLabel(db, clipId, ensureClass(db, row.label, now()), options.author, now())
      summary.added++
    }
  })
  const writePending = () => {
    if (pending.length === 0) return
    flush.immediate(pending)
    pending = []
  }
  const fail = (problem: ImportProblem) => {
    summary.failed.push(problem)
    context.log('warn', `${problem.path}: ${problem.reason}`)
  }

  // Files finish inspecting in any order; they are written in plan order (a small reorder buffer),
  // so the same folder always gets the same clip ids, and a seeded training run the same rows.
  const finished: (Inspected | null | undefined)[] = new Array(todo.length)
  let written = 0
  const settle = (index: number, inspected: Inspected | null) => {
    finished[index] = inspected
    while (written < todo.length && finished[written] !== undefined) {
      const ready = finished[written]
      finished[written++] = null
      if (ready) pending.push(ready)
      if (pending.length >= BATCH_SIZE) writePending()
    }
  }

  const copied = new Set<string>()
  // Copies go through a journal, so what an interrupted import copied is reused or removed now.
  const copies = options.copyInto ? await openProjectCopies(db, options.copyInto) : undefined
  if (copies?.partial) context.log('info', `removed ${copies.partial} partial copies left by an interrupted import`)
  const importOne = async (row: ImportRow): Promise<Inspected | null> => {
    const inspection = await options.inspect(row.path)
    for (const warning of inspection.warnings) {
      summary.warnings.push({ path: row.path, reason: warning })
      context.log('warn', `${row.path}: ${warning}`)
    }
    let path = row.path
    if (copies) {
      // Copy only what the project lacks, so a re-import leaves no stray copies.
      const present = clipsByHash(db, inspection.hash).some((c) => !c.missing)
      if (present || copied.has(inspection.hash)) {
        summary.duplicates++
        return null
      }
      copied.add(inspection.hash)
      path = await copies.copy(row.path, row.label, inspection.hash)
    }
    return { row: { ...row, path }, inspection }
  }

  let next = 0
  const worker = async () => {
    while (next < todo.length && !context.signal.aborted) {
      const index = next++
      const row = todo[index] as ImportRow
      try {
        settle(index, await importOne(row))
      } catch (error) {
        fail({ path: row.path, reason: error instanceof Error ? error.message : String(error) })
        settle(index, null)
      }
      done++
      context.progress(done, total, `${done} of ${plural(total, 'file')}`)
    }
  }
  try {
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker))
    writePending()
  } finally {
    const removed = await copies?.close()
    if (removed) {
      context.log(
        'info',
        `removed ${removed} copies no clip records (an interrupted import's, or duplicates found late)`,
      )
    }
  }
  summary.seconds = (Date.now() - started) / 1000
  if (context.signal.aborted) throw new JobCancelledError(summary)
  context.progress(total, total, `imported ${plural(summary.added, 'file')}`)
  return summary
}
