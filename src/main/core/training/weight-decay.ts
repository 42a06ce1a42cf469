// Decoupled weight decay (AdamW's update, as PyTorch's AdamW makes it): before each update every
// kernel shrinks by learning rate × decay, apart from the gradient, so with Adam the decay is not
// rescaled by the gradient's running variance as an L2 term in the loss would be. Unlike PyTorch's
// default, biases and batch-norm scales are left alone, as is common practice: they set offsets
// and scales rather than what the model memorises.
import * as tf from '@tensorflow/tfjs'

/** The weights that decay: dense and convolution kernels and recurrent kernels. */
const DECAYED = /kernel$/

/** Wraps an optimiser's update so that each kernel it updates first shrinks by lr × `decay`. */
export function withWeightDecay<O extends tf.Optimizer & { learningRate: number }>(optimizer: O, decay: number): O {
  if (decay === 0) return optimizer
  const apply = optimizer.applyGradients.bind(optimizer)
  optimizer.applyGradients = (gradients) => {
    const names = Array.isArray(gradients) ? gradients.map((g) => g.name) : Object.keys(gradients)
    const factor = 1 - optimizer.learningRate * decay
    for (const name of names) {
      const variable = tf.engine().registeredVariables[name]
      if (!variable || !DECAYED.test(variable.name)) continue
      const shrunk = tf.tidy(() => tf.mul(variable, factor))
      variable.assign(shrunk)
      shrunk.dispose()
    }
    apply(gradients)
  }
  return optimizer
}
