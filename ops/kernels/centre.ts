import * as tf from '@tensorflow/tfjs-core';

/**
 * x - c and mu - c with c = mean_k mu_k: every Mahalanobis difference x - mu_k is unchanged, and
 * the float32 products the kernels form stay on the scale of the mixture, not of its offset.
 */
export function centreOnMeans(x: tf.Tensor2D, means: tf.Tensor): {centredX: tf.Tensor2D; centredMeans: tf.Tensor} {
  const centre = tf.mean(means, 0, true);
  return {centredX: tf.sub(x, centre) as tf.Tensor2D, centredMeans: tf.sub(means, centre)};
}
