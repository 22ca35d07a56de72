/**
 * Picking one component per row from per-sample mixture parameters.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Sums `parameter` [N, K, ...] over K weighted by a float one-hot mask [N, K], giving
 * [N, ...]: the chosen component's entry in every row (a masked sum rather than a per-row
 * gatherND, which is slow on the cpu backend).
 */
export function selectComponent(oneHot: tf.Tensor, parameter: tf.Tensor): tf.Tensor {
  const [N, K] = oneHot.shape;
  const mask = tf.reshape(oneHot, [N, K, ...parameter.shape.slice(2).map(() => 1)]);
  return tf.sum(tf.mul(mask, parameter), 1);
}

/** The one-hot [N, K] float mask of the largest entry of each row of `scores` [N, K]. */
export function argMaxOneHot(scores: tf.Tensor): tf.Tensor {
  const K = scores.shape[1]!;
  // tf.oneHot needs a depth of at least 2; comparing with 0..K-1 works for K = 1 too.
  return tf.cast(tf.equal(tf.expandDims(tf.argMax(scores, 1), 1), tf.range(0, K, 1, 'int32')), 'float32');
}
