import * as tf from '@tensorflow/tfjs-core';

/**
 * x - c and mu - c with c = mean_k mu_k: every Mahalanobis difference x - mu_k is unchanged, and
 * the float32 products the kernels form stay on the scale of the mixture, not of its offset.
 */
export function centerOnMeans(x: tf.Tensor2D, means: tf.Tensor): {centeredX: tf.Tensor2D; centeredMeans: tf.Tensor} {
  const center = tf.mean(means, 0, true);
  return {centeredX: tf.sub(x, center) as tf.Tensor2D, centeredMeans: tf.sub(means, center)};
}
