import * as tf from '@tensorflow/tfjs-core';

/**
 * x - c and mu - c: every Mahalanobis difference x - mu_k is unchanged, and the float32 products
 * the kernels form stay on the scale of the components around c, not of their offset. `center`
 * [1, D] defaults to the mean of the means (see grouped.ts for how the shared ops choose it).
 */
export function centerOn(
  x: tf.Tensor2D,
  means: tf.Tensor,
  center?: tf.Tensor,
): {centeredX: tf.Tensor2D; centeredMeans: tf.Tensor} {
  const c = center ?? tf.mean(means, 0, true);
  return {centeredX: tf.sub(x, c) as tf.Tensor2D, centeredMeans: tf.sub(means, c)};
}
