// How Earmark's kernels are registered on a TensorFlow.js backend: added where the backend has
// none, or wrapped around the backend's own, which they call for the cases they do not cover.
import * as tf from '@tensorflow/tfjs'

/** What a kernel function receives. */
export interface KernelArgs {
  inputs: tf.NamedTensorInfoMap
  backend: tf.KernelBackend
  attrs?: tf.NamedAttrMap
}

/** A kernel returning one tensor, or several. */
type Kernel = (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[]

/** Registers `kernel` as `name` on `backendName`, over any kernel registered there before. */
export function addKernel(backendName: string, name: string, kernel: Kernel): void {
  if (tf.getKernel(name, backendName)) tf.unregisterKernel(name, backendName)
  tf.registerKernel({ kernelName: name, backendName, kernelFunc: kernel as unknown as tf.KernelFunc })
}

/** Replaces the backend's kernel `name` with `make(original)`. */
export function replaceKernel(
  backendName: string,
  name: string,
  make: (original: (args: KernelArgs) => tf.TensorInfo) => Kernel,
): void {
  const existing = tf.getKernel(name, backendName)
  if (!existing) throw new Error(`the ${backendName} backend has no ${name} kernel to replace`)
  tf.unregisterKernel(name, backendName)
  const original = existing.kernelFunc as unknown as (args: KernelArgs) => tf.TensorInfo
  tf.registerKernel({ ...existing, kernelFunc: make(original) as unknown as tf.KernelFunc })
}
