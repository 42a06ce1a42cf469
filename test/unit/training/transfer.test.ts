import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { exportRunFiles } from '../../../src/main/core/runs'
import {
  initEngine,
  loadDeepModel,
  predictDeep,
  saveDeepModel,
  trainDeepModel,
  type WorkerDataset,
} from '../../../src/main/core/training'
import { writeAudioGraphModel, writeGraphModel } from '../../helpers/graph-models'
import { tempDir } from '../../helpers/temp'
import { bandsDataset, tonesDataset, dataset } from './synthetic'

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
        // These classes are which two of eight bands are lit: warping the bands would blur them.
        params: {
          filters: [4, 8],
          denseUnits: 8,
          epochs: 10,
          batchSize: 8,
          learningRate: 0.01,
          patience: null,
          freqWarp: 0,
        },
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

  it('uses a GraphModel as a frozen embedding, and the saved run (and its export) carries the graph', async () => {
    const graphDir = tempDir()
    writeGraphModel(graphDir, 12, 8)
    const data = bandsDataset({ classes: 4, perClass: 9, seed: 5 })
    const spec = {
      model: 'transfer' as const,
      params: { baseModel: graphDir, denseUnits: 8, epochs: 25, batchSize: 8, learningRate: 0.03, patience: null },
    }
    const trained = await trainDeepModel(spec, dataset(data))
    expect(Math.max(...trained.history.map((h) => h.valAccuracy ?? 0))).toBeGreaterThanOrEqual(0.9)
    // Only the head trains: the graph has no variables.
    expect(trained.model.trainableWeights.map((w) => w.name.split('/')[1])).toEqual([
      'kernel',
      'bias',
      'kernel',
      'bias',
    ])

    const saved = tempDir()
    await saveDeepModel(trained, saved)
    expect(existsSync(join(saved, 'base', 'model.json'))).toBe(true)
    // A run folder has these beside the model (runs/train-deep.ts writes them).
    writeFileSync(join(saved, 'labels.json'), JSON.stringify(trained.classes))
    writeFileSync(join(saved, 'features.json'), '{}')
    const exported = tempDir()
    await exportRunFiles(join(saved, 'model.json'), exported, { id: 1 })
    expect(existsSync(join(exported, 'base', 'group1-shard1of1.bin'))).toBe(true)
    const reloaded = await loadDeepModel(exported)
    const before = await predictDeep(trained, data.features)
    const after = await predictDeep(reloaded, data.features)
    expect(Array.from(after.predicted)).toEqual(Array.from(before.predicted))
    after.probabilities.forEach((p, i) => expect(p).toBeCloseTo(before.probabilities[i] as number, 5))

    await expect(
      trainDeepModel({ ...spec, params: { ...spec.params, fineTuneLayers: 1 } }, dataset(data)),
    ).rejects.toThrow(/GraphModel base cannot be fine-tuned/)
    await expect(trainDeepModel(spec, dataset(bandsDataset({ frames: 10 })))).rejects.toThrow(
      /takes inputs of shape \[12, 8\], but the features are \[10, 8\]/,
    )
  })

  it('uses a GraphModel that takes audio (as YAMNet) on waveforms, one clip at a time, its frames averaged', async () => {
    const graphDir = tempDir()
    writeAudioGraphModel(graphDir, 64, 4, 3)
    const data = tonesDataset({ classes: 3, perClass: 9, samples: 1024, frame: 64, cycles: 4 })
    const spec = {
      model: 'transfer' as const,
      params: { baseModel: graphDir, denseUnits: 0, epochs: 30, batchSize: 8, learningRate: 0.05, patience: null },
    }
    const executions = vi.spyOn(tf.GraphModel.prototype, 'execute')
    const trained = await trainDeepModel(spec, dataset(data))
    // The frozen graph ran once per clip (and once to learn its output's shape), not every epoch.
    expect(executions).toHaveBeenCalledTimes(1 + data.train.length + data.validation.length)
    executions.mockRestore()
    expect(Math.max(...trained.history.map((h) => h.valAccuracy ?? 0))).toBeGreaterThanOrEqual(0.9)
    // The node named like an embedding, [frames, 6] per clip, averaged over its 16 frames.
    const embedding = trained.model.layers.find((l) => l.getClassName() === 'EarmarkGraphEmbedding')!
    expect(embedding.getConfig()['node']).toBe('embeddings')
    expect(embedding.outputShape).toEqual([null, 6])
    // Samples go in as they are: the graph expects its own scale.
    expect(trained.standardizer.mean).toEqual([0])
    expect(trained.standardizer.std).toEqual([1])

    const saved = tempDir()
    await saveDeepModel(trained, saved)
    const reloaded = await loadDeepModel(saved)
    const before = await predictDeep(trained, data.features)
    const after = await predictDeep(reloaded, data.features)
    expect(Array.from(after.predicted)).toEqual(Array.from(before.predicted))

    // With input augmentation each epoch's inputs differ, so the graph runs every epoch.
    const perEpoch = vi.spyOn(tf.GraphModel.prototype, 'execute')
    await trainDeepModel({ ...spec, params: { ...spec.params, epochs: 2, timeShift: 0.1 } }, dataset(data))
    expect(perEpoch.mock.calls.length).toBeGreaterThanOrEqual(1 + 2 * (data.train.length + data.validation.length))
    perEpoch.mockRestore()

    await expect(trainDeepModel(spec, dataset(bandsDataset()))).rejects.toThrow(
      /takes audio samples \(its input is \[samples\]\), but the features are \[12, 8\]: use waveform features/,
    )
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
