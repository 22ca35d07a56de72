/**
 * Data-driven starting mixtures for GMMLayer.initializeFrom: k-means, optionally refined by EM
 * steps. Written with ops/ only (layers/ may not import the EM estimator of src/em).
 */
import * as tf from '@tensorflow/tfjs-core';

import {CovarianceTypeName} from '../ops/covariance/covariance_type';
import {gmmLogProb} from '../ops/gmm_log_prob';
import {mixtureLogLikelihood} from '../ops/mixture_log_likelihood';
import {assertInteger, assertNumber, assertOneOf, optionKeys} from '../ops/util/args';
import {kMeans} from './kmeans';

/** Options of `GMMLayer.initializeFrom`. */
export interface GMMInitializeOptions {
  /**
   * 'kmeans' (default): weights, means and covariances of the k-means clusters. 'em': that start
   * refined by EM iterations (the maximum-likelihood mixture that gradient training would seek).
   */
  method?: 'kmeans' | 'em';
  /** Seed of the k-means++ seeding (default 0); the same seed and data give the same start. */
  seed?: number;
  /** 'em' only: most EM iterations (default 100). */
  maxIterations?: number;
  /** 'em' only: stop when the mean log-likelihood improves by less than this (default 1e-4 nats). */
  tol?: number;
}

/** The keys of {@link GMMInitializeOptions}. */
export const GMM_INITIALIZE_OPTION_KEYS = optionKeys<GMMInitializeOptions>({
  method: true,
  seed: true,
  maxIterations: true,
  tol: true,
});

/** The options with defaults filled in, validated. */
export function resolveInitializeOptions(fn: string, options: GMMInitializeOptions): Required<GMMInitializeOptions> {
  const {method = 'kmeans', seed = 0, maxIterations = 100, tol = 1e-4} = options;
  assertOneOf(fn, 'options.method', method, ['kmeans', 'em'] as const);
  assertInteger(fn, 'options.seed', seed, 0);
  assertInteger(fn, 'options.maxIterations', maxIterations, 1);
  assertNumber(fn, 'options.tol', tol, {min: 0});
  return {method, seed, maxIterations, tol};
}

/** Natural mixture parameters in the covariance type's shapes (a type alias: tf.tidy can return it). */
type Mixture = {
  weights: tf.Tensor1D;
  means: tf.Tensor2D;
  covariances: tf.Tensor;
};

/**
 * Per-type covariances from weighted scatter: `diff` [K, N, D] = x - mu_k, `resp` [N, K],
 * `counts` [K] = sum_n resp. `reg` is added to every variance.
 */
const COVARIANCES: Record<
  CovarianceTypeName,
  (diff: tf.Tensor3D, resp: tf.Tensor2D, counts: tf.Tensor1D, reg: number) => tf.Tensor
> = {
  full: (diff, resp, counts, reg) => fullScatter(diff, resp, counts, reg),
  tied(diff, resp, counts, reg) {
    const [K, , D] = diff.shape;
    const perComponent = tf.mul(fullScatter(diff, resp, counts, 0), tf.reshape(counts, [K, 1, 1]));
    return tf.add(tf.div(tf.sum(perComponent, 0), tf.sum(counts)), tf.mul(tf.eye(D), reg));
  },
  diag: (diff, resp, counts, reg) => tf.add(diagonalScatter(diff, resp, counts), reg),
  spherical: (diff, resp, counts, reg) => tf.add(tf.mean(diagonalScatter(diff, resp, counts), 1), reg),
  shared_isotropic: pooledVariance,
  // The layer replaces it with its fixed variance (GMMLayer.initializeFrom).
  constant: pooledVariance,
};

/** One variance for all components: the count-weighted mean of the spherical variances. */
function pooledVariance(diff: tf.Tensor3D, resp: tf.Tensor2D, counts: tf.Tensor1D, reg: number): tf.Tensor {
  const spherical = tf.mean(diagonalScatter(diff, resp, counts), 1);
  return tf.add(tf.div(tf.sum(tf.mul(spherical, counts)), tf.sum(counts)), reg);
}

