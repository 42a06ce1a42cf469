/**
 * A run's evaluation on one split as `earmark evaluate --json` prints it and `runs:evaluation`
 * answers (reports): plain names and numbers, stable for scripts.
 */
import type { ClassScores } from './evaluation'

/** An average over classes: precision, recall and F1 (its support is the clip count). */
export type AverageScores = Omit<ClassScores, 'support'>

/** One clip's prediction, probabilities keyed by class name. */
export interface EvaluationPrediction {
  path: string
  true: string
  predicted: string
  probabilities: Record<string, number>
}

/** The metrics of a run on a split, as scikit-learn's classification_report and confusion_matrix. */
export interface EvaluationMetrics {
  /** Class names, in matrix order. */
  labels: string[]
  accuracy: number
  macro: AverageScores
  weighted: AverageScores
  perClass: Record<string, ClassScores>
  /** Counts: rows are true classes, columns predicted ones, in `labels` order. */
  confusion: number[][]
}

/** What `earmark evaluate --json` prints on its last line. */
export interface RunEvaluation extends EvaluationMetrics {
  predictions: EvaluationPrediction[]
}

/** The files a report was written as (`metrics.json`, `metrics.csv`, `predictions.csv`, `report.html`). */
export interface RunReportFiles {
  files: string[]
}
