/**
 * Plain tfjs composites of the GMM log-probabilities (no customGrad), for comparing our
 * hand-written gradients with tfjs autodiff. They use the library's linear algebra, which is
 * itself plain tfjs ops checked against numpy in linalg.test.ts.
 */
import * as tf from '@tensorflow/tfjs-core';

import {spdInverse, spdLogDet} from '../../ops/linalg';
import {transposeLast2} from '../../ops/linalg/matrix_utils';
import {CovType} from './reference_f64';

const LOG_2PI = Math.log(2 * Math.PI);

/** Broadcasts a per-type parameter to full [..., K, D, D] matrices. */
function toMatrices(type: CovType, cov: tf.Tensor, K: number, D: number): tf.Tensor {
  if (type === 'full') return cov;
  if (type === 'tied') return tf.broadcastTo(tf.expandDims(cov, -3), [...cov.shape.slice(0, -2), K, D, D]);
  if (type === 'shared_isotropic' || type === 'constant') {
    // One scalar per mixture: [...lead] -> [...lead, K, D].
    const variances = tf.broadcastTo(tf.reshape(cov, [...cov.shape, 1, 1]), [...cov.shape, K, D]);
    return tf.mul(tf.expandDims(variances, -1), tf.eye(D));
  }
  const variances = type === 'diag' ? cov : tf.broadcastTo(tf.expandDims(cov, -1), [...cov.shape, D]);
  return tf.mul(tf.expandDims(variances, -1), tf.eye(D));
}

/** log pi + log N with Sigma^-1 and log det Sigma formed explicitly. */
export function plainLogProbNatural(
  type: CovType,
  x: tf.Tensor,
  weights: tf.Tensor,
  means: tf.Tensor,
  cov: tf.Tensor,
): tf.Tensor {
  const x2 = x.rank === 1 ? tf.reshape(x, [1, -1]) : x;
  const [N, D] = x2.shape;
  const K = weights.shape[weights.rank - 1];
  const sigma = toMatrices(type, cov, K, D);
  const sym = tf.mul(tf.add(sigma, transposeLast2(sigma)), 0.5);
  const precision = spdInverse(sym);
  const logDet = spdLogDet(sym);
  const d = tf.sub(tf.reshape(x2, [N, 1, D]), means); // [N, K, D]
  const solved = tf.sum(tf.mul(precision, tf.expandDims(d, -2)), -1); // Sigma^-1 d
  const quad = tf.sum(tf.mul(solved, d), -1);
  const out = tf.add(tf.log(weights), tf.mul(tf.add(tf.add(quad, logDet), D * LOG_2PI), -0.5));
  return x.rank === 1 ? tf.reshape(out, [K]) : out;
}

/** log softmax(logits) + log N through an upper-triangular precision factor. */
export function plainLogProbPrecisionCholesky(
  type: CovType,
  x: tf.Tensor,
  logits: tf.Tensor,
  means: tf.Tensor,
  factor: tf.Tensor,
): tf.Tensor {
  const x2 = x.rank === 1 ? tf.reshape(x, [1, -1]) : x;
  const [N, D] = x2.shape;
  const K = logits.shape[logits.rank - 1];
  const upper = tf.tensor2d(
    Array.from({length: D * D}, (_, i) => (i % D >= Math.floor(i / D) ? 1 : 0)),
    [D, D],
  );
  const P = tf.mul(toMatrices(type, factor, K, D), upper);
  const d = tf.sub(tf.reshape(x2, [N, 1, D]), means);
  const y = tf.sum(tf.mul(P, tf.expandDims(d, -1)), -2); // y_j = sum_i d_i P_ij
  const logDet = tf.sum(tf.log(tf.abs(tf.sum(tf.mul(P, tf.eye(D)), -1))), -1);
  const out = tf.add(
    tf.logSoftmax(logits),
    tf.sub(logDet, tf.add(tf.mul(tf.sum(tf.square(y), -1), 0.5), (D / 2) * LOG_2PI)),
  );
  return x.rank === 1 ? tf.reshape(out, [K]) : out;
}
