/**
 * Earmark's initial weights for a spec (the trainer builds the same from the same seed), in its
 * model's order with names and shapes: what a PyTorch reference loads so both sides start from
 * the same network.
 */
import { buildDeepNet } from '../src/main/core/models/deep/build'
import { parseDeepSpec, type DeepModelSpecInput } from '../src/main/core/models/deep/params'

export async function initialWeights(
  spec: DeepModelSpecInput,
  shape: [number, number],
  classes: number,
): Promise<{ values: Float32Array; list: { name: string; shape: number[] }[] }> {
  const net = await buildDeepNet(parseDeepSpec(spec), shape, classes)
  const weights = net.model.weights
  const list = weights.map((w) => ({ name: w.originalName, shape: w.shape as number[] }))
  const arrays = weights.map((w) => w.read().dataSync() as Float32Array)
  const values = new Float32Array(arrays.reduce((n, a) => n + a.length, 0))
  let offset = 0
  for (const a of arrays) {
    values.set(a, offset)
    offset += a.length
  }
  net.model.dispose()
  return { values, list }
}
