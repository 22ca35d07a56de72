/**
 * Sampling from a fitted mixture, as scikit-learn's `GaussianMixture.sample` returns it: the
 * sampler of `gmmSample`, then the draws grouped by component.
 */
import * as tf from '@tensorflow/tfjs-core';

import {CovarianceType} from '../../ops/covariance/covariance_type';
import {drawFromMixtures} from '../../ops/internal/mixture_sample';
import {FittedParameters} from './parameters';

/** Indices that sort `labels` (0..K-1) stably: a counting sort. */
function groupingOrder(labels: ArrayLike<number>, K: number): Int32Array {
  const starts = new Int32Array(K + 1);
  for (let i = 0; i < labels.length; i++) starts[labels[i] + 1]++;
  for (let k = 0; k < K; k++) starts[k + 1] += starts[k];
  const order = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) order[starts[labels[i]]++] = i;
  return order;
}

/**
 * `n` samples: components drawn with probabilities `weights`, x = mu_k + z P_k^-1 with z standard
 * normal (Cov x = Sigma_k), grouped by component.
 *
 * @returns samples [n, D] and their component labels (int32 [n]), owned by the caller.
 */
export function sampleMixture(
  params: FittedParameters,
  type: CovarianceType,
  n: number,
  seed: number,
): {samples: tf.Tensor2D; labels: tf.Tensor1D} {
  const [K, D] = params.means.shape as [number, number];
  return tf.tidy(() => {
    const drawn = drawFromMixtures({
      logWeights: tf.log(params.weights),
      means: params.means,
      factors: params.precisionsCholesky,
      type,
      K,
      D,
      N: null,
      n,
      seed,
    });
    if (n === 0) return drawn as {samples: tf.Tensor2D; labels: tf.Tensor1D};
    const order = tf.tensor1d(groupingOrder(drawn.labels.dataSync(), K), 'int32');
    return {
      samples: tf.gather(drawn.samples, order) as tf.Tensor2D,
      labels: tf.gather(drawn.labels, order) as tf.Tensor1D,
    };
  });
}
