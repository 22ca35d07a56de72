/**
 * Baselines for the benchmark: the same math as our ops (same matmul form, same elementwise
 * form), written as plain tfjs ops so that tfjs autodiff computes the gradient.
 */
import * as tf from '@tensorflow/tfjs-core';

import {precisionCholeskyFromCovariance} from '../ops/linalg';
import {diagPart, triangleMask} from '../ops/linalg/matrix_utils';

const LOG_2PI = Math.log(2 * Math.PI);

/** log-probs [N, K] from logits, means and upper P [K, D, D]: one stacked matmul. */
export function plainFullLogProb(x: tf.Tensor2D, logits: tf.Tensor, means: tf.Tensor, factor: tf.Tensor): tf.Tensor {
  const [N, D] = x.shape;
  const K = means.shape[0];
  const P = tf.mul(factor, triangleMask(D, false));
  const stacked = tf.reshape(tf.transpose(P, [1, 0, 2]), [D, K * D]);
  const meanRows = tf.reshape(tf.matMul(tf.reshape(means, [K, 1, D]), P), [1, K * D]);
  const y = tf.sub(tf.matMul(x, stacked), meanRows);
  const squaredNorms = tf.sum(tf.reshape(tf.square(y), [N, K, D]), -1);
  const logDet = tf.sum(tf.log(tf.abs(diagPart(P))), -1);
  return tf.add(tf.logSoftmax(logits), tf.sub(tf.sub(logDet, (D / 2) * LOG_2PI), tf.mul(squaredNorms, 0.5)));
}

/** log-probs [N, K] from logits, means and p = 1/sigma [K, D]: elementwise. */
export function plainDiagLogProb(x: tf.Tensor2D, logits: tf.Tensor, means: tf.Tensor, factor: tf.Tensor): tf.Tensor {
  const [N, D] = x.shape;
  const y = tf.mul(tf.sub(tf.reshape(x, [N, 1, D]), means), factor);
  const squaredNorms = tf.sum(tf.square(y), -1);
  const logDet = tf.sum(tf.log(tf.abs(factor)), -1);
  return tf.add(tf.logSoftmax(logits), tf.sub(tf.sub(logDet, (D / 2) * LOG_2PI), tf.mul(squaredNorms, 0.5)));
}

/** Natural parameters: P from the covariances with the library's (plain-op) Cholesky, then as above. */
export function plainNaturalLogProb(
  type: 'full' | 'diag',
  x: tf.Tensor2D,
  weights: tf.Tensor,
  means: tf.Tensor,
  covariances: tf.Tensor,
): tf.Tensor {
  const logits = tf.log(weights);
  if (type === 'diag') return plainDiagLogProb(x, logits, means, tf.rsqrt(covariances));
  return plainFullLogProb(x, logits, means, precisionCholeskyFromCovariance(covariances));
}

/** Mean NLL with tf.logSumExp. */
export function plainNLL(logProbs: tf.Tensor): tf.Scalar {
  return tf.neg(tf.mean(tf.logSumExp(logProbs, 1))) as tf.Scalar;
}

/**
 * Per-sample mixtures (logits [N, K], means [N, K, D], factor [N, K, D, D] upper P or [N, K, D]
 * 1/sigma): log-probs [N, K] with elementwise products, as a mixture-density head's loss needs.
 */
export function plainPerSampleLogProb(
  x: tf.Tensor2D,
  logits: tf.Tensor,
  means: tf.Tensor,
  factor: tf.Tensor,
  type: 'full' | 'diag',
): tf.Tensor {
  const [N, D] = x.shape;
  const d = tf.sub(tf.reshape(x, [N, 1, D]), means);
  const y =
    type === 'diag'
      ? tf.mul(d, factor)
      : tf.sum(tf.mul(tf.expandDims(d, -1), tf.mul(factor, triangleMask(D, false))), -2);
  const logDet = tf.sum(tf.log(tf.abs(type === 'diag' ? factor : diagPart(factor))), -1);
  return tf.add(
    tf.logSoftmax(logits),
    tf.sub(tf.sub(logDet, (D / 2) * LOG_2PI), tf.mul(tf.sum(tf.square(y), -1), 0.5)),
  );
}
