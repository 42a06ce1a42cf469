/**
 * What evaluation answers and what a training run records, as the API
 * returns them. Class names stand for classes everywhere: a run outlives renames and removals of
 * the project's classes, and its matrices are in the order of its own `labels`.
 */
import type { RegionWindowing, TrainingSource } from './detection'
import type { ModelParameter } from './sweeps'

/** Precision, recall, F1 and support of one class, or their average over classes. */
export interface ClassScores {
  precision: number
  recall: number
  f1: number
  /** Clips whose true class it is (for an average: all clips). */
  support: number
}

/** The metrics of predictions on one split, as scikit-learn's classification_report computes them. */
export interface ClassificationMetrics {
  /** Class names, in matrix order. */
  labels: string[]
  /** Clips evaluated. */
  count: number
  accuracy: number
  /** Mean recall over the classes that occur in the truth (scikit-learn's balanced_accuracy_score). */
  balancedAccuracy: number
  /** Top-k accuracy for k = 1, 3, 5 (those below the number of classes), from the probabilities; keyed by k. */
  topK: Record<string, number>
  /** Unweighted mean over every class in `labels`. */
  macro: ClassScores
  /** Mean over classes weighted by support. */
  weighted: ClassScores
  /** Per class name. */
  perClass: Record<string, ClassScores>
  /** Counts: rows are true classes, columns predicted ones, in `labels` order. */
  confusion: number[][]
  /** Each row of `confusion` divided by its sum (a row with no clips stays all 0). */
  confusionNormalized: number[][]
}

/** A precision-recall curve of one class against the rest, as scikit-learn's precision_recall_curve. */
export interface PrecisionRecallCurve {
  label: string
  /** Precision at each threshold, then 1 (recall 0). */
  precision: number[]
  /** Recall at each threshold (decreasing), then 0. */
  recall: number[]
  /** Distinct predicted probabilities of the class, increasing. */
  thresholds: number[]
  /** Area under the step curve (scikit-learn's average_precision_score). */
  averagePrecision: number
}

/** The tree models (summary features), by the names the CLI and sweep specs use. */
export const treeRunModels = ['rf', 'gbdt'] as const
/** The deep models (TensorFlow.js, on log-mel images or MFCC sequences). */
export const deepRunModels = ['cnn', 'crnn', 'lstm', 'transfer'] as const
/** Every model kind a run trains. */
export const runModels = [...treeRunModels, ...deepRunModels] as const
/** A model kind a run trains. */
export type RunModel = (typeof runModels)[number]
/** A deep model kind. */
export type DeepRunModel = (typeof deepRunModels)[number]

/** A model kind a run can train, with every hyperparameter as the training form shows it. */
export interface TrainableModel {
  model: RunModel
  deep: boolean
  parameters: (ModelParameter & {
    /** The default as the schema has it (lists and null included). */
    defaultValue: unknown
    /** Must be given (no default), e.g. a transfer model's base model folder. */
    required: boolean
  })[]
}

/** Whether a model kind is a deep (TensorFlow.js) model. */
export const isDeepRunModel = (model: string): model is DeepRunModel =>
  (deepRunModels as readonly string[]).includes(model)

/**
 * Life cycle of a run. `interrupted` is never stored: it is how a run recorded as running reads
 * when no process of this studio is training it any more (the process died); it can be resumed.
 */
export const runStates = ['running', 'done', 'failed', 'cancelled', 'interrupted'] as const
/** A run's state. */
export type RunState = (typeof runStates)[number]

/** The splits a run's clips are in; `oof` holds a cross-validation's out-of-fold predictions. */
export const runSplits = ['train', 'val', 'test', 'oof'] as const
/** A split of a run. */
export type RunSplit = (typeof runSplits)[number]

/** A training run as listed. */
export interface RunInfo {
  id: number
  /** The model kind: rf, gbdt, cnn, crnn, lstm or transfer. */
  model: string
  /**
   * Where it trained: `js` (trees, on this process's worker threads), or the TensorFlow.js backend
   * of a deep model (`tensorflow`, `wasm` or `cpu`).
   */
  engine: string
  state: RunState
  /** Complete hyperparameters, names as the model parameters document them (`trees`, `maxDepth`, …, `seed`). */
  params: Record<string, unknown>
  /** The complete feature configuration the clips' summary vectors were computed with. */
  featureConfig: Record<string, unknown>
  /** Hash of the feature configuration: runs with the same hash trained on the same features. */
  featureHash: string
  seed: number
  /** Class names, in the order of the model's outputs and of every matrix of the run. */
  labels: string[]
  /** Clips per split. */
  clipCounts: Partial<Record<RunSplit, number>>
  /** How the clips were split: the catalog's split column, whole groups held out, a stratified draw. */
  splitMethod: string
  /** The split's policy: the catalog's column, whole groups held out, or a stratified draw. */
  splitPolicy: SplitPolicy
  /** Test metrics in brief (null until the run is done, or without test clips). */
  accuracy: number | null
  macroF1: number | null
  /** The saved model (a plain JSON file for trees), once done. */
  modelPath: string | null
  error: string | null
  jobId: number | null
  createdAt: string
  finishedAt: string | null
  /** Seconds spent on each stage: features, fit, evaluate, total. */
  timings: Record<string, number>
  /** Clips whose label changed since the run trained on them (it is trained on outdated labels when > 0). */
  outdatedLabels: number
  /**
   * Where its examples came from: whole clips, or windows of labeled regions (its metrics are then
   * over windows, not clips; its clips are the recordings it cut them from).
   */
  source: TrainingSource
}

