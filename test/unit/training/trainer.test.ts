import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { CHECKPOINT_FILE } from '../../../src/main/core/training/checkpoint'
import {
  CorruptCheckpointError,
  initEngine,
  loadDeepModel,
  NonFiniteLossError,
  predictDeep,
  saveDeepModel,
  trainDeepModel,
  TrainingCancelledError,
  type DeepModelSpecInput,
} from '../../../src/main/core/training'
import { tempDir } from '../../helpers/temp'
import { bandsDataset, dataset, weightsOf, withoutTimes } from './synthetic'

/** Every source of randomness on at once: dropout, shuffling, time shift, noise, SpecAugment, mixup. */
const EVERYTHING: DeepModelSpecInput = {
  model: 'cnn',
  params: {
    filters: [4, 8],
    denseUnits: 8,
    epochs: 5,
    batchSize: 8,
    learningRate: 0.01,
    dropout: 0.2,
    seed: 3,
    timeShift: 0.2,
    noise: 0.1,
    timeMasks: 1,
    timeMaskWidth: 2,
    freqMasks: 1,
    freqMaskWidth: 2,
    mixup: 0.2,
    lrSchedule: 'cosine',
    classWeight: 'balanced',
    patience: null,
  },
}

/** The toy problem's only signal is one band, which the default frequency masks and mixup blur: this checks the training loop. */
const NO_AUGMENTATION = { timeShift: 0, timeMasks: 0, freqMasks: 0, mixup: 0 }

