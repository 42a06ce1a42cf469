// Synchronous data parallelism: the thread that trains (the leader) and N−1 peer worker threads,
// each with its own engine and a copy of the network, compute the parts of every step (see
// micro-batches.ts) at the same time. They meet in shared memory: the leader writes the weights
// and the batch, wakes the peers (Atomics), computes its own parts, waits for theirs, sums the
// gradients in part order and takes the one optimiser step. Only the leader keeps an optimiser,
// so checkpoints, resumption, schedules and best weights stay the trainer's alone; peers take the
// weights afresh every step (the default CNN's 60k floats cost well under a millisecond).
import { Worker } from 'node:worker_threads'
import * as tf from '@tensorflow/tfjs'
import type { OutputActivation } from '../models/deep/build'
import type { DeepModelSpec } from '../models/deep/params'
import { workerScript } from '../workers/script'
import type { Batch } from './data'
import type { EngineName } from './engine'
import {
  applyParts,
  assignFrom,
  computePart,
  MICRO_BATCHES,
  microBatchBounds,
  partCount,
  readInto,
  sizeOf,
  type PartOutput,
  type StepNet,
} from './micro-batches'

/** Indices of the control words. */
export const CTRL = { go: 0, done: 1, error: 2, stop: 3 } as const

/** The shared memory of a step: control words, the step's inputs, each part's outputs. */
export interface ExchangeBuffers {
  control: SharedArrayBuffer
  /** [batch size, parts, the dropout seed of each part]. */
  descriptor: SharedArrayBuffer
  x: SharedArrayBuffer
  y: SharedArrayBuffer
  w: SharedArrayBuffer
  /** Every model weight (trainable and state, in the model's order), written by the leader each step. */
  weights: SharedArrayBuffer
  /** Per part: gradients, state, probabilities, loss share. */
  grads: SharedArrayBuffer[]
  state: SharedArrayBuffer[]
  probs: SharedArrayBuffer[]
  losses: SharedArrayBuffer
}

/** What a peer is told when it starts. */
export interface PeerInit {
  type: 'init'
  spec: DeepModelSpec
  shape: [number, number]
  classes: number
  output: OutputActivation
  engine: EngineName
  rank: number
  workers: number
  buffers: ExchangeBuffers
}

/** What a peer reports. */
export type PeerReply = { type: 'ready' } | { type: 'error'; message: string }

/** Typed views of the shared buffers. */
export interface ExchangeViews {
  control: Int32Array
  descriptor: Uint32Array
  x: Float32Array
  y: Float32Array
  w: Float32Array
  weights: Float32Array
  parts: PartOutput[]
  losses: Float64Array
}

export function viewsOf(b: ExchangeBuffers): ExchangeViews {
  return {
    control: new Int32Array(b.control),
    descriptor: new Uint32Array(b.descriptor),
    x: new Float32Array(b.x),
    y: new Float32Array(b.y),
    w: new Float32Array(b.w),
    weights: new Float32Array(b.weights),
    parts: b.grads.map((g, m) => ({
      grads: new Float32Array(g),
      state: new Float32Array(b.state[m] as SharedArrayBuffer),
      probs: new Float32Array(b.probs[m] as SharedArrayBuffer),
    })),
    losses: new Float64Array(b.losses),
  }
}

/** The parts a worker of `rank` among `workers` computes. */
export const partsOf = (rank: number, workers: number, parts: number): number[] =>
  Array.from({ length: parts }, (_, m) => m).filter((m) => m % workers === rank)

/**
 * Computes this worker's parts of the step described by the views: each from the step's state
 * (batch norm's moving statistics), the state put back between parts.
 */
export function computeOwnParts(net: StepNet, v: ExchangeViews, rank: number, workers: number): void {
  const n = v.descriptor[0] as number
  const bounds = microBatchBounds(n, v.descriptor[1] as number)
  const [frames, features] = net.shape
  const per = frames * features
  const k = net.classes
  const start = new Float32Array(sizeOf(net.state))
  readInto(net.state, start)
  let first = true
  for (const m of partsOf(rank, workers, bounds.length)) {
    const [a, b] = bounds[m] as [number, number]
    if (!first) assignFrom(net.state, start)
    first = false
    const part = v.parts[m] as PartOutput
    v.losses[m] = computePart(
      net,
      v.x.subarray(a * per, b * per),
      v.y.subarray(a * k, b * k),
      v.w.subarray(a, b),
      n,
      v.descriptor[2 + m] as number,
      { grads: part.grads, state: part.state, probs: part.probs.subarray(0, (b - a) * k) },
    )
  }
}

/** How the trainer takes one step on a batch, on one worker or several. */
export interface BatchStep {
  /** Threads computing each step (1: the trainer's own). */
  readonly workers: number
  /** Trains on a batch; its mean loss and [size × classes] probabilities. */
  run(batch: Batch, seeds: readonly number[]): Promise<{ loss: number; probs: Float32Array }>
  /** Stops the peers. */
  close(): Promise<void>
}

/** What a step needs to know of the run. */
export interface StepSetup {
  net: StepNet
  /** Every model weight, as the peers' copies hold them. */
  weights: tf.Variable[]
  optimizer: tf.Optimizer
  batchSize: number
  spec: DeepModelSpec
  output: OutputActivation
  engine: EngineName
}

