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
import { buildDeepNet } from '../../../src/main/core/models/deep/build'
import { parseDeepSpec } from '../../../src/main/core/models/deep/params'
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

  it('pools a recurrent layer over every frame: a word at the start of a padded clip is not forgotten by the end', async () => {
    // The class shows in the first two frames only, then 30 frames of quiet noise, as a short word
    // zero-padded to the clip length.
    const data = bandsDataset({ frames: 32, perClass: 18, seed: 5 })
    const [frames, width] = data.shape
    for (let i = 0; i < data.labels.length; i++) {
      const c = data.labels[i]!
      for (let t = 0; t < frames; t++) {
        for (let f = 0; f < width; f++) {
          const at = (i * frames + t) * width + f
          data.features[at] = 0.1 * Math.sin(7 * at) + (t < 2 && Math.floor((f * 3) / width) === c ? 2 : 0)
        }
      }
    }
    const train = (pooling: 'last' | 'mean' | 'max') =>
      trainDeepModel(
        {
          model: 'lstm',
          params: {
            pooling,
            lstmUnits: 6,
            epochs: 15,
            batchSize: 9,
            learningRate: 0.02,
            patience: null,
            ...NO_AUGMENTATION,
          },
        },
        dataset(data),
      )
    for (const [pooling, layer] of [
      ['mean', 'GlobalAveragePooling1D'],
      ['max', 'GlobalMaxPooling1D'],
    ] as const) {
      const pooled = await train(pooling)
      const names = pooled.model.layers.map((l) => l.getClassName())
      expect(names[names.length - 3]).toBe(layer)
      expect(Math.max(...pooled.history.map((h) => h.valAccuracy ?? 0)), pooling).toBeGreaterThanOrEqual(0.9)
      const dir = tempDir()
      await saveDeepModel(pooled, dir)
      const loaded = await loadDeepModel(dir)
      expect(Array.from((await predictDeep(loaded, data.features)).probabilities)).toEqual(
        Array.from((await predictDeep(pooled, data.features)).probabilities),
      )
    }
    expect((await train('last')).model.layers.some((l) => l.getClassName().startsWith('Global'))).toBe(false)
  })

  it('label smoothing keeps the training loss above the smoothed targets’ entropy', async () => {
    const data = bandsDataset()
    const epsilon = 0.3
    const train = (labelSmoothing: number) =>
      trainDeepModel(
        {
          model: 'cnn',
          params: {
            filters: [4, 8],
            denseUnits: 8,
            dropout: 0,
            epochs: 15,
            batchSize: 8,
            learningRate: 0.01,
            patience: null,
            labelSmoothing,
            ...NO_AUGMENTATION,
          },
        },
        dataset(data),
      )
    const result = await train(epsilon)
    // Cross-entropy against a target is at least the target's entropy: 1 − ε + ε/k on the class,
    // ε/k on each other. Training on the one-hot targets drives the loss towards 0 instead.
    const k = data.classes.length
    const high = 1 - epsilon + epsilon / k
    const entropy = -(high * Math.log(high) + (k - 1) * (epsilon / k) * Math.log(epsilon / k))
    const losses = result.history.map((h) => h.loss)
    expect(Math.min(...losses)).toBeGreaterThanOrEqual(entropy - 1e-3)
    expect(losses[losses.length - 1]).toBeLessThan(entropy + 0.1)
    expect((await train(0)).history.at(-1)!.loss).toBeLessThan(entropy / 2)
    expect(Math.max(...result.history.map((h) => h.valAccuracy ?? 0))).toBeGreaterThanOrEqual(0.9)
  })

  it('weight decay shrinks each kernel by learning rate × decay before the step, and nothing else', async () => {
    const data = bandsDataset()
    const lr = 0.01
    const decay = 0.2
    const spec = (weightDecay: number): DeepModelSpecInput => ({
      model: 'cnn',
      params: {
        filters: [4],
        denseUnits: 4,
        epochs: 1,
        batchSize: data.train.length,
        learningRate: lr,
        weightDecay,
        patience: null,
        ...NO_AUGMENTATION,
      },
    })
    // One step: the gradient is the same in both runs (taken before the update), so the only
    // difference is the decay of the initial weights.
    const initial = await buildDeepNet(parseDeepSpec(spec(0)), data.shape, data.classes.length, 'softmax')
    const names = initial.model.weights.map((w) => w.originalName)
    const start = weightsOf(initial.model)
    const plain = weightsOf((await trainDeepModel(spec(0), dataset(data))).model)
    const decayed = weightsOf((await trainDeepModel(spec(decay), dataset(data))).model)
    let kernels = 0
    names.forEach((name, w) => {
      const kernel = /kernel$/.test(name)
      if (kernel) kernels++
      start[w]!.forEach((w0, i) => {
        const gap = plain[w]![i]! - decayed[w]![i]!
        if (kernel) expect(gap, name).toBeCloseTo(lr * decay * w0, 6)
        else expect(gap, name).toBe(0)
      })
    })
    expect(kernels).toBe(3)
  })

  it('rejects unknown hyperparameters by name', async () => {
    await expect(
      trainDeepModel({ model: 'cnn', params: { filterz: [4] } as never }, dataset(bandsDataset())),
    ).rejects.toThrow(/filterz/)
  })
})
