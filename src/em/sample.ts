/**
 * Sampling from a fitted mixture, as scikit-learn's `GaussianMixture.sample` does it.
 */
import * as tf from '@tensorflow/tfjs-core';

import {CovarianceType} from '../../ops/covariance/covariance_type';
import {SeededRandom} from '../util/random';
import {FittedParameters} from './parameters';

/** How many of `n` draws fall on each component: multinomial in the weights. */
function componentCounts(weights: ArrayLike<number>, n: number, rng: SeededRandom): number[] {
  const K = weights.length;
  const counts = new Array<number>(K).fill(0);
  for (let i = 0; i < n; i++) {
    let u = rng.uniform();
    let k = 0;
    while (k < K - 1 && u >= weights[k]) {
      u -= weights[k];
      k++;
    }
    counts[k]++;
  }
  return counts;
}

/**
 * `n` samples, grouped by component: the number per component is multinomial in the weights,
 * then x = mu_k + (z spread by the component's factor) with z standard normal, so that
 * Cov x = Sigma_k.
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
  const rng = new SeededRandom(seed);
  const counts = componentCounts(params.weights.dataSync(), n, rng);
  const labels = new Int32Array(n);
  return tf.tidy(() => {
    const factor = type.toCanonical(params.precisionsCholesky, K, D);
    const parts: tf.Tensor[] = [];
    let offset = 0;
    counts.forEach((count, k) => {
      if (count === 0) return;
      const z = tf.tensor2d(
        Float32Array.from({length: count * D}, () => rng.normal()),
        [count, D],
      );
      const mean = tf.slice(params.means, [k, 0], [1, D]);
      parts.push(tf.add(mean, type.spreadNormals(z, type.componentFactor(factor, k))));
      labels.fill(k, offset, offset + count);
      offset += count;
    });
    return {samples: tf.concat(parts, 0) as tf.Tensor2D, labels: tf.tensor1d(labels, 'int32')};
  });
}
