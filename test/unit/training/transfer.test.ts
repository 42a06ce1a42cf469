import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  arraySource,
  initEngine,
  predictDeep,
  saveDeepModel,
  trainDeepModel,
  type DeepDataset,
  type WorkerDataset,
} from '../../../src/main/core/training'
import { tempDir } from '../../helpers/temp'
import { bandsDataset } from './synthetic'

function dataset(d: WorkerDataset): DeepDataset {
  return {
    features: arraySource(d.features, d.shape),
    labels: d.labels,
    classes: d.classes,
    train: d.train,
    validation: d.validation,
  }
}

/** The same bands relabelled: a two-class task (band 0 against the rest) the base never saw. */
function relabelled(d: WorkerDataset): WorkerDataset {
  return { ...d, labels: d.labels.map((c) => (c === 0 ? 0 : 1)), classes: ['low', 'not low'] }
}

function valuesByName(model: tf.LayersModel): Map<string, number[]> {
  return new Map(model.weights.map((w) => [w.originalName, Array.from(w.read().dataSync())]))
}

describe('transfer learning', { timeout: 180_000 }, () => {
  beforeAll(async () => {
    await initEngine({ prefer: ['wasm'] })
  })

  it('reuses a saved model as a frozen embedding, or fine-tunes its top layers, for a new label set', async () => {
    const base = await trainDeepModel(
      {
        model: 'cnn',
        params: { filters: [4, 8], denseUnits: 8, epochs: 10, batchSize: 8, learningRate: 0.01, patience: null },
      },
      dataset(bandsDataset({ classes: 4, perClass: 9 })),
    )
    const baseDir = tempDir()
    await saveDeepModel(base, baseDir)
    const baseWeights = valuesByName(base.model)

    const data = relabelled(bandsDataset({ classes: 4, perClass: 9, seed: 21 }))
    const frozen = await trainDeepModel(
      {
        model: 'transfer',
        params: { baseModel: baseDir, denseUnits: 8, epochs: 15, batchSize: 8, learningRate: 0.02, patience: null },
      },
      dataset(data),
    )
    expect(frozen.classes).toEqual(['low', 'not low'])
    expect(frozen.model.outputs[0]!.shape).toEqual([null, 2])
    expect(Math.max(...frozen.history.map((h) => h.valAccuracy ?? 0))).toBeGreaterThanOrEqual(0.9)
    // The embedding's weights are untouched, batch-norm statistics included.
    const after = valuesByName(frozen.model)
    let shared = 0
    for (const [name, values] of baseWeights) {
      if (!after.has(name)) continue
      shared++
      expect(after.get(name), name).toEqual(values)
    }
    expect(shared).toBeGreaterThan(4)
    const predictions = await predictDeep(frozen, data.features)
    expect(predictions.probabilities.length).toBe(data.labels.length * 2)

    const tuned = await trainDeepModel(
      {
        model: 'transfer',
        params: { baseModel: baseDir, fineTuneLayers: 1, denseUnits: 0, epochs: 3, batchSize: 8, patience: null },
      },
      dataset(data),
    )
    const tunedWeights = valuesByName(tuned.model)
    const changed = [...baseWeights].filter(
      ([name, values]) => tunedWeights.has(name) && JSON.stringify(tunedWeights.get(name)) !== JSON.stringify(values),
    )
    // Exactly the base's top layer with weights (its hidden dense layer: kernel and bias) moved.
    expect(changed.map(([name]) => name.split('/')[1])).toEqual(['kernel', 'bias'])
    expect(changed.every(([name]) => name.startsWith('dense'))).toBe(true)
  })

  it('says what shape the base model wants when the features do not fit it', async () => {
    const base = await trainDeepModel(
      { model: 'cnn', params: { filters: [4], epochs: 1, batchSize: 8 } },
      dataset(bandsDataset()),
    )
    const baseDir = tempDir()
    await saveDeepModel(base, baseDir)
    await expect(
      trainDeepModel(
        { model: 'transfer', params: { baseModel: baseDir, epochs: 1 } },
        dataset(bandsDataset({ frames: 10 })),
      ),
    ).rejects.toThrow(/takes inputs of shape \[12, 8\], but the features are \[10, 8\]/)
  })
})
