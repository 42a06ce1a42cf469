// Inference on every core: a peer worker thread holds a copy of a trained model (built from its
// spec as the trainer builds it, then given its weights: a model loaded from `model.save`'s
// artifacts gets tfjs's stock layers, which predict about 1.5x slower on wasm than Earmark's
// own) and predicts part of each large call's clips
// while the calling thread predicts the rest. The peer stays with the model for later calls, so
// its start (about a second) is paid once; it is unref'd, so an idle peer never keeps a process
// alive, and it takes the weights again whenever they have changed since.
import { Worker } from 'node:worker_threads'
import * as tf from '@tensorflow/tfjs'
import { mixSeed } from '../models/seeded-random'
import { workerScript } from '../workers/script'
import type { InputShape, OutputActivation } from '../models/deep/build'
import type { DeepModelSpec } from '../models/deep/params'
import type { EngineName } from './engine'
import type { TrainedDeepModel } from './trainer'

/** What an inference peer is asked. */
export type InferenceRequest =
  | {
      type: 'model'
      engine: EngineName
      spec: DeepModelSpec
      inputShape: InputShape
      classes: number
      output: OutputActivation
      /** Every weight's values, in the model's order. */
      weights: Float32Array[]
    }
  | { type: 'predict'; id: number; x: Float32Array; shape: [number, number, number]; batchSize: number }

/** What it answers. */
export type InferenceReply =
  | { type: 'loaded' }
  | { type: 'probabilities'; id: number; probabilities: Float32Array }
  | { type: 'error'; message: string }

/** Clips from which a call of predictDeep shares its work with the model's peer (fewer: the messages cost more). */
export const CLIPS_WORTH_A_PEER = 256
/** Clips from which a call starts a peer for its model: about as long on one thread as starting one. */
export const CLIPS_WORTH_STARTING_A_PEER = 4096

interface Peer {
  worker: Worker
  weights: number
  pending: Map<number, { resolve: (p: Float32Array) => void; reject: (e: Error) => void }>
  nextId: number
  failure: Error | null
  /** Requests awaiting an answer. */
  busy: number
  /** Settles the model being loaded. */
  loading: { resolve: () => void; reject: (e: Error) => void } | null
}

const peers = new WeakMap<tf.LayersModel, Promise<Peer>>()

/** Whether a model has its peer already (started by an earlier call). */
export const hasPeer = (model: tf.LayersModel): boolean => peers.has(model)

/** A fingerprint of a model's weights (cheap next to inference): a peer holding other weights is refreshed. */
function weightsPrint(model: tf.LayersModel): number {
  let h = 0
  for (const w of model.weights) {
    const values = w.read().dataSync() as Float32Array
    const bits = new Uint32Array(values.buffer, values.byteOffset, values.length)
    for (let i = 0; i < bits.length; i++) h = Math.imul(h ^ (bits[i] as number), 0x01000193) >>> 0
    h = mixSeed(h, values.length)
  }
  return h
}

/** The model as a peer rebuilds it: its spec, shape, outputs and weights. */
function modelRequest(trained: TrainedDeepModel, engine: EngineName): InferenceRequest {
  const last = trained.model.layers.at(-1)
  const output: OutputActivation = last?.getConfig()['activation'] === 'sigmoid' ? 'sigmoid' : 'softmax'
  return {
    type: 'model',
    engine,
    spec: trained.spec,
    inputShape: trained.inputShape,
    classes: trained.classes.length,
    output,
    weights: trained.model.weights.map((w) => Float32Array.from(w.read().dataSync())),
  }
}

/**
 * Sends a request and keeps the peer referenced until it answers: an idle peer is unref'd, so
 * that it never keeps a process alive, but a caller waiting on it must.
 */
async function ask<T>(
  peer: Peer,
  request: InferenceRequest,
  wait: Promise<T>,
  transfer: ArrayBuffer[] = [],
): Promise<T> {
  peer.worker.ref()
  peer.busy++
  try {
    peer.worker.postMessage(request, transfer)
    return await wait
  } finally {
    if (--peer.busy === 0) peer.worker.unref()
  }
}

async function startPeer(trained: TrainedDeepModel, engine: EngineName): Promise<Peer> {
  const script = workerScript('gradient-peer')
  const worker = new Worker(script.path, { workerData: script.workerData })
  const peer: Peer = { worker, weights: 0, pending: new Map(), nextId: 0, failure: null, loading: null, busy: 0 }
  const fail = (error: Error): void => {
    peer.failure ??= error
    for (const p of peer.pending.values()) p.reject(error)
    peer.pending.clear()
    peer.loading?.reject(error)
  }
  worker.on('error', fail)
  worker.on('exit', (code) => fail(new Error(`an inference peer stopped (exit code ${code})`)))
  worker.on('message', (reply: InferenceReply) => {
    if (reply.type === 'loaded') peer.loading?.resolve()
    else if (reply.type === 'error') fail(new Error(`an inference peer failed: ${reply.message}`))
    else {
      peer.pending.get(reply.id)?.resolve(reply.probabilities)
      peer.pending.delete(reply.id)
    }
  })
  await loadInto(peer, trained, engine)
  return peer
}

async function loadInto(peer: Peer, trained: TrainedDeepModel, engine: EngineName): Promise<void> {
  const request = modelRequest(trained, engine)
  try {
    await ask(peer, request, new Promise<void>((resolve, reject) => (peer.loading = { resolve, reject })))
  } finally {
    peer.loading = null
  }
  peer.weights = weightsPrint(trained.model)
}

/**
 * Probabilities of `count` standardised inputs (`x`, [count, frames, features]) on the model's
 * inference peer, started on first use; rejects when the peer fails (the caller predicts those
 * clips itself then).
 */
export async function predictOnPeer(
  trained: TrainedDeepModel,
  engine: EngineName,
  x: Float32Array,
  shape: [number, number, number],
  batchSize: number,
): Promise<Float32Array> {
  const { model } = trained
  let started = peers.get(model)
  if (!started) {
    started = startPeer(trained, engine)
    peers.set(model, started)
    started.catch(() => peers.delete(model))
  }
  const peer = await started
  if (peer.failure) {
    peers.delete(model)
    throw peer.failure
  }
  const print = weightsPrint(model)
  if (print !== peer.weights) await loadInto(peer, trained, engine)
  const id = peer.nextId++
  const answer = new Promise<Float32Array>((resolve, reject) => peer.pending.set(id, { resolve, reject }))
  return ask(peer, { type: 'predict', id, x, shape, batchSize }, answer, [x.buffer as ArrayBuffer])
}
