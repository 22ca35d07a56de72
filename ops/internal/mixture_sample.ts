/**
 * The sampler behind gmmSample, mdnSample, GMMLayer.sample and GaussianMixture.sample: draws from
 * mixtures given as log-weights, means and precision Cholesky factors, shared or one mixture per
 * row. Every random number comes from tfjs-core's seeded generators, so a seed gives the same
 * draws on every backend.
 */
import * as tf from '@tensorflow/tfjs-core';

import {CovarianceType} from '../covariance/covariance_type';

/** What {@link drawFromMixtures} samples from. Tensors are read, not kept. */
export interface MixtureDraw {
  /** Log-weights (unnormalised: softmax is implied) [K], or [N, K] per mixture. */
  logWeights: tf.Tensor;
  /** Means [K, D] or [N, K, D]. */
  means: tf.Tensor;
  /** Precision Cholesky factors in the type's shape, optionally with a leading N. */
  factors: tf.Tensor;
  type: CovarianceType;
  K: number;
  D: number;
  /** Number of mixtures, or null for one shared mixture. */
  N: number | null;
  /** Draws per mixture. */
  n: number;
  seed?: number;
  /** Components are drawn with probabilities softmax(logWeights / temperature); 0 takes the heaviest (default 1). */
  temperature?: number;
  /** Multiplies every deviation from the chosen mean (default 1). */
  spreadScale?: number;
}

/**
 * Draws `n` samples from each mixture: a component by the Gumbel-max trick, then
 * mu_k + spreadScale * z P_k^-1 with z standard normal (Cov = P^-T P^-1 = Sigma_k).
 *
 * @returns samples [n, D] and int32 labels [n] for a shared mixture; [N, n, D] and [N, n] per mixture.
 */
export function drawFromMixtures(draw: MixtureDraw): {samples: tf.Tensor; labels: tf.Tensor} {
  const {type, K, D, N, n, seed, temperature = 1, spreadScale = 1} = draw;
  const lead = N === null ? [] : [N];
  if (n === 0) return {samples: tf.zeros([...lead, 0, D]), labels: tf.zeros([...lead, 0], 'int32')};
  const M = (N ?? 1) * n;
  return tf.tidy(() => {
    const logWeights = tf.broadcastTo(draw.logWeights, [...lead, K]);
    const means = tf.broadcastTo(draw.means, [...lead, K, D]);
    const factors = tf.broadcastTo(draw.factors, type.shapeWithLead(lead, K, D));
    const spreads = type.spreadFactors(type.toCanonical(factors, K, D));
    const spreadShape = spreads.shape.slice(lead.length + 1);
    const spreadSize = spreadShape.reduce((p, s) => p * s, 1);

    // Gumbel-max: argmax(logW + T G), G = -log(-log U), is distributed as softmax(logW / T). U is
    // kept inside (0, 1) in float32 so that G is finite.
    let scores = tf.broadcastTo(tf.expandDims(logWeights, -2), [...lead, n, K]);
    if (temperature > 0) {
      const uniform = tf.clipByValue(tf.randomUniform([...lead, n, K], 0, 1, 'float32', seed), 1e-30, 1 - 2 ** -24);
      scores = tf.add(scores, tf.mul(tf.neg(tf.log(tf.neg(tf.log(uniform)))), temperature));
    }
    const labels = tf.argMax(scores, -1);
    // tf.oneHot needs a depth of at least 2; comparing with 0..K-1 works for K = 1 too.
    const oneHot = tf.cast(tf.equal(tf.expandDims(labels, -1), tf.range(0, K, 1, 'int32')), 'float32');

    // The chosen component's mean and spread per draw, as one-hot matmuls (gathers are slow on cpu and wasm).
    const chosenMeans = tf.matMul(oneHot, means);
    const chosenSpreads = tf.reshape(tf.matMul(oneHot, tf.reshape(spreads, [...lead, K, spreadSize])), [
      M,
      ...spreadShape,
    ]);
    const z = tf.randomNormal([M, D], 0, 1, 'float32', seed === undefined ? undefined : seed + 1) as tf.Tensor2D;
    const deviations = tf.reshape(type.spreadRows(z, chosenSpreads), [...lead, n, D]);
    const samples = tf.add(chosenMeans, spreadScale === 1 ? deviations : tf.mul(deviations, spreadScale));
    return {samples: N === null ? tf.reshape(samples, [n, D]) : samples, labels: tf.cast(labels, 'int32')};
  });
}
