// The fused recurrent layers (one SIMD kernel per pass over the whole sequence, on wasm) against
// tfjs-layers' own LSTM / GRU on the cpu backend, which run the cell op by op: same weights and
// inputs, compared outputs and gradients (of the input, kernel, recurrent kernel and bias).
import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { FusedGru, FusedLstm } from '../../../src/main/core/models/deep/recurrent-layers'
import { useEngine } from '../../../src/main/core/training'

interface Case {
  cell: 'lstm' | 'gru'
  batch: number
  steps: number
  features: number
  units: number
  goBackwards: boolean
  returnSequences: boolean
  recurrentActivation: 'hardSigmoid' | 'sigmoid'
}

const CASES: Case[] = [
  // The default LSTM's shape, a short last batch (rows not a multiple of 4) and both gate kinds.
  {
    cell: 'lstm',
    batch: 6,
    steps: 9,
    features: 40,
    units: 64,
    goBackwards: false,
    returnSequences: false,
    recurrentActivation: 'hardSigmoid',
  },
  {
    cell: 'lstm',
    batch: 5,
    steps: 7,
    features: 12,
    units: 16,
    goBackwards: true,
    returnSequences: true,
    recurrentActivation: 'sigmoid',
  },
  {
    cell: 'lstm',
    batch: 8,
    steps: 4,
    features: 6,
    units: 8,
    goBackwards: false,
    returnSequences: true,
    recurrentActivation: 'hardSigmoid',
  },
  // The CRNN's GRU, both directions.
  {
    cell: 'gru',
    batch: 7,
    steps: 8,
    features: 24,
    units: 64,
    goBackwards: false,
    returnSequences: false,
    recurrentActivation: 'hardSigmoid',
  },
  {
    cell: 'gru',
    batch: 6,
    steps: 9,
    features: 24,
    units: 32,
    goBackwards: true,
    returnSequences: false,
    recurrentActivation: 'hardSigmoid',
  },
  {
    cell: 'gru',
    batch: 3,
    steps: 5,
    features: 10,
    units: 16,
    goBackwards: true,
    returnSequences: true,
    recurrentActivation: 'sigmoid',
  },
]

/** Deterministic values in about [-scale, scale]. */
function values(n: number, seed: number, scale: number): Float32Array {
  const out = new Float32Array(n)
  let s = seed >>> 0
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    out[i] = ((s / 4294967296) * 2 - 1) * scale
  }
  return out
}

interface Outcome {
  output: Float32Array
  grads: Float32Array[]
}

/** The layer's output and the gradients of Σ output·probe w.r.t. x, kernel, recurrent kernel and bias. */
async function run(c: Case, backend: 'cpu' | 'wasm'): Promise<Outcome> {
  await tf.setBackend(backend)
  const gates = c.cell === 'lstm' ? 4 : 3
  const args = {
    units: c.units,
    goBackwards: c.goBackwards,
    returnSequences: c.returnSequences,
    recurrentActivation: c.recurrentActivation,
    // Replaced below; the default orthogonal one warns about its cost at this size.
    recurrentInitializer: 'zeros' as const,
  }
  // The reference: tfjs-layers' own classes on the cpu backend (its cell, op by op).
  const layer =
    backend === 'wasm'
      ? c.cell === 'lstm'
        ? new FusedLstm(args)
        : new FusedGru(args)
      : c.cell === 'lstm'
        ? tf.layers.lstm(args)
        : tf.layers.gru(args)
  tf.dispose(layer.apply(tf.zeros([1, c.steps, c.features])) as tf.Tensor)
  layer.setWeights([
    tf.tensor(values(c.features * gates * c.units, 1, 0.3), [c.features, gates * c.units]),
    tf.tensor(values(c.units * gates * c.units, 2, 0.3), [c.units, gates * c.units]),
    tf.tensor(values(gates * c.units, 3, 0.5), [gates * c.units]),
  ])
  const x = tf.variable(tf.tensor(values(c.batch * c.steps * c.features, 4, 1.5), [c.batch, c.steps, c.features]))
  const outShape = c.returnSequences ? [c.batch, c.steps, c.units] : [c.batch, c.units]
  const probe = tf.tensor(
    values(
      outShape.reduce((p, n) => p * n, 1),
      5,
      1,
    ),
    outShape,
  )
  const output = tf.tidy(() => layer.apply(x, { training: true }) as tf.Tensor)
  const weights = layer.trainableWeights.map((w) => w.read() as tf.Variable)
  const { grads } = tf.variableGrads(
    () => tf.sum(tf.mul(layer.apply(x, { training: true }) as tf.Tensor, probe)) as tf.Scalar,
    [x, ...weights],
  )
  const outcome = {
    output: Float32Array.from(await output.data()),
    grads: await Promise.all(
      [x, ...weights].map(async (v) => Float32Array.from(await (grads[v.name] as tf.Tensor).data())),
    ),
  }
  tf.dispose([x, probe, output, ...Object.values(grads)])
  layer.dispose()
  return outcome
}

function expectClose(actual: Float32Array, expected: Float32Array, what: string, tolerance = 2e-4): void {
  expect(actual.length, what).toBe(expected.length)
  let worst = 0
  let scale = 1e-6
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs((actual[i] as number) - (expected[i] as number)))
    scale = Math.max(scale, Math.abs(expected[i] as number))
  }
  expect(worst / scale, what).toBeLessThan(tolerance)
}

describe('fused recurrent layers on wasm', () => {
  beforeAll(async () => {
    await useEngine('wasm')
  })

  for (const c of CASES) {
    const name = `${c.cell} ${c.units} units, batch ${c.batch} × ${c.steps} steps${c.goBackwards ? ', backwards' : ''}${c.returnSequences ? ', sequences' : ''}, ${c.recurrentActivation}`
    it(`matches tfjs-layers on cpu: ${name}`, async () => {
      const expected = await run(c, 'cpu')
      const actual = await run(c, 'wasm')
      expectClose(actual.output, expected.output, 'output')
      const names = ['x', 'kernel', 'recurrent kernel', 'bias']
      expected.grads.forEach((g, i) => expectClose(actual.grads[i] as Float32Array, g, `gradient of ${names[i]}`))
    })
  }

  it('runs the fused kernel on wasm (not the op-by-op cell)', async () => {
    await tf.setBackend('wasm')
    const layer = new FusedLstm({ units: 16 })
    const x = tf.ones([4, 6, 3])
    tf.dispose(layer.apply(x) as tf.Tensor)
    const { kernels } = await tf.profile(() => layer.apply(x) as tf.Tensor)
    expect(kernels.map((k) => k.name)).toContain('EarmarkRecurrentSequence')
    expect(kernels.filter((k) => k.name === 'SplitV')).toHaveLength(0)
    x.dispose()
    layer.dispose()
  })
})
