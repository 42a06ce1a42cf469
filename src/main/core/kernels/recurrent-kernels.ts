// A recurrent layer's whole time loop as one kernel on the wasm engine, with its gradient.
// TensorFlow.js's LSTM and GRU run a dozen small ops per time step forward and three dozen
// backward (splits, concats, slices, matMuls of 32 × 64 by 64 × 256, activations): at a
// training batch their dispatch costs more than their arithmetic, and on wasm a default LSTM
// trained at a tenth of PyTorch's speed. Here the whole loop runs inside one SIMD kernel call per
// pass (simd/assembly/kernels.ts): per step the input and recurrent products, the gates and, going
// back, the weight gradients' shares while the step's values are in cache. Small products of a
// 4-row by 8-column register block ran faster there than XNNPACK's large ones over all steps.
import * as tf from '@tensorflow/tfjs'
import { addKernel, type KernelArgs } from './kernel-registration'
import { recurrentFits, simdKernels, type RecurrentCell, type RecurrentFlags } from './simd'

const SEQUENCE = 'EarmarkRecurrentSequence'
const SEQUENCE_GRAD = 'EarmarkRecurrentSequenceGrad'

interface WasmOutputs {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo
}

function flagsOf(attrs: tf.NamedAttrMap | undefined): { cell: RecurrentCell; flags: RecurrentFlags } {
  const a = attrs ?? {}
  return {
    cell: a['cell'] === 'gru' ? 'gru' : 'lstm',
    flags: { reverse: a['reverse'] === true, hardSigmoid: a['hardSigmoid'] === true },
  }
}

function simdOf(backend: tf.KernelBackend): NonNullable<ReturnType<typeof simdKernels>> {
  const simd = simdKernels(backend)
  if (!simd) throw new Error(`${SEQUENCE} runs on the wasm engine only`)
  return simd
}

/** Outputs [h, state, gates] of a layer over x [batch, steps, features] (inputs x, kernel, bias, recurrent). */
function sequence({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const x = inputs['x'] as tf.TensorInfo
  const recurrent = inputs['recurrent'] as tf.TensorInfo
  const { cell, flags } = flagsOf(attrs)
  const [batch, steps] = x.shape as [number, number, number]
  const [units, width] = recurrent.shape as [number, number]
  const out = backend as unknown as WasmOutputs
  const h = out.makeOutput([batch, steps, units], 'float32')
  const state = out.makeOutput([batch, steps, units], 'float32')
  const gates = out.makeOutput([batch, steps, width], 'float32')
  const weights = {
    x,
    kernel: inputs['kernel'] as tf.TensorInfo,
    bias: inputs['bias'] as tf.TensorInfo,
    recurrent,
  }
  simdOf(backend).recurrentForward(cell, weights, { h, state, gates }, flags)
  return [h, state, gates]
}

/** [dz, dKernel, dRecurrent, dBias] from the outputs' gradient dh and the forward pass. */
function sequenceGrad({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const dh = inputs['dh'] as tf.TensorInfo
  const x = inputs['x'] as tf.TensorInfo
  const recurrent = inputs['recurrent'] as tf.TensorInfo
  const gates = inputs['gates'] as tf.TensorInfo
  const { cell, flags } = flagsOf(attrs)
  const [units, width] = recurrent.shape as [number, number]
  const features = x.shape[2] as number
  const out = backend as unknown as WasmOutputs
  const grads = {
    dz: out.makeOutput([...gates.shape], 'float32'),
    kernel: out.makeOutput([features, width], 'float32'),
    recurrent: out.makeOutput([units, width], 'float32'),
    bias: out.makeOutput([width], 'float32'),
  }
  const forward = { h: inputs['h'] as tf.TensorInfo, state: inputs['state'] as tf.TensorInfo, gates }
  simdOf(backend).recurrentBackward(cell, dh, x, recurrent, forward, grads, flags)
  return [grads.dz, grads.kernel, grads.recurrent, grads.bias]
}

let registered = false

/** Registers the recurrent sequence kernels on the wasm engine and their gradient (once). */
export function registerRecurrentKernels(): void {
  if (registered) return
  registered = true
  addKernel('wasm', SEQUENCE, sequence)
  addKernel('wasm', SEQUENCE_GRAD, sequenceGrad)
  tf.registerGradient({
    kernelName: SEQUENCE,
    inputsToSave: ['x', 'kernel', 'recurrent'],
    outputsToSave: [true, true, true],
    gradFunc: (dys, saved, attrs) => {
      const dh = (Array.isArray(dys) ? dys[0] : dys) as tf.Tensor3D
      const [x, kernel, recurrent, h, state, gates] = saved as [
        tf.Tensor3D,
        tf.Tensor2D,
        tf.Tensor2D,
        tf.Tensor3D,
        tf.Tensor3D,
        tf.Tensor3D,
      ]
      const [dz, dKernel, dRecurrent, dBias] = tf
        .engine()
        .runKernel(SEQUENCE_GRAD, { dh, x, recurrent, h, state, gates }, attrs as tf.NamedAttrMap) as unknown as [
        tf.Tensor3D,
        tf.Tensor2D,
        tf.Tensor2D,
        tf.Tensor1D,
      ]
      const [batch, steps, features] = x.shape
      // x's gradient only where something below needs it (the tape asks for it then): a CRNN's
      // convolutions do, an LSTM on the features does not.
      const dx = (): tf.Tensor =>
        tf.reshape(tf.matMul(tf.reshape(dz, [batch * steps, dz.shape[2]]), kernel, false, true), [
          batch,
          steps,
          features,
        ])
      return { x: dx, kernel: () => dKernel, recurrent: () => dRecurrent, bias: () => dBias }
    },
  })
}

/** What a recurrent layer's fused pass needs besides its input. */
export interface RecurrentWeights {
  cell: RecurrentCell
  /** [features, g·u] */
  kernel: tf.Tensor
  /** [u, g·u] */
  recurrentKernel: tf.Tensor
  /** [g·u] */
  bias: tf.Tensor
  reverse: boolean
  hardSigmoid: boolean
  returnSequences: boolean
}

/** Whether this backend and layer size can run the fused recurrent kernels. */
export function canRunRecurrentKernels(units: number): boolean {
  return tf.getBackend() === 'wasm' && recurrentFits(units) && simdKernels(tf.backend()) !== null
}

/**
 * A recurrent layer over x [batch, steps, features], as TensorFlow.js's LSTM / GRU layer computes it
 * (zero initial state, tanh activation): its last output [batch, u], or with `returnSequences` every
 * output in the order the layer reads them [batch, steps, u].
 */
export function recurrentSequence(x: tf.Tensor3D, w: RecurrentWeights): tf.Tensor {
  registerRecurrentKernels()
  const [batch, steps] = x.shape
  const units = w.recurrentKernel.shape[0] as number
  return tf.tidy(() => {
    const attrs = { cell: w.cell, reverse: w.reverse, hardSigmoid: w.hardSigmoid }
    const [h] = tf
      .engine()
      .runKernel(
        SEQUENCE,
        { x, kernel: w.kernel, bias: w.bias, recurrent: w.recurrentKernel },
        attrs,
      ) as unknown as tf.Tensor3D[]
    const outputs = h as tf.Tensor3D
    if (w.returnSequences) return w.reverse ? tf.reverse(outputs, 1) : outputs
    return tf.reshape(tf.slice(outputs, [0, w.reverse ? 0 : steps - 1, 0], [batch, 1, units]), [batch, units])
  })
}
