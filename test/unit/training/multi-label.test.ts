import { beforeAll, describe, expect, it } from 'vitest'
import { Random } from '../../../src/main/core/models/seeded-random'
import { arraySource, initEngine, predictDeep, trainDeepModel } from '../../../src/main/core/training'

/**
 * Examples that hold any set of three classes (none included): each class present lights its own
 * band of features in the second half of the frames, over noise. Every third example validates.
 */
function multiLabelBands(n: number, seed: number) {
  const [k, frames, width] = [3, 12, 9]
  const random = new Random(seed)
  const features = new Float32Array(n * frames * width)
  const targets = new Uint8Array(n * k)
  const train: number[] = []
  const validation: number[] = []
  for (let i = 0; i < n; i++) {
    // Example i holds the classes of the bits of i mod 8: every subset, equally often.
    for (let c = 0; c < k; c++) targets[i * k + c] = ((i % 8) >> c) & 1
    for (let t = 0; t < frames; t++) {
      for (let f = 0; f < width; f++) {
        const c = Math.floor(f / 3)
        const lit = t >= frames / 2 && targets[i * k + c] === 1
        features[(i * frames + t) * width + f] = random.normal() * 0.5 + (lit ? 2 : 0)
      }
    }
    ;(i % 3 === 2 ? validation : train).push(i)
  }
  const labels = Int32Array.from({ length: n }, (_, i) => {
    const first = [0, 1, 2].find((c) => targets[i * k + c] === 1)
    return first ?? -1
  })
  return { features, shape: [frames, width] as [number, number], targets, labels, train, validation, k }
}

/** The toy problem's only signal is one band, which the default frequency masks and mixup blur: this checks the training loop. */
const NO_AUGMENTATION = { timeShift: 0, timeMasks: 0, freqMasks: 0, mixup: 0 }

describe('multi-label training', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    await initEngine({ prefer: ['wasm'] })
  })

  it('learns sigmoid outputs by binary cross-entropy, one per class, with all-zero examples of no class', async () => {
    const d = multiLabelBands(96, 5)
    const result = await trainDeepModel(
      {
        model: 'cnn',
        params: {
          filters: [4, 8],
          denseUnits: 8,
          epochs: 15,
          batchSize: 8,
          learningRate: 0.01,
          patience: null,
          ...NO_AUGMENTATION,
        },
      },
      {
        features: arraySource(d.features, d.shape),
        labels: d.labels,
        targets: d.targets,
        classes: ['a', 'b', 'c'],
        train: d.train,
        validation: d.validation,
      },
    )
    const last = result.model.layers.at(-1)!.getConfig() as { activation?: string }
    expect(last.activation).toBe('sigmoid')
    // Binary cross-entropy starts near ln 2 (sigmoids at 0.5) and falls.
    expect(result.history[0]!.loss).toBeLessThan(1.5)
    expect(result.history.at(-1)!.loss).toBeLessThan(0.5 * result.history[0]!.loss)
    const { probabilities } = await predictDeep(result, arraySource(d.features, d.shape))
    let right = 0
    for (const i of d.validation) {
      for (let c = 0; c < d.k; c++) if ((probabilities[i * d.k + c]! >= 0.5 ? 1 : 0) === d.targets[i * d.k + c]) right++
    }
    expect(right / (d.validation.length * d.k)).toBeGreaterThanOrEqual(0.9)
    // An example of all three classes scores high on each: the outputs do not compete.
    const all = d.validation.find((i) => i % 8 === 7)!
    expect(Math.min(...[0, 1, 2].map((c) => probabilities[all * d.k + c]!))).toBeGreaterThan(0.5)
    expect(result.history.at(-1)!.valAccuracy).toBeGreaterThanOrEqual(0.9)
  })
})