function weightedDiff(diff: tf.Tensor3D, resp: tf.Tensor2D): tf.Tensor3D {
  const [K, N] = diff.shape;
  return tf.mul(diff, tf.reshape(tf.transpose(resp), [K, N, 1]));
}

function fullScatter(diff: tf.Tensor3D, resp: tf.Tensor2D, counts: tf.Tensor1D, reg: number): tf.Tensor {
  const [K, , D] = diff.shape;
  const scatter = tf.matMul(weightedDiff(diff, resp), diff, true, false);
  return tf.add(tf.div(scatter, tf.reshape(counts, [K, 1, 1])), tf.mul(tf.eye(D), reg));
}

function diagonalScatter(diff: tf.Tensor3D, resp: tf.Tensor2D, counts: tf.Tensor1D): tf.Tensor {
  const K = diff.shape[0];
  return tf.div(tf.sum(tf.mul(weightedDiff(diff, resp), diff), 1), tf.reshape(counts, [K, 1]));
}

/** The M-step: the mixture that maximises the expected log-likelihood under `resp` [N, K]. */
function mStep(x: tf.Tensor2D, resp: tf.Tensor2D, type: CovarianceTypeName, reg: number): Mixture {
  return tf.tidy(() => {
    const N = x.shape[0];
    // scikit-learn's 10 eps keeps an empty component's statistics finite.
    const counts = tf.add(tf.sum(resp, 0), 10 * 1.1920929e-7) as tf.Tensor1D;
    const means = tf.div(tf.matMul(resp, x, true, false), tf.expandDims(counts, 1)) as tf.Tensor2D;
    const diff = tf.sub(tf.expandDims(x, 0), tf.expandDims(means, 1)) as tf.Tensor3D;
    return {weights: tf.div(counts, N) as tf.Tensor1D, means, covariances: COVARIANCES[type](diff, resp, counts, reg)};
  });
}

/**
 * A starting mixture for K components of `type` from data x [N, D] (N >= K): k-means++ and Lloyd
 * iterations, the clusters' statistics, then (method 'em') EM iterations. `reg` is added to every
 * variance (the layer's floor, so that the result is representable). The caller owns the result.
 */
export function initialMixture(
  x: tf.Tensor2D,
  K: number,
  type: CovarianceTypeName,
  reg: number,
  options: Required<GMMInitializeOptions>,
): Mixture {
  const [N, D] = x.shape;
  const {labels} = kMeans(x.dataSync(), N, D, K, options.seed);
  const hardResponsibilities = new Float32Array(N * K);
  labels.forEach((k, n) => (hardResponsibilities[n * K + k] = 1));
  let mixture = tf.tidy(() => mStep(x, tf.tensor2d(hardResponsibilities, [N, K]), type, reg));
  if (options.method === 'kmeans') return mixture;
  let previous = -Infinity;
  for (let iteration = 0; iteration < options.maxIterations; iteration++) {
    const [next, meanLogLikelihood] = tf.tidy(() => {
      const logProbs = gmmLogProb(x, mixture.weights, mixture.means, mixture.covariances, type);
      const logLikelihood = mixtureLogLikelihood(logProbs);
      const resp = tf.exp(tf.sub(logProbs, tf.expandDims(logLikelihood, 1))) as tf.Tensor2D;
      return [mStep(x, resp, type, reg), tf.mean(logLikelihood)] as const;
    });
    tf.dispose([mixture.weights, mixture.means, mixture.covariances]);
    mixture = next;
    const value = meanLogLikelihood.dataSync()[0];
    meanLogLikelihood.dispose();
    if (Math.abs(value - previous) < options.tol) break;
    previous = value;
  }
  return mixture;
}
