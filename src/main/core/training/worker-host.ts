// Runs a training in its worker thread and turns its messages back into callbacks and a promise.
import { Worker } from 'node:worker_threads'
import type { DeepModelSpecInput } from '../models/deep/params'
import { workerScript, type WorkerScript } from '../workers/script'
import type { EngineInfo, EngineName } from './engine'
import type { DeepFeatureConfig } from './features'
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
  signal?: AbortSignal
  onEngine?: (engine: EngineInfo) => void
  onEpoch?: (metrics: EpochMetrics) => void
  onBatch?: (progress: BatchProgress) => void
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
  const script = options.script ?? workerScript('training-worker')
  const worker = new Worker(script.path, {
    workerData: script.workerData,
    resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb ?? 4096 },
  })
  const cancel = (): void => worker.postMessage({ type: 'cancel' } satisfies TrainingRequest)
  const result = new Promise<WorkerTrainSummary>((resolve, reject) => {
    let settled = false
    const settle = (f: () => void): void => {
      if (settled) return
      settled = true
      options.signal?.removeEventListener('abort', cancel)
      f()
      void worker.terminate()
    }
    worker.on('message', (reply: TrainingReply) => {
      switch (reply.type) {
        case 'engine':
          options.onEngine?.(reply.engine)
          return
        case 'batch':
          options.onBatch?.(reply.progress)
          return
        case 'epoch':
          options.onEpoch?.(reply.metrics)
          return
        case 'done':
          settle(() => resolve(reply.summary))
          return
        case 'error':
          settle(() => reject(new TrainingFailedError(reply.failure, reply.message)))
          return
        default:
          throw new Error(`unknown training reply: ${JSON.stringify(reply satisfies never)}`)
      }
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
  const request: TrainingRequest = {
    type: 'train',
    spec,
    data,
    checkpointDir: options.checkpointDir,
    modelDir: options.modelDir,
    features: options.features ?? null,
    ...(options.engines ? { engines: options.engines } : {}),
    ...(options.batchEvery === undefined ? {} : { batchEvery: options.batchEvery }),
  }
  worker.postMessage(request)
  return { result, worker, cancel }
}

function failureOf(error: Error): TrainingFailure {
  return /out of memory|ERR_WORKER_OUT_OF_MEMORY/i.test(
    `${error.message} ${(error as NodeJS.ErrnoException).code ?? ''}`,
  )
    ? 'out-of-memory'
    : 'error'
}
