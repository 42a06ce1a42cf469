// Adam whose update is one SIMD pass per variable on the wasm engine (simd adamStep): tfjs's
// AdamOptimizer spends fourteen ops per variable per step, each a kernel call with its
// bookkeeping, which on a small CNN cost more than the update's arithmetic. The arithmetic,
// roundings, moment variables, names and saved weights are tfjs's, so checkpoints and the
// running products the trainer keeps work unchanged; other backends run tfjs's own update.
// The moments are updated in place; the weights get new memory, as XNNPACK keeps operators
// (with their packed weights) per weight tensor until that tensor's memory is released.
import * as tf from '@tensorflow/tfjs'
import { simdKernels } from '../kernels/simd'

interface Moment {
  originalName: string
  variable: tf.Variable
}

/** The private fields of tfjs's AdamOptimizer this subclass reads and keeps as tfjs does. */
interface AdamState {
  accBeta1: tf.Variable
  accBeta2: tf.Variable
  accumulatedFirstMoment: Moment[]
  accumulatedSecondMoment: Moment[]
}

export class FusedAdam extends tf.AdamOptimizer {
  static override get className(): string {
    return 'Adam'
  }

  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    const simd = tf.getBackend() === 'wasm' ? simdKernels(tf.backend()) : null
    const state = this as unknown as AdamState
    const names = Array.isArray(variableGradients)
      ? variableGradients.map((v) => v.name)
      : Object.keys(variableGradients)
    const variables = names.map((name) => tf.engine().registeredVariables[name] as tf.Variable)
    if (!simd || variables.some((v) => v.dtype !== 'float32')) {
      super.applyGradients(variableGradients)
      return
    }
    const moments = variables.map((value, i) => {
      state.accumulatedFirstMoment[i] ??= {
        originalName: `${names[i]}/m`,
        variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
      }
      state.accumulatedSecondMoment[i] ??= {
        originalName: `${names[i]}/v`,
        variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
      }
      return [state.accumulatedFirstMoment[i].variable, state.accumulatedSecondMoment[i].variable] as const
    })
    // Moments are written in place: only where nothing else reads the same memory.
    if (moments.some((pair) => pair.some((t) => simd.references(t) !== 1))) {
      super.applyGradients(variableGradients)
      return
    }
    const accBeta1 = state.accBeta1.dataSync()[0] as number
    const accBeta2 = state.accBeta2.dataSync()[0] as number
    const scalars = {
      learningRate: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      c1: Math.fround(1 - accBeta1),
      c2: Math.fround(1 - accBeta2),
    }
    const backend = tf.backend() as unknown as { makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo }
    variables.forEach((value, i) => {
      const gradient = Array.isArray(variableGradients)
        ? variableGradients[i]?.tensor
        : variableGradients[names[i] as string]
      if (!gradient) return
      const [m, v] = moments[i] as readonly [tf.Variable, tf.Variable]
      const out = backend.makeOutput(value.shape, 'float32')
      simd.adamStep(value, out, m, v, gradient, scalars)
      const next = tf.engine().makeTensorFromTensorInfo(out)
      value.assign(next)
      next.dispose()
    })
    tf.tidy(() => {
      state.accBeta1.assign(tf.mul(state.accBeta1, this.beta1))
      state.accBeta2.assign(tf.mul(state.accBeta2, this.beta2))
    })
    this.incrementIterations()
  }
}
