import * as tf from '@tensorflow/tfjs-core';

/**
 * A column [N, 1] onto [N, width]: a matmul with a row of ones, cheaper on wasm than a broadcast
 * along the last axis.
 */
export function acrossRow(t: tf.Tensor, width: number): tf.Tensor {
  return tf.matMul(t, tf.ones([1, width]));
}
