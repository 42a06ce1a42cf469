// The training worker thread: trains one model per 'train' request, so the main process
// stays responsive, and reports the engine, per-batch and per-epoch progress, then the outcome.
import { parentPort } from 'node:worker_threads'
import { embedWindows } from '../embeddings/tfjs-embed'
import { arraySource } from './data'
import { initEngine } from './engine'
import { loadDeepModel, predictDeep, saveDeepModel } from './saved'
import { CheckpointMismatchError, NonFiniteLossError, trainDeep, TrainingCancelledError } from './trainer'
import type { TrainingFailure, TrainingReply, TrainingRequest } from './worker-protocol'

const port = parentPort
if (!port) throw new Error('training-worker must run in a worker thread')
const send = (reply: TrainingReply): void => port.postMessage(reply)
const controller = new AbortController()

function failure(error: unknown): TrainingFailure {
  if (error instanceof TrainingCancelledError) return 'cancelled'
  if (error instanceof NonFiniteLossError) return 'non-finite-loss'
  if (error instanceof CheckpointMismatchError) return 'checkpoint-mismatch'
  const message = error instanceof Error ? error.message : String(error)
  if (/out of memory|allocation failed|Cannot allocate|RangeError: Array buffer/i.test(message)) return 'out-of-memory'
  return 'error'
}

async function train(request: Extract<TrainingRequest, { type: 'train' }>): Promise<void> {
  try {
    const engine = await initEngine(request.engines ? { prefer: request.engines } : {})
    const { data } = request
    const result = await trainDeep(
      request.spec,
      {
        features: arraySource(data.features, data.shape),
        labels: data.labels,
        ...(data.targets ? { targets: data.targets } : {}),
        classes: data.classes,
        train: data.train,
        validation: data.validation,
      },
      {
        signal: controller.signal,
        checkpointDir: request.checkpointDir,
        resume: request.strictResume ? 'strict' : true,
        ...(request.workers === undefined ? {} : { workers: request.workers }),
        onEngine: (training) => send({ type: 'engine', engine: training }),
        ...(request.batchEvery === undefined ? {} : { batchEvery: request.batchEvery }),
        onBatch: (progress) => send({ type: 'batch', progress }),
        onEmbedding: (done, total) => send({ type: 'embedding', done, total }),
        ...(request.storedEmbeddings ? { storedEmbeddings: request.storedEmbeddings } : {}),
        onEmbedded: (embedded) => send({ type: 'embedded', embedded }),
        ...(request.predictAll ? { predictAll: true } : {}),
        onEpoch: (metrics) => send({ type: 'epoch', metrics }),
      },
    )
    await saveDeepModel(result, request.modelDir, { features: request.features ?? null, engine: engine.name })
    // A frozen base's run has them already, from the head on the embeddings it trained on.
    const probabilities = request.predictAll
      ? (result.probabilities ?? (await predictDeep(result, arraySource(data.features, data.shape))).probabilities)
      : null
    send({
      type: 'done',
      summary: {
        history: result.history,
        epochs: result.epochs,
        bestEpoch: result.bestEpoch,
        stoppedEarly: result.stoppedEarly,
        resumedFrom: result.resumedFrom,
        engine: result.engine,
        modelDir: request.modelDir,
        probabilities,
      },
    })
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    const kind = failure(error)
    send({
      type: 'error',
      failure: kind,
      message: kind === 'out-of-memory' ? `training ran out of memory (try a smaller batch size): ${message}` : message,
    })
  }
}

async function predict(request: Extract<TrainingRequest, { type: 'predict' }>): Promise<void> {
  try {
    await initEngine(request.engines ? { prefer: request.engines } : {})
    const model = await loadDeepModel(request.modelDir)
    const { probabilities, classes } = await predictDeep(model, arraySource(request.features, request.shape))
    send({ type: 'predictions', probabilities, classes })
  } catch (error) {
    const kind = failure(error)
    send({ type: 'error', failure: kind, message: error instanceof Error ? error.message : String(error) })
  }
}

async function embed(request: Extract<TrainingRequest, { type: 'embed' }>): Promise<void> {
  try {
    const { vectors, dims } = await embedWindows(request.base, request.windows)
    parentPort?.postMessage({ type: 'embeddings', vectors, dims } satisfies TrainingReply, [
      vectors.buffer as ArrayBuffer,
    ])
  } catch (error) {
    send({ type: 'error', failure: failure(error), message: error instanceof Error ? error.message : String(error) })
  }
}

port.on('message', (request: TrainingRequest) => {
  switch (request.type) {
    case 'train':
      void train(request)
      return
    case 'predict':
      void predict(request)
      return
    case 'embed':
      void embed(request)
      return
    case 'cancel':
      controller.abort()
      return
    default:
      throw new Error(`unknown training request: ${JSON.stringify(request satisfies never)}`)
  }
})
