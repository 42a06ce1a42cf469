// Evaluation and cross-validation splits: plain functions on class indices
// and probability matrices, with scikit-learn's definitions.
export {
  accuracy,
  averageScores,
  balancedAccuracy,
  classificationMetrics,
  confusionMatrix,
  normalizeRows,
  perClassScores,
  precisionRecallCurve,
  precisionRecallCurves,
  probabilitiesFromRows,
  reportedTopK,
  topKAccuracy,
  type Probabilities,
} from './metrics'
export { findLabelIssues, perClassThresholds, type LabelIssue } from './label-issues'
export { rankByUncertainty, uncertainties, type Uncertainty, type UncertaintyMeasure } from './uncertainty'
export {
  catalogSplit,
  groupHoldOut,
  groupKFold,
  holdOut,
  predefinedFolds,
  stratifiedGroupKFold,
  stratifiedKFold,
  type Fold,
  type RunSplitAssignment,
} from './splits'
export { findLeakage, type LeakageClip } from './leakage'
export {
  defaultCollar,
  defaultCurvePoints,
  defaultOffsetShare,
  defaultSegment,
  eventMetrics,
  type EventMetricsOptions,
} from './events'
export { confirmed, suggestThresholds, thresholdBins, type ReviewedScore } from './thresholds'
