/**
 * Deep-model training on the workstation: the public API the catalog, the service and the
 * CLI call. Plain TypeScript, no Electron.
 *
 * Engine
 * - `initEngine(options?)` picks the fastest TensorFlow.js backend that loads in this thread:
 *   `tensorflow` (optional @tensorflow/tfjs-node) → `wasm` (SIMD; the training kernels it lacks
 *   are registered, see wasm-kernels.ts) → `cpu`. `engineInfo()` says which one runs (name,
 *   version, SIMD, threads, and why faster ones were skipped): show it in the studio and the CLI,
 *   and store it with each run.
 *
 * Models and hyperparameters
 * - `deepParamsSchemas.{cnn,crnn,lstm,transfer}`: zod schemas with defaults and a description of
 *   every hyperparameter (names shared with the tree models: `epochs`, `batchSize`,
 *   `learningRate`, `dropout`, `filters`, `lstmUnits`, `seed`, `classWeight` …). A spec is
 *   `{ model: 'cnn', params: { epochs: 40 } }`; `parseDeepSpec` fills in defaults.
 * - Inputs are fixed-shape [frames × features] matrices: `defaultDeepFeatures(model)` and
 *   `deepFeatures(samples, recipe)` make them from audio (log-mel for cnn/crnn, MFCC + delta for
 *   lstm); a transfer model takes its base model's recipe (`waveformFeatures`, the samples
 *   themselves, for a GraphModel that takes audio, as YAMNet).
 *
 * Training
 * - `trainDeepModel(spec, data, { signal, onEpoch, onBatch, checkpointDir })` trains in the
 *   calling thread; `data` is a `DeepDataset` (a `FeatureSource` such as `arraySource(array,
 *   shape)`, labels, class names, train and validation indices). With `checkpointDir` it writes
 *   a checkpoint after every epoch and resumes from one left by a cancelled or killed run of the
 *   same spec and data, ending with the weights an uninterrupted run would have. Errors:
 *   `NonFiniteLossError` (NaN loss), `TrainingCancelledError` (signal).
 * - `startTrainingWorker(spec, workerDataset, { checkpointDir, modelDir, onEpoch, onBatch })` runs
 *   the same training in a worker thread (what the service should use: the main thread stays
 *   free), saving the model to `modelDir`; its result rejects with `TrainingFailedError`
 *   (`failure`: cancelled, non-finite-loss, out-of-memory, error, worker-died). Starting it again
 *   with the same folders resumes.
 *
 * Saved models and prediction
 * - `saveDeepModel(trained, dir, { features, engine })` writes a TensorFlow.js LayersModel folder
 *   (model.json + weights.bin) plus earmark-model.json (classes, input shape, standardisation,
 *   feature recipe); `loadDeepModel(dir)` reads it back; `predictDeep(model, features)` gives
 *   class probabilities and the predicted class of each example.
 */
import type { DeepModelSpecInput } from '../models/deep/params'
import type { DeepDataset } from './data'
import { trainDeep, type TrainOptions, type TrainResult } from './trainer'

export {
  ENGINE_NAMES,
  engineInfo,
  initEngine,
  useEngine,
  wasmBinaryDir,
  type EngineInfo,
  type EngineName,
  type EngineOptions,
} from './engine'
export {
  cnnParamsSchema,
  crnnParamsSchema,
  DEEP_MODEL_KINDS,
  deepParamsSchemas,
  parseDeepSpec,
  rnnParamsSchema,
  transferParamsSchema,
  type CnnParams,
  type CrnnParams,
  type DeepModelKind,
  type DeepModelSpec,
  type DeepModelSpecInput,
  type RnnParams,
  type TransferParams,
} from '../models/deep/params'
export { arraySource, fitStandardizer, type DeepDataset, type FeatureSource, type Standardizer } from './data'
export {
  defaultDeepFeatures,
  deepFeatures,
  deepFeatureSchema,
  deepFeatureShape,
  waveformFeatures,
  type DeepFeatureConfig,
} from './features'
export {
  CheckpointMismatchError,
  NonFiniteLossError,
  TrainingCancelledError,
  type BatchProgress,
  type EpochMetrics,
  type TrainedDeepModel,
  type TrainOptions,
  type TrainResult,
} from './trainer'
export { CorruptCheckpointError } from './checkpoint'
export {
  DEEP_METADATA_FILE,
  loadDeepModel,
  predictDeep,
  saveDeepModel,
  type DeepModelMetadata,
  type DeepPredictions,
  type LoadedDeepModel,
} from './saved'
export {
  predictInWorker,
  startTrainingWorker,
  TrainingFailedError,
  type TrainingHandle,
  type WorkerTrainOptions,
} from './worker-host'
export type { TrainingFailure, WorkerDataset, WorkerTrainSummary } from './worker-protocol'

/** Trains a deep model in the calling thread (see the module comment); `trainDeep` under its public name. */
export function trainDeepModel(
  spec: DeepModelSpecInput,
  data: DeepDataset,
  options: TrainOptions = {},
): Promise<TrainResult> {
  return trainDeep(spec, data, options)
}
