import * as tf from '@tensorflow/tfjs-core';

import {TensorInput, fail, formatShape, toFloatTensor} from './util/args';
import {FLOAT32_MAX} from './mixture_log_likelihood';

/**
 * Posterior component probabilities (E-step responsibilities) from per-component
 * log-probabilities: softmax over the last axis.
 *
 * A row whose entries are all -Infinity (a point with zero density under every component) gets
 * uniform responsibilities 1/K instead of NaN, so every row is a probability vector.
 *
 * @param logProbs [..., K].
 * @returns [..., K], rows summing to 1.
 */
export function mixtureResponsibilities(logProbs: TensorInput): tf.Tensor {
  const fn = 'mixtureResponsibilities';
  return tf.tidy(() => {
    const lp = toFloatTensor(logProbs, 'logProbs', fn);
    if (lp.rank < 1 || lp.shape[lp.rank - 1] < 1)
      fail(fn, `logProbs must have shape [..., K] with K >= 1, but got ${formatShape(lp.shape)}`);
    // Clipping the infinities makes an all -Infinity row uniform instead of NaN.
    return tf.softmax(tf.clipByValue(lp, -FLOAT32_MAX, FLOAT32_MAX));
  });
}
