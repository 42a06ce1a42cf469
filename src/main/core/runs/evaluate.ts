import type { Database } from 'better-sqlite3'
import type { PredictionOrder, RunLabelIssue, RunPrediction, RunSplit, RunSplitEvaluation } from '@shared/evaluation'
import { clipFileFacts } from '../catalog/clips'
import { getRun, runLabels, runPredictions, runSplitPredictions, type PredictionQuery } from '../catalog/runs'
import { EarmarkError } from '../errors'
import { findLabelIssues, precisionRecallCurves, rankByUncertainty, type Probabilities } from '../evaluation'

/** A run's metrics on one split, with precision-recall curves and likely label errors. */
export function runSplitEvaluation(db: Database, runId: number, split: RunSplit): RunSplitEvaluation {
  const run = getRun(db, runId)
  const metrics = run.metrics[split]
  if (!metrics) throw new EarmarkError('not-found', `Run ${runId} has no metrics on the ${split} split`)
  const rows = runSplitPredictions(db, runId, split)
  const labels = run.labels
  const index = new Map(labels.map((name, k) => [name, k]))
  // Clips whose recorded label is not among the run's classes cannot be scored (never the case for runs made here).
  const usable = rows.filter((r) => index.has(r.label) && r.probabilities.length === labels.length)
  const truth = Int32Array.from(usable, (r) => index.get(r.label) as number)
  const probabilities: Probabilities = { values: usable.flatMap((r) => r.probabilities), nClasses: labels.length }
  const curves = usable.length > 0 ? precisionRecallCurves(labels, truth, probabilities) : []
  const labelIssues: RunLabelIssue[] =
    usable.length > 0
      ? findLabelIssues(truth, probabilities).map((issue) => {
          const clipId = (usable[issue.index] as (typeof usable)[number]).clipId
          // Named by their files: a person knows 3_lucas_12.wav, not clip 912.
          const file = clipFileFacts(db, clipId)
          return {
            clipId,
            path: file?.path ?? null,
            name: file?.name ?? null,
            given: labels[issue.given] as string,
            suggested: labels[issue.suggested] as string,
            selfConfidence: issue.selfConfidence,
            suggestedConfidence: issue.suggestedConfidence,
          }
        })
      : []
  return { split, metrics, curves, labelIssues }
}

/** A page of a run's predictions (a confusion cell with both labels given), in the order asked. */
export function pageOfPredictions(
  db: Database,
  runId: number,
  query: PredictionQuery & { order: PredictionOrder },
): { rows: RunPrediction[]; total: number } {
  if (query.order === 'clip') return runPredictions(db, runId, query)
  const all = runPredictions(db, runId, { ...query, offset: 0, limit: Number.MAX_SAFE_INTEGER })
  const nClasses = runLabels(db, runId).length
  const ranked = rankByUncertainty({ values: all.rows.flatMap((r) => r.probabilities), nClasses }, query.order)
  const rows = ranked.slice(query.offset, query.offset + query.limit).map((u) => all.rows[u.index] as RunPrediction)
  return { rows, total: all.total }
}
