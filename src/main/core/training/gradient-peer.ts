// A peer thread that trains or predicts alongside the calling thread, on its own engine.
// Training (see gradient-exchange.ts): builds the same network, then, for every step the leader
// announces in shared memory, takes the leader's weights, computes its parts of the batch and
// reports through the same memory; it blocks on Atomics between steps, as it does nothing else.
// Inference (see inference-peers.ts): holds a copy of a trained model and predicts what it is sent.
import { parentPort } from 'node:worker_threads'
import * as tf from '@tensorflow/tfjs'
import { buildDeepNet } from '../models/deep/build'
import { useDropoutStream, type DropoutStream } from '../models/deep/layers'
import { Random } from '../models/seeded-random'
import { initEngine } from './engine'
import { computeOwnParts, CTRL, viewsOf, type PeerInit, type PeerReply } from './gradient-exchange'
import type { InferenceReply, InferenceRequest } from './inference-peers'
import { lossOf } from './losses'
import { assignFrom, stateVariables, type StepNet } from './micro-batches'

const port = parentPort
if (!port) throw new Error('gradient-peer must run in a worker thread')
const send = (reply: PeerReply): void => port.postMessage(reply)
const message = (error: unknown): string => (error instanceof Error ? error.message : String(error))

async function serve(init: PeerInit): Promise<void> {
  const engine = await initEngine({ prefer: [init.engine] })
  if (engine.name !== init.engine) throw new Error(`the ${init.engine} engine did not load in a peer`)
  const net = await buildDeepNet(init.spec, init.shape, init.classes, init.output)
  const dropout: DropoutStream = { current: new Random(0) }
  useDropoutStream(net.model, dropout)
  const weights: tf.Variable[] = net.model.weights.map((w) => w.read() as tf.Variable)
  const step: StepNet = {
    forward: (x) => net.forward(x),
    trainable: net.trainable(),
    state: stateVariables(net.model),
    dropout,
    shape: init.shape,
    classes: init.classes,
    loss: lossOf(init.output),
  }
  const v = viewsOf(init.buffers)
  // Read before saying ready: the leader announces the first step as soon as it hears it.
  let seen = Atomics.load(v.control, CTRL.go)
  send({ type: 'ready' })
  for (;;) {
    Atomics.wait(v.control, CTRL.go, seen)
    const now = Atomics.load(v.control, CTRL.go)
    if (now === seen) continue
    seen = now
    if (Atomics.load(v.control, CTRL.stop) !== 0) break
    try {
      assignFrom(weights, v.weights)
      computeOwnParts(step, v, init.rank, init.workers)
    } catch (error) {
      Atomics.store(v.control, CTRL.error, 1)
      send({ type: 'error', message: message(error) })
    }
    Atomics.add(v.control, CTRL.done, 1)
    Atomics.notify(v.control, CTRL.done)
  }
  process.exit(0)
}

let model: tf.LayersModel | null = null
let queue: Promise<void> = Promise.resolve()

async function infer(request: InferenceRequest): Promise<InferenceReply> {
  if (request.type === 'model') {
    const engine = await initEngine({ prefer: [request.engine] })
    if (engine.name !== request.engine) throw new Error(`the ${request.engine} engine did not load in a peer`)
    model?.dispose()
    const net = await buildDeepNet(request.spec, request.inputShape, request.classes, request.output)
    const values = request.weights.map((w, i) => tf.tensor(w, net.model.weights[i]?.shape as number[], 'float32'))
    net.model.setWeights(values)
    tf.dispose(values)
    model = net.model
    return { type: 'loaded' }
  }
  if (!model) throw new Error('no model to predict with')
  const [count, frames, features] = request.shape
  const per = frames * features
  const k = (model.outputs[0]?.shape.at(-1) ?? 0) as number
  const probabilities = new Float32Array(count * k)
  for (let start = 0; start < count; start += request.batchSize) {
    const n = Math.min(request.batchSize, count - start)
    const x = request.x.subarray(start * per, (start + n) * per)
    const probs = tf.tidy(() => (model as tf.LayersModel).predict(tf.tensor3d(x, [n, frames, features])) as tf.Tensor)
    probabilities.set(probs.dataSync() as Float32Array, start * k)
    probs.dispose()
  }
  return { type: 'probabilities', id: request.id, probabilities }
}

port.on('message', (request: PeerInit | InferenceRequest) => {
  if (request.type === 'init') {
    serve(request).catch((error: unknown) => send({ type: 'error', message: message(error) }))
    return
  }
  // Requests are answered in order: each waits for the one before.
  queue = queue.then(async () => {
    try {
      const reply = await infer(request)
      port.postMessage(reply, reply.type === 'probabilities' ? [reply.probabilities.buffer as ArrayBuffer] : [])
    } catch (error) {
      port.postMessage({ type: 'error', message: message(error) } satisfies InferenceReply)
    }
  })
})
