import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { spawn } from 'node:child_process'
import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { CHECKPOINT_FILE } from '../../../src/main/core/training/checkpoint'
import {
  arraySource,
  initEngine,
  loadDeepModel,
  startTrainingWorker,
  trainDeepModel,
  TrainingFailedError,
  type DeepModelSpecInput,
  type EpochMetrics,
} from '../../../src/main/core/training'
import { ROOT } from '../../helpers/cli'
import { tempDir } from '../../helpers/temp'
import { bandsDataset } from './synthetic'

const SPEC: DeepModelSpecInput = {
  model: 'cnn',
  params: {
    filters: [4, 8],
    denseUnits: 8,
    epochs: 6,
    batchSize: 8,
    learningRate: 0.01,
    dropout: 0.2,
    seed: 5,
    patience: null,
    timeShift: 0.1,
  },
}

const weightsOf = (model: tf.LayersModel): number[][] => model.getWeights().map((w) => Array.from(w.dataSync()))

/** The weights an uninterrupted run in this thread ends with. */
async function uninterrupted(): Promise<number[][]> {
  const data = bandsDataset()
  const result = await trainDeepModel(SPEC, {
    features: arraySource(data.features, data.shape),
    labels: data.labels,
    classes: data.classes,
    train: data.train,
    validation: data.validation,
  })
  return weightsOf(result.model)
}

describe('training in a worker thread', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    await initEngine({ prefer: ['wasm'] })
  })

  it('reports progress, and after the worker is stopped mid-run, a second worker resumes and completes it', async () => {
    const checkpointDir = tempDir()
    const modelDir = join(tempDir(), 'model')
    const seen: EpochMetrics[] = []
    const first = startTrainingWorker(SPEC, bandsDataset(), {
      checkpointDir,
      modelDir,
      engines: ['wasm'],
      onEpoch: (m) => {
        seen.push(m)
        // The checkpoint of epoch 2 is on disk before its report: stop the thread as a crash would.
        if (m.epoch === 2) void first.worker.terminate()
      },
    })
    const failure = await first.result.catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(TrainingFailedError)
    expect((failure as TrainingFailedError).failure).toBe('worker-died')
    expect(seen.map((m) => m.epoch)).toEqual([1, 2])
    expect(existsSync(join(checkpointDir, CHECKPOINT_FILE))).toBe(true)
    expect(existsSync(modelDir)).toBe(false)

    const batches: number[] = []
    const second = startTrainingWorker(SPEC, bandsDataset(), {
      checkpointDir,
      modelDir,
      engines: ['wasm'],
      batchEvery: 1,
      onBatch: (b) => batches.push(b.epoch),
    })
    const summary = await second.result
    expect(summary.resumedFrom).toBe(2)
    expect(summary.epochs).toBe(6)
    expect(summary.history.map((m) => m.epoch)).toEqual([1, 2, 3, 4, 5, 6])
    expect(summary.history.slice(0, 2)).toEqual(seen)
    expect(Math.min(...batches)).toBe(3)
    expect(summary.engine.name).toBe('wasm')
    const saved = await loadDeepModel(modelDir)
    expect(weightsOf(saved.model)).toEqual(await uninterrupted())
  })

  it('resumes a run whose process was killed with SIGKILL', async () => {
    const checkpointDir = tempDir()
    const modelDir = join(tempDir(), 'model')
    // A separate Node process trains in its own worker thread, reporting each epoch on stdout.
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(ROOT, 'test', 'helpers', 'train-child.ts'),
        JSON.stringify(SPEC),
        checkpointDir,
        modelDir,
      ],
      {
        cwd: ROOT,
        env: { ...process.env, TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.node.json') },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const killedAfter = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        const epochs = chunk.toString().match(/epoch (\d+)/g)
        if (epochs && epochs.length > 0) {
          child.kill('SIGKILL')
          resolve(Number(epochs[epochs.length - 1]!.split(' ')[1]))
        }
      })
      child.on('exit', (code, signal) => {
        if (signal !== 'SIGKILL') reject(new Error(`the training process ended by itself (${code}): ${stderr}`))
      })
    })
    expect(killedAfter).toBeGreaterThanOrEqual(1)
    await new Promise((resolve) =>
      child.exitCode !== null || child.signalCode !== null ? resolve(null) : child.on('exit', resolve),
    )
    expect(child.signalCode).toBe('SIGKILL')
    expect(existsSync(join(checkpointDir, CHECKPOINT_FILE))).toBe(true)

    const summary = await startTrainingWorker(SPEC, bandsDataset(), { checkpointDir, modelDir, engines: ['wasm'] })
      .result
    expect(summary.resumedFrom).toBeGreaterThanOrEqual(killedAfter)
    expect(summary.epochs).toBe(6)
    const saved = await loadDeepModel(modelDir)
    expect(weightsOf(saved.model)).toEqual(await uninterrupted())
  })

  it('passes a failure on as data: cancelled', async () => {
    const handle = startTrainingWorker(
      { model: 'lstm', params: { lstmUnits: 4, epochs: 500, batchSize: 4 } },
      bandsDataset(),
      {
        checkpointDir: tempDir(),
        modelDir: join(tempDir(), 'model'),
        engines: ['wasm'],
        onEpoch: () => handle.cancel(),
      },
    )
    const failure = (await handle.result.catch((error: unknown) => error)) as TrainingFailedError
    expect(failure).toBeInstanceOf(TrainingFailedError)
    expect(failure.failure).toBe('cancelled')
  })
})

const BUILT_WORKER = join(ROOT, 'out', 'main', 'workers', 'training-worker.js')

describe.skipIf(!existsSync(BUILT_WORKER))('the built training worker (out/main/workers)', { timeout: 120_000 }, () => {
  it('finds the wasm binaries from the build output and trains', async () => {
    const engines: string[] = []
    const summary = await startTrainingWorker(
      { model: 'cnn', params: { filters: [4], epochs: 2, batchSize: 8 } },
      bandsDataset(),
      {
        checkpointDir: tempDir(),
        modelDir: join(tempDir(), 'model'),
        engines: ['wasm'],
        script: { path: BUILT_WORKER },
        onEngine: (e) => engines.push(e.name),
      },
    ).result
    expect(engines).toEqual(['wasm'])
    expect(summary.epochs).toBe(2)
  })
})
