import * as tf from '@tensorflow/tfjs-core';

import {TensorInput, assertKnownKeys, optionKeys} from './util/args';
import {CovarianceTypeName} from './covariance/covariance_type';
import {parseMixtureArgs} from './internal/mixture_args';
import {mixtureLogProb} from './internal/mixture_log_prob_op';
import {checkMixtureValues} from './internal/mixture_values';

/** Options shared by the ops that take covariances. */
export interface CovarianceOpOptions {
  /**
   * Read the covariances back and throw a descriptive error when one is not positive definite
   * (default false: such covariances give NaN, and nothing synchronises with the backend).
   */
  checkPositiveDefinite?: boolean;
}

/** The keys of {@link CovarianceOpOptions}. */
export const COVARIANCE_OP_OPTION_KEYS = optionKeys<CovarianceOpOptions>({checkPositiveDefinite: true});

/**
 * Per-component log-probabilities `log pi_k + log N(x | mu_k, Sigma_k)`, with a hand-written
 * gradient w.r.t. every argument.
 *
 * Shapes (scikit-learn's conventions, K components, D features):
 * - `x`: [N, D] -> result [N, K]; or a single [D] -> result [K].
 * - `weights`: [K], mixture weights pi (probabilities; not renormalised).
 * - `means`: [K, D].
 * - `covariances`: `full` [K, D, D], `tied` [D, D], `diag` [K, D] (variances), `spherical` [K].
 * Any parameter may instead carry a leading N (one mixture per sample, as mixture-density heads
 * produce): weights [N, K], means [N, K, D], covariances [N, K, D, D] / [N, D, D] / [N, K, D] / [N, K].
 *
 * Only the symmetric part of each covariance matters, so the covariance gradient is symmetric.
 * Internally Sigma^-1 = P P^T with P the Cholesky factor of the precision; no inverse is formed.
 *
 * @example
 * const logProb = gmmLogProb([[0, 0], [3, 1]], [0.5, 0.5], [[0, 0], [3, 0]], [[1, 1], [1, 2]], 'diag');
 */
export function gmmLogProb(
  x: TensorInput,
  weights: TensorInput,
  means: TensorInput,
  covariances: TensorInput,
  covarianceType: CovarianceTypeName = 'full',
  options: CovarianceOpOptions = {},
): tf.Tensor {
  assertKnownKeys('gmmLogProb', 'options', options, COVARIANCE_OP_OPTION_KEYS);
  return gmmLogProbFor('gmmLogProb', x, weights, means, covariances, covarianceType, options);
}

/**
 * {@link gmmLogProb} on behalf of the public function `fn` (named in error messages), with
 * options already checked.
 */
export function gmmLogProbFor(
  fn: string,
  x: TensorInput,
  weights: TensorInput,
  means: TensorInput,
  covariances: TensorInput,
  covarianceType: CovarianceTypeName,
  options: CovarianceOpOptions,
): tf.Tensor {
  return tf.tidy(() => {
    const names = {weights: 'weights', covariance: 'covariances'};
    const args = parseMixtureArgs(fn, names, x, weights, means, covariances, covarianceType);
    checkMixtureValues(fn, names, args, {weights, means, covariance: covariances}, 'natural');
    return mixtureLogProb(args, 'natural', options.checkPositiveDefinite ?? false, fn);
  });
}
