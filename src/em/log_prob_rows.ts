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
  const logits = tf.log(p.weights);
  const parts: tf.Tensor[] = [];
  for (let start = 0; start < N; start += batchSize) {
    const size = Math.min(batchSize, N - start);
    const x = tf.tensor2d(values.subarray(start * D, (start + size) * D), [size, D]);
    parts.push(body(gmmLogProbPrecisionCholesky(x, logits, p.means, p.precisionsCholesky, type) as tf.Tensor2D));
  }
  return parts.length === 1 ? parts[0] : tf.concat(parts, 0);
}
