// Runs a training in its worker thread and turns its messages back into callbacks and a promise.
import { Worker } from 'node:worker_threads'
import type { DeepModelSpecInput } from '../models/deep/params'
import { workerScript, type WorkerScript } from '../workers/script'
import type { EngineInfo, EngineName } from './engine'
import type { DeepFeatureConfig } from './features'
import type { EmbeddedExamples, StoredEmbeddings } from './stored-embeddings'
import type { BatchProgress, EpochMetrics } from './trainer'
import type {
  TrainingFailure,
  TrainingReply,
  TrainingRequest,
  WorkerDataset,
  WorkerTrainSummary,
} from './worker-protocol'

/** A run failed in the worker, or the worker died; `failure` says which way. */
export class TrainingFailedError extends Error {
  override readonly name = 'TrainingFailedError'
  constructor(
    readonly failure: TrainingFailure | 'worker-died',
    message: string,
  ) {
    super(message)
  }
}

/** How to run a training in a worker. */
export interface WorkerTrainOptions {
  /** Checkpoint folder (required: a worker run is always resumable). */
  checkpointDir: string
  /** Where the worker saves the trained model. */
  modelDir: string
  features?: DeepFeatureConfig | null
  engines?: EngineName[]
  batchEvery?: number
  /** Also predict every example once trained (summary.probabilities). */
  predictAll?: boolean
  /** Refuse a checkpoint of another spec or data (failure 'checkpoint-mismatch') instead of starting afresh. */
  strictResume?: boolean
  /** Threads that train together (default: one per core, see defaultTrainingWorkers). */
  workers?: number
  /**
   * Hand the features' buffer over to the worker instead of copying it, so the dataset is held
   * once, not twice; `data.features` is unusable here afterwards.
   */
  transferFeatures?: boolean
  signal?: AbortSignal
  onEngine?: (engine: EngineInfo) => void
  onEpoch?: (metrics: EpochMetrics) => void
  onBatch?: (progress: BatchProgress) => void
  /** A frozen base embedding the clips before the first epoch: clips done of total. */
  onEmbedding?: (done: number, total: number) => void
  /** A frozen base's embeddings kept from an earlier run on the same inputs: the worker reads rather than computes them. */
  storedEmbeddings?: StoredEmbeddings
  /** The embeddings a frozen base computed in this run (those `storedEmbeddings` lacked), to keep. */
  onEmbedded?: (embedded: EmbeddedExamples) => void
  /** Heap limit of the worker (default 4 GiB). */
  maxHeapMb?: number
  /** The worker script (default: the built or source training-worker). */
  script?: WorkerScript
}

/** A running training: its outcome, and the worker (tests stop it to simulate a crash). */
export interface TrainingHandle {
  result: Promise<WorkerTrainSummary>
  worker: Worker
  /** Asks the worker to stop after its current batch; the result then rejects with failure 'cancelled'. */
  cancel(): void
}

/** Starts a training run in a new worker thread. */
export function startTrainingWorker(
  spec: DeepModelSpecInput,
  data: WorkerDataset,
  options: WorkerTrainOptions,
): TrainingHandle {
  const { worker, reply, cancel } = spawn<WorkerTrainSummary>(options, (message, settle) => {
    switch (message.type) {
      case 'engine':
        options.onEngine?.(message.engine)
        return
      case 'batch':
        options.onBatch?.(message.progress)
        return
      case 'embedding':
        options.onEmbedding?.(message.done, message.total)
        return
      case 'embedded':
        options.onEmbedded?.(message.embedded)
        return
      case 'epoch':
        options.onEpoch?.(message.metrics)
        return
      case 'done':
        settle(message.summary)
        return
      default:
        return
    }
  })
  worker.postMessage(
    {
      type: 'train',
      spec,
      data,
      checkpointDir: options.checkpointDir,
      modelDir: options.modelDir,
      features: options.features ?? null,
      ...(options.engines ? { engines: options.engines } : {}),
      ...(options.batchEvery === undefined ? {} : { batchEvery: options.batchEvery }),
      ...(options.predictAll ? { predictAll: true } : {}),
      ...(options.strictResume ? { strictResume: true } : {}),
      ...(options.workers === undefined ? {} : { workers: options.workers }),
      ...(options.storedEmbeddings ? { storedEmbeddings: options.storedEmbeddings } : {}),
    } satisfies TrainingRequest,
    options.transferFeatures ? [data.features.buffer as ArrayBuffer] : [],
  )
  return { result: reply, worker, cancel }
}

/**
 * Predicts raw inputs with a saved deep model in a worker thread, so that TensorFlow.js never
 * blocks the caller's event loop (the studio's main process). Row-major [examples × classes].
 * `features` is transferred to the worker: unusable here afterwards.
 */
export function predictInWorker(
  modelDir: string,
  features: Float32Array,
  shape: [frames: number, features: number],
  options: { engines?: EngineName[]; signal?: AbortSignal; maxHeapMb?: number; script?: WorkerScript } = {},
): Promise<{ probabilities: Float32Array; classes: string[] }> {
  const { worker, reply } = spawn<{ probabilities: Float32Array; classes: string[] }>(options, (message, settle) => {
    if (message.type === 'predictions') settle({ probabilities: message.probabilities, classes: message.classes })
  })
  worker.postMessage(
    {
      type: 'predict',
      modelDir,
      features,
      shape,
      ...(options.engines ? { engines: options.engines } : {}),
    } satisfies TrainingRequest,
    // Handed over, not copied: the inputs are the caller's to give away.
    [features.buffer as ArrayBuffer],
  )
  return reply
}

/**
 * A training worker and the promise of its one answer: `onMessage` settles it with a value, an
 * 'error' reply or the worker's death rejects it with a TrainingFailedError. The worker is
 * terminated once settled; the signal asks it to cancel.
 */
function spawn<T>(
  options: { signal?: AbortSignal; maxHeapMb?: number; script?: WorkerScript },
  onMessage: (message: TrainingReply, settle: (value: T) => void) => void,
): { worker: Worker; reply: Promise<T>; cancel: () => void } {
  const script = options.script ?? workerScript('training-worker')
  const worker = new Worker(script.path, {
    workerData: script.workerData,
    resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb ?? 4096 },
  })
  const cancel = (): void => worker.postMessage({ type: 'cancel' } satisfies TrainingRequest)
  const reply = new Promise<T>((resolve, reject) => {
    let settled = false
    const settle = (f: () => void): void => {
      if (settled) return
      settled = true
      options.signal?.removeEventListener('abort', cancel)
      f()
      void worker.terminate()
    }
    worker.on('message', (message: TrainingReply) => {
      if (message.type === 'error') settle(() => reject(new TrainingFailedError(message.failure, message.message)))
      else onMessage(message, (value) => settle(() => resolve(value)))
    })
    worker.on('error', (error) => settle(() => reject(new TrainingFailedError(failureOf(error), error.message))))
    worker.on('exit', (code) =>
      settle(() =>
        reject(
          new TrainingFailedError(
            'worker-died',
            `the training worker stopped (exit code ${code}); resume from its checkpoint`,
          ),
        ),
      ),
    )
  })
  options.signal?.addEventListener('abort', cancel, { once: true })
  return { worker, reply, cancel }
}

function failureOf(error: Error): TrainingFailure {
  return /out of memory|ERR_WORKER_OUT_OF_MEMORY/i.test(
    `${error.message} ${(error as NodeJS.ErrnoException).code ?? ''}`,
  )
    ? 'out-of-memory'
    : 'error'
}
