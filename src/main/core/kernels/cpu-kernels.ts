// Training kernels for the cpu backend (the last fallback engine): its own filter gradient and
// max-pooling gradient read every value through TensorBuffer.get, which made one epoch of the
// default CNN take tens of minutes (0.7 samples/s). These run the same plain loops as the wasm
// backend's fallbacks (array-kernels.ts) over the backend's typed arrays.
import * as tf from '@tensorflow/tfjs'
import { convInfo, filterGradientInto, maxPoolGradInto, poolInfo } from './array-kernels'
import { replaceKernel, type KernelArgs } from './kernel-registration'

const BACKEND = 'cpu'

/** The kernels this module replaces on the cpu backend. */
export const CPU_TRAINING_KERNELS = ['Conv2DBackpropFilter', 'MaxPoolGrad'] as const

function values(backend: tf.KernelBackend, info: tf.TensorInfo): Float32Array {
  return backend.readSync(info.dataId) as Float32Array
}

function output(backend: tf.KernelBackend, data: Float32Array, shape: number[]): tf.TensorInfo {
  return { dataId: backend.write(data, shape, 'float32'), shape, dtype: 'float32' }
}

function conv2DBackpropFilter(original: (args: KernelArgs) => tf.TensorInfo) {
  return ({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo => {
    const x = inputs['x'] as tf.TensorInfo
    const dy = inputs['dy'] as tf.TensorInfo
    const a = attrs ?? {}
    const filterShape = a['filterShape'] as number[]
    const info = convInfo(x.shape, filterShape, { ...a, dilations: 1 })
    if (x.dtype !== 'float32' || dy.dtype !== 'float32' || info.dataFormat !== 'channelsLast') {
      return original({ inputs, backend, attrs: a })
    }
    const dw = new Float32Array(tf.util.sizeFromShape(filterShape))
    filterGradientInto(values(backend, x), values(backend, dy), dw, info)
    return output(backend, dw, filterShape)
  }
}

function maxPoolGrad(original: (args: KernelArgs) => tf.TensorInfo) {
  return ({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo => {
    const dy = inputs['dy'] as tf.TensorInfo
    const x = inputs['input'] as tf.TensorInfo
    if (x.dtype !== 'float32' || dy.dtype !== 'float32') {
      return original({ inputs, backend, attrs: attrs ?? {} })
    }
    const dx = new Float32Array(tf.util.sizeFromShape(x.shape))
    maxPoolGradInto(values(backend, x), values(backend, dy), dx, poolInfo(x.shape, attrs ?? {}))
    return output(backend, dx, x.shape)
  }
}

let registered = false

/** Replaces the slow training kernels of the cpu backend (once; call before training on cpu). */
export function registerCpuTrainingKernels(): void {
  if (registered) return
  registered = true
  replaceKernel(BACKEND, 'Conv2DBackpropFilter', conv2DBackpropFilter)
  replaceKernel(BACKEND, 'MaxPoolGrad', maxPoolGrad)
}