describe('trainDeepModel', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    await initEngine({ prefer: ['wasm'] })
  })

  it('learns a small problem, reporting every epoch, and its saved model predicts the same', async () => {
    const data = bandsDataset()
    const epochs: number[] = []
    const result = await trainDeepModel(
      {
        model: 'cnn',
        params: {
          filters: [4, 8],
          denseUnits: 8,
          epochs: 12,
          batchSize: 8,
          learningRate: 0.01,
          patience: null,
          ...NO_AUGMENTATION,
        },
      },
      dataset(data),
      { onEpoch: (m) => epochs.push(m.epoch) },
    )
    expect(epochs).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    expect(result.engine.name).toBe('wasm')
    const last = result.history[result.history.length - 1]!
    expect(last.loss).toBeLessThan(result.history[0]!.loss)
    expect(Math.max(...result.history.map((h) => h.valAccuracy ?? 0))).toBeGreaterThanOrEqual(0.9)

    const dir = tempDir()
    await saveDeepModel(result, dir)
    const loaded = await loadDeepModel(dir)
    const before = await predictDeep(result, data.features)
    const after = await predictDeep(loaded, data.features)
    expect(loaded.classes).toEqual(data.classes)
    expect(Array.from(after.predicted)).toEqual(Array.from(before.predicted))
    for (let i = 0; i < before.probabilities.length; i++) {
      expect(after.probabilities[i]).toBeCloseTo(before.probabilities[i]!, 5)
    }
  })

  it('resumed from a checkpoint, ends with the same weights and history as an uninterrupted run', async () => {
    const data = bandsDataset({ seed: 11 })
    const straight = await trainDeepModel(EVERYTHING, dataset(data), { checkpointDir: tempDir() })
    const dir = tempDir()
    const first = await trainDeepModel(EVERYTHING, dataset(data), { checkpointDir: dir, stopAfterEpochs: 2 })
    expect(first.epochs).toBe(2)
    const resumed = await trainDeepModel(EVERYTHING, dataset(data), { checkpointDir: dir })
    expect(resumed.resumedFrom).toBe(2)
    expect(resumed.epochs).toBe(5)
    expect(withoutTimes(resumed.history)).toEqual(withoutTimes(straight.history))
    expect(weightsOf(resumed.model)).toEqual(weightsOf(straight.model))
    // …and a different seed does give different weights, so the comparison above can fail.
    const other = await trainDeepModel(
      { ...EVERYTHING, params: { ...EVERYTHING.params, seed: 4, epochs: 1 } } as DeepModelSpecInput,
      dataset(data),
    )
    expect(weightsOf(other.model)).not.toEqual(weightsOf(straight.model))
  })

  it('resumes late in a run bit for bit: Adam’s bias-correction products travel with the checkpoint', async () => {
    // Adam recomputes β^t with pow() when its slots are restored; the running product it keeps
    // while training differs in the last bits after some dozens of steps, and so would the run.
    const data = bandsDataset({ seed: 5 })
    const spec = {
      ...EVERYTHING,
      params: { ...EVERYTHING.params, epochs: 14, lrSchedule: 'constant' },
    } as DeepModelSpecInput
    const straight = await trainDeepModel(spec, dataset(data))
    const dir = tempDir()
    await trainDeepModel(spec, dataset(data), { checkpointDir: dir, stopAfterEpochs: 11 })
    const resumed = await trainDeepModel(spec, dataset(data), { checkpointDir: dir })
    expect(resumed.resumedFrom).toBe(11)
    expect(withoutTimes(resumed.history)).toEqual(withoutTimes(straight.history))
    expect(weightsOf(resumed.model)).toEqual(weightsOf(straight.model))
  })

  it('refuses a damaged checkpoint with a clear error', async () => {
    const data = bandsDataset()
    const dir = tempDir()
    const spec: DeepModelSpecInput = { model: 'lstm', params: { lstmUnits: 4, epochs: 2, batchSize: 8 } }
    await trainDeepModel(spec, dataset(data), { checkpointDir: dir, stopAfterEpochs: 1 })
    const path = join(dir, CHECKPOINT_FILE)
    const bytes = await readFile(path)
    bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 0xff
    await writeFile(path, bytes)
    await expect(trainDeepModel(spec, dataset(data), { checkpointDir: dir })).rejects.toThrow(CorruptCheckpointError)
  })

  it('stops with a clear message when the loss becomes NaN', async () => {
    const data = bandsDataset()
    const frame = data.shape[0] * data.shape[1]
    const poisoned = data.train[2]!
    data.features.fill(Number.NaN, poisoned * frame + 5, poisoned * frame + 6)
    // An LSTM carries the NaN to the loss (a ReLU network may turn it into 0 on the way); a mask
    // or a time shift could erase it first, so augmentation is off.
    const run = trainDeepModel(
      { model: 'lstm', params: { lstmUnits: 4, epochs: 2, batchSize: 4, ...NO_AUGMENTATION } },
      dataset(data),
    )
    await expect(run).rejects.toThrow(NonFiniteLossError)
    await expect(run).rejects.toThrow(/loss became NaN at epoch 1, batch \d+/)
  })

  it('stops when cancelled, keeping the last checkpoint', async () => {
    const data = bandsDataset()
    const controller = new AbortController()
    const dir = tempDir()
    const run = trainDeepModel({ model: 'lstm', params: { lstmUnits: 4, epochs: 50, batchSize: 4 } }, dataset(data), {
      signal: controller.signal,
      checkpointDir: dir,
      onEpoch: (m) => m.epoch === 2 && controller.abort(),
    })
    await expect(run).rejects.toThrow(TrainingCancelledError)
    const resumed = await trainDeepModel(
      { model: 'lstm', params: { lstmUnits: 4, epochs: 3, batchSize: 4 } },
      dataset(data),
      {
        checkpointDir: dir,
      },
    )
    // A different spec (epochs) is a different run: its checkpoint is not resumed into it.
    expect(resumed.resumedFrom).toBe(0)
  })

  it('trains the CRNN and a bidirectional GRU, and stops early when validation stops improving', async () => {
    const data = bandsDataset()
    const crnn = await trainDeepModel(
      { model: 'crnn', params: { filters: [4, 4], lstmUnits: 4, epochs: 3, batchSize: 8 } },
      dataset(data),
    )
    expect(crnn.history).toHaveLength(3)
    const gru = await trainDeepModel(
      {
        model: 'lstm',
        params: {
          cell: 'gru',
          bidirectional: true,
          lstmUnits: 4,
          epochs: 40,
          batchSize: 8,
          learningRate: 0.05,
          patience: 2,
          monitor: 'val_accuracy',
        },
      },
      dataset(data),
    )
    expect(gru.stoppedEarly).toBe(true)
    expect(gru.epochs).toBeLessThan(40)
    expect(gru.bestEpoch).toBe(gru.epochs - 2)
  })

  it('rejects unknown hyperparameters by name', async () => {
    await expect(
      trainDeepModel({ model: 'cnn', params: { filterz: [4] } as never }, dataset(bandsDataset())),
    ).rejects.toThrow(/filterz/)
  })
})
