/**
 * Per-component log-probabilities of rows given on the host, chunk by chunk (the scoring
 * methods' kernel, shared by the main thread and the workers).
 */
import * as tf from '@tensorflow/tfjs-core';

import {CovarianceTypeName} from '../../ops/covariance/covariance_type';
import {gmmLogProbPrecisionCholesky} from '../../ops/gmm_log_prob_precision_cholesky';

/** Data-space parameters the kernel needs. */
export interface LogProbParameters {
  weights: tf.Tensor;
  means: tf.Tensor;
  precisionsCholesky: tf.Tensor;
}

/**
 * log w_k + log N(x | mu_k, Sigma_k), [B, K], for weights that need not sum to one (a scoring
 * group's subset of a model's components): the op normalises its logits, so their log-sum is
 * added back.
 */
export function logWeightedDensities(x: tf.Tensor2D, p: LogProbParameters, type: CovarianceTypeName): tf.Tensor2D {
  const logWeights = tf.log(p.weights);
  const logProb = gmmLogProbPrecisionCholesky(x, logWeights, p.means, p.precisionsCholesky, type);
  return tf.add(logProb, tf.logSumExp(logWeights)) as tf.Tensor2D;
}

/**
 * `body` of the log-probabilities [B, K] of every chunk of `batchSize` rows of `values`
 * (row-major [N * D]), concatenated; run inside the caller's tidy.
 */
export function mapRowLogProb(
  values: Float32Array,
  N: number,
  D: number,
  p: LogProbParameters,
  type: CovarianceTypeName,
  batchSize: number,
  body: (logProb: tf.Tensor2D) => tf.Tensor,
): tf.Tensor {
  const parts: tf.Tensor[] = [];
  for (let start = 0; start < N; start += batchSize) {
    const size = Math.min(batchSize, N - start);
    const x = tf.tensor2d(values.subarray(start * D, (start + size) * D), [size, D]);
    parts.push(body(logWeightedDensities(x, p, type)));
  }
  return parts.length === 1 ? parts[0] : tf.concat(parts, 0);
}
