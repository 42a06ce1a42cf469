// The training losses: weighted cross-entropy of a softmax or of sigmoids, shared by the trainer
// and the peers that compute parts of its steps.
import * as tf from '@tensorflow/tfjs'
import type { OutputActivation } from '../models/deep/build'

/**
 * Weighted categorical cross-entropy, Keras's way: the batch mean of weight × CE. log(p + ε) rather
 * than log(clip(p)): wasm's clip turns NaN into a bound, which would hide a diverged model.
 */
export function weightedLoss(probs: tf.Tensor, y: tf.Tensor, w: tf.Tensor): tf.Scalar {
  const ce = tf.neg(tf.sum(tf.mul(y, tf.log(tf.add(probs, 1e-7))), -1))
  return tf.mean(tf.mul(ce, w)) as tf.Scalar
}

/**
 * Binary cross-entropy of sigmoid outputs, averaged over classes as Keras's binary_crossentropy
 * is, then weighted and averaged over the batch; log(p + ε) for the reason above.
 */
export function weightedBinaryLoss(probs: tf.Tensor, y: tf.Tensor, w: tf.Tensor): tf.Scalar {
  const terms = tf.add(
    tf.mul(y, tf.log(tf.add(probs, 1e-7))),
    tf.mul(tf.sub(1, y), tf.log(tf.add(tf.sub(1, probs), 1e-7))),
  )
  return tf.mean(tf.mul(tf.neg(tf.mean(terms, -1)), w)) as tf.Scalar
}

/** The loss of a network's outputs: categorical cross-entropy of a softmax, binary of sigmoids. */
export function lossOf(output: OutputActivation): typeof weightedLoss {
  return output === 'sigmoid' ? weightedBinaryLoss : weightedLoss
}
