// Earmark's bar on real speech: on fsdd-dev with its own convention (takes 0-4 test,
// 5-49 train) the default CNN reaches at least 97% test accuracy and the default LSTM at least 95%.
// Takes 5-9 of the training takes are held out for validation (early stopping, best weights).
import { describe, expect, it } from 'vitest'
import {
  arraySource,
  defaultDeepFeatures,
  initEngine,
  predictDeep,
  trainDeepModel,
  type DeepModelSpecInput,
} from '../../src/main/core/training'
import { fsddFeatures, type FsddFeatures } from '../helpers/fsdd-deep'

/** Splits fsdd-dev's training takes into train (10-49) and validation (5-9). */
function split(d: FsddFeatures, takes: Int32Array): { train: number[]; validation: number[] } {
  return {
    train: d.train.filter((i) => (takes[i] as number) >= 10),
    validation: d.train.filter((i) => (takes[i] as number) < 10),
  }
}

async function testAccuracy(model: 'cnn' | 'lstm', spec: DeepModelSpecInput): Promise<number> {
  const d = await fsddFeatures(defaultDeepFeatures(model))
  const { train, validation } = split(d, d.takes)
  const result = await trainDeepModel(
    spec,
    { features: arraySource(d.features, d.shape), labels: d.labels, classes: d.classes, train, validation },
    {
      onEpoch: (m) =>
        console.log(
          `${model} epoch ${m.epoch}: loss ${m.loss.toFixed(3)} acc ${m.accuracy.toFixed(3)} val ${m.valAccuracy?.toFixed(3)} (${m.seconds.toFixed(1)} s)`,
        ),
    },
  )
  const per = d.shape[0] * d.shape[1]
  const x = new Float32Array(d.test.length * per)
  d.test.forEach((i, j) => x.set(d.features.subarray(i * per, (i + 1) * per), j * per))
  const predictions = await predictDeep(result, x)
  const hits = d.test.filter((i, j) => predictions.predicted[j] === d.labels[i]).length
  const accuracy = hits / d.test.length
  console.log(
    `${model}: ${result.epochs} epochs (best ${result.bestEpoch}) on ${result.engine.name}, test accuracy ${accuracy}`,
  )
  return accuracy
}

describe(`deep models on fsdd-dev`, { timeout: 900_000 }, () => {
  it('the default CNN on log-mels reaches at least 97% test accuracy', async () => {
    await initEngine()
    expect(await testAccuracy('cnn', { model: 'cnn' })).toBeGreaterThanOrEqual(0.97)
  })

  it('the default LSTM on MFCC + delta reaches at least 95% test accuracy', async () => {
    await initEngine()
    expect(await testAccuracy('lstm', { model: 'lstm' })).toBeGreaterThanOrEqual(0.95)
  })
})
