// The typed protocol between the main process and the training worker thread.
import type { TfjsBaseRef, WindowBatch } from '../embeddings/base-ref'
import type { DeepModelSpecInput } from '../models/deep/params'
import type { EngineInfo, EngineName } from './engine'
import type { DeepFeatureConfig } from './features'
import type { EmbeddedExamples, StoredEmbeddings } from './stored-embeddings'
import type { BatchProgress, EpochMetrics } from './trainer'

/** The training data as it crosses to the worker (copied once by structured clone). */
export interface WorkerDataset {
  /** Every example, one after another, frame-major. */
  features: Float32Array
  shape: [frames: number, features: number]
  labels: Int32Array
  /** Multi-label targets [examples × classes] of 0 and 1: the model then has sigmoid outputs (see DeepDataset). */
  targets?: Uint8Array
  classes: string[]
  train: number[]
  validation: number[]
}

/** What the worker is asked to do. */
export type TrainingRequest =
  | {
      type: 'train'
      spec: DeepModelSpecInput
      data: WorkerDataset
      /** Checkpoint folder: written every epoch, resumed from when present. */
      checkpointDir: string
      /** Where the trained model is saved (saveDeepModel's folder). */
      modelDir: string
      /** The feature recipe, stored with the saved model. */
      features?: DeepFeatureConfig | null
      /** Backends to try, fastest first (default: all). */
      engines?: EngineName[]
      batchEvery?: number
      /** Refuse a checkpoint of another spec or data instead of starting afresh (resuming a recorded run). */
      strictResume?: boolean
      /** Also predict every example with the trained model (its probabilities come with the summary). */
      predictAll?: boolean
      /** Threads that train together (default: one per core, see defaultTrainingWorkers). */
      workers?: number
      /** A frozen base's embeddings kept from an earlier run on the same inputs (see stored-embeddings.ts). */
      storedEmbeddings?: StoredEmbeddings
    }
  | {
      type: 'predict'
      /** A folder saved by saveDeepModel. */
      modelDir: string
      /** Raw inputs of the model's shape, one after another. */
      features: Float32Array
      shape: [frames: number, features: number]
      engines?: EngineName[]
    }
  | {
      type: 'embed'
      /** The base whose embeddings (penultimate layer, or a GraphModel's embedding output) are asked for. */
      base: TfjsBaseRef
      /** Windows of a recording: the worker computes their inputs (features, in this thread, not the caller's). */
      windows: WindowBatch
    }
  | { type: 'cancel' }

/** Why a run failed, sorted for the caller. */
export type TrainingFailure = 'cancelled' | 'non-finite-loss' | 'out-of-memory' | 'checkpoint-mismatch' | 'error'

/** The summary the worker sends when a run completes (the model itself is in modelDir). */
export interface WorkerTrainSummary {
  history: EpochMetrics[]
  epochs: number
  bestEpoch: number
  stoppedEarly: boolean
  resumedFrom: number
  engine: EngineInfo
  modelDir: string
  /** Row-major [examples × classes] probabilities of every example, when `predictAll` asked for them. */
  probabilities: Float32Array | null
}

/** What the worker reports. */
export type TrainingReply =
  | { type: 'engine'; engine: EngineInfo }
  | { type: 'batch'; progress: BatchProgress }
  | { type: 'embedding'; done: number; total: number }
  | { type: 'embedded'; embedded: EmbeddedExamples }
  | { type: 'epoch'; metrics: EpochMetrics }
  | { type: 'done'; summary: WorkerTrainSummary }
  | { type: 'predictions'; probabilities: Float32Array; classes: string[] }
  /** Row-major [count × dims] embeddings of an 'embed' request. */
  | { type: 'embeddings'; vectors: Float32Array; dims: number }
  | { type: 'error'; failure: TrainingFailure; message: string }