function allocate(setup: StepSetup, shared: boolean): ExchangeBuffers {
  const make = (floats: number, bytes = 4): SharedArrayBuffer =>
    (shared ? new SharedArrayBuffer(floats * bytes) : new ArrayBuffer(floats * bytes)) as SharedArrayBuffer
  const [frames, features] = setup.net.shape
  const { batchSize } = setup
  const k = setup.net.classes
  const grads = sizeOf(setup.net.trainable)
  const state = sizeOf(setup.net.state)
  const count = partCount(batchSize)
  const parts = Array.from({ length: count })
  return {
    control: make(8),
    descriptor: make(2 + MICRO_BATCHES),
    x: make(batchSize * frames * features),
    y: make(batchSize * k),
    w: make(batchSize),
    weights: make(shared ? sizeOf(setup.weights) : 0),
    grads: parts.map(() => make(grads)),
    state: parts.map(() => make(state)),
    probs: parts.map(() => make(Math.ceil(batchSize / count) * k)),
    losses: make(MICRO_BATCHES, 8),
  }
}

/**
 * Waits until control[index] differs from `value`. The leader blocks, as a peer is at most a few
 * milliseconds behind it and a blocked thread wakes on the notify at once; every 100 ms it yields
 * to its events, so that a peer's death (an 'exit' event) is noticed.
 */
async function waitChange(control: Int32Array, index: number, value: number): Promise<void> {
  if (Atomics.wait(control, index, value, 100) === 'timed-out') {
    await new Promise((resolve) => setImmediate(resolve))
  }
}

/**
 * The step's runner: with `workers` above 1, starts the peers and waits until each has built its
 * copy of the network. The parts run the same code on one worker or several.
 */
export async function startBatchStep(setup: StepSetup, workers: number): Promise<BatchStep> {
  const parts = partCount(setup.batchSize)
  const count = Math.max(1, Math.min(workers, parts))
  const buffers = allocate(setup, count > 1)
  const v = viewsOf(buffers)
  const sum = new Float32Array(sizeOf(setup.net.trainable))
  const state = new Float32Array(sizeOf(setup.net.state))
  const k = setup.net.classes
  const peers: Worker[] = []
  let failure: string | null = null
  const failed = (message: string): void => {
    failure ??= message
  }
  try {
    await Promise.all(
      Array.from({ length: count - 1 }, (_, i) => startPeer(setup, buffers, i + 1, count, peers, failed)),
    )
  } catch (error) {
    await stopPeers(v.control, peers)
    throw error
  }

  return {
    workers: count,
    async run(batch, seeds) {
      if (batch.size > setup.batchSize) throw new Error(`a batch of ${batch.size} exceeds ${setup.batchSize}`)
      const bounds = microBatchBounds(batch.size, parts)
      v.descriptor[0] = batch.size
      v.descriptor[1] = parts
      bounds.forEach((_, m) => (v.descriptor[2 + m] = seeds[m] as number))
      v.x.set(batch.x)
      v.y.set(batch.y)
      v.w.set(batch.weights)
      if (peers.length > 0) {
        readInto(setup.weights, v.weights)
        Atomics.store(v.control, CTRL.done, 0)
        Atomics.add(v.control, CTRL.go, 1)
        Atomics.notify(v.control, CTRL.go)
      }
      computeOwnParts(setup.net, v, 0, count)
      for (;;) {
        const done = Atomics.load(v.control, CTRL.done)
        if (Atomics.load(v.control, CTRL.error) !== 0 && failure === null) {
          // The peer posts its message right after raising the flag: let it arrive.
          await new Promise((resolve) => setTimeout(resolve, 20))
        }
        if (failure !== null || Atomics.load(v.control, CTRL.error) !== 0) {
          throw new Error(`a training peer failed: ${failure ?? 'unknown error'}`)
        }
        if (done >= peers.length) break
        await waitChange(v.control, CTRL.done, done)
      }
      const outputs = bounds.map((_, m) => v.parts[m] as PartOutput)
      applyParts(setup.net, setup.optimizer, outputs, sum, state)
      let loss = 0
      const probs = new Float32Array(batch.size * k)
      bounds.forEach(([a, b], m) => {
        loss += v.losses[m] as number
        probs.set((v.parts[m] as PartOutput).probs.subarray(0, (b - a) * k), a * k)
      })
      return { loss, probs }
    },
    close: () => stopPeers(v.control, peers),
  }
}

async function startPeer(
  setup: StepSetup,
  buffers: ExchangeBuffers,
  rank: number,
  workers: number,
  peers: Worker[],
  failed: (message: string) => void,
): Promise<void> {
  const script = workerScript('gradient-peer')
  const worker = new Worker(script.path, { workerData: script.workerData })
  peers.push(worker)
  await new Promise<void>((resolve, reject) => {
    worker.on('message', (reply: PeerReply) => {
      if (reply.type === 'ready') resolve()
      else {
        failed(reply.message)
        reject(new Error(`a training peer failed: ${reply.message}`))
      }
    })
    worker.on('error', (error) => {
      failed(error.message)
      reject(error)
    })
    worker.on('exit', (code) => {
      failed(`a training peer stopped (exit code ${code})`)
      reject(new Error(`a training peer stopped before it was ready (exit code ${code})`))
    })
    worker.postMessage({
      type: 'init',
      spec: setup.spec,
      shape: [setup.net.shape[0], setup.net.shape[1]],
      classes: setup.net.classes,
      output: setup.output,
      engine: setup.engine,
      rank,
      workers,
      buffers,
    } satisfies PeerInit)
  })
}

async function stopPeers(control: Int32Array, peers: Worker[]): Promise<void> {
  if (peers.length === 0) return
  Atomics.store(control, CTRL.stop, 1)
  Atomics.add(control, CTRL.go, 1)
  Atomics.notify(control, CTRL.go)
  await Promise.all(
    peers.map(
      (worker) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => void worker.terminate().then(() => resolve()), 2000)
          worker.once('exit', () => {
            clearTimeout(timer)
            resolve()
          })
        }),
    ),
  )
  peers.length = 0
}