/** A run with everything recorded about it except its per-clip predictions. */
export interface RunDetail extends RunInfo {
  /** Metrics per split. */
  metrics: Partial<Record<RunSplit, ClassificationMetrics>>
  /** Per-epoch values (deep models); empty for trees. */
  history: { epoch: number; values: Record<string, number> }[]
  /** Names of the features the model reads, in order. */
  featureNames: string[]
  /** How much the model relies on each feature, most important first (trees; empty otherwise). */
  importances: RunImportances
  /** The feature set the run trained from, as every prediction of it repeats it. */
  featureSet: RunFeatureSet
  /** How a run on regions cut its windows (null for a run on clips). */
  windowing: RegionWindowing | null
}

/**
 * A run's feature set: the set's name (null when given inline, or for a run recorded before runs
 * kept their set: its configuration under an empty pipeline), its parameters' hash, its complete
 * pipeline and configuration, and how the model reads its rows.
 */
export interface RunFeatureSet {
  name: string | null
  paramsHash: string
  pipeline: Record<string, unknown>[]
  config: Record<string, unknown>
  input:
    | { kind: 'summary' }
    | { kind: 'image'; feature: string; frames: number }
    | { kind: 'sequence'; frames: number }
    | { kind: 'waveform'; samples: number }
}

/** One feature's importance; `std` over permutation repeats (0 for impurity importance). */
export interface FeatureImportanceRow {
  feature: string
  importance: number
  std: number
}

/**
 * Impurity-based importance (from training, as scikit-learn's feature_importances_) and
 * permutation importance (the drop in accuracy on held-out clips when a feature is shuffled).
 */
export interface RunImportances {
  impurity: FeatureImportanceRow[]
  /** On the test split (or validation); what it says of held-out clips, it says without training bias. */
  permutation: FeatureImportanceRow[]
}

/** One clip's prediction by a run. */
export interface RunPrediction {
  clipId: number
  path: string
  split: RunSplit
  /** The label the run trained or evaluated with. */
  true: string
  predicted: string
  /** The most probable classes, most probable first (at most 5). */
  top: { label: string; probability: number }[]
  /** Every class's probability, in `labels` order. */
  probabilities: number[]
  /** The clip's label now, when it changed since the run (null otherwise). */
  currentLabel: string | null
}

/** A clip whose label a run confidently disagrees with (confident learning). */
export interface RunLabelIssue {
  clipId: number
  /** The clip's file (null once the clip has left the catalog). */
  path: string | null
  /** Its file name as the catalog keeps it, for the list to name it by. */
  name: string | null
  given: string
  suggested: string
  /** The run's probability of the given label: the lower, the likelier the label is wrong. */
  selfConfidence: number
  suggestedConfidence: number
}

/** A run's evaluation on one split: its metrics, per-class precision-recall curves, likely label errors. */
export interface RunSplitEvaluation {
  split: RunSplit
  metrics: ClassificationMetrics
  /** Per class, from the stored probabilities (empty for a split without stored predictions). */
  curves: PrecisionRecallCurve[]
  /** Likely label errors, least self-confident first (from held-out predictions only). */
  labelIssues: RunLabelIssue[]
}

/** How `runs:predictions` orders clips: by clip id, or most uncertain first (least margin, highest entropy). */
export const predictionOrders = ['clip', 'margin', 'entropy'] as const
/** An order of `runs:predictions`. */
export type PredictionOrder = (typeof predictionOrders)[number]

/** What a training job answers, and `earmark train --json` prints on its last line. */
export interface TrainSummary {
  runId: number
  model: string
  engine: string
  /** Epochs trained; null for models without epochs (trees). */
  epochs: number | null
  /** Wall-clock seconds of the whole run: features, fit and evaluation. */
  seconds: number
  /** On the test split; null without test clips. */
  metrics: { accuracy: number | null; macroF1: number | null }
  /** How the clips were split, and what leaks between training (with validation) and test. */
  split: SplitSummary
  /** The feature set the run trained from. */
  featureSet: RunFeatureSet
  /** A run on regions: how it cut its windows, and windows per split and class (its metrics are over windows). */
  windowing?: RegionWindowing
}

/**
 * How a run's clips were split: `column` when every clip kept the catalog's split, else how the
 * rest were drawn, `group` (whole groups held out) or `random` (a stratified draw).
 */
export const splitPolicies = ['column', 'group', 'random'] as const
export type SplitPolicy = (typeof splitPolicies)[number]

/** A run's split in brief, as `train --json` prints it. */
export interface SplitSummary {
  policy: SplitPolicy
  train: number
  val: number
  test: number
  /** Groups with clips both in training (or validation) and in test. */
  leakedGroups: string[]
  /** Clips, on either side, whose audio (content hash) is found on both sides. */
  sharedContent: number
}
