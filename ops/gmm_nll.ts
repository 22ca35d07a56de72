import * as tf from '@tensorflow/tfjs-core';

import {TensorInput, assertKnownKeys, fail, formatShape, optionKeys, toFloatTensor} from './util/args';
import {CovarianceTypeName} from './covariance/covariance_type';
import {CovarianceOpOptions, gmmLogProbFor} from './gmm_log_prob';
import {mixtureNLLFor} from './mixture_nll';

/** Options of {@link gmmNLL}. */
export interface GmmNLLOptions extends CovarianceOpOptions {
  /** Non-negative weights per sample [N]; the result is then `-sum w ll / sum w`. */
  sampleWeights?: TensorInput;
}

const GMM_NLL_OPTION_KEYS = optionKeys<GmmNLLOptions>({checkPositiveDefinite: true, sampleWeights: true});

/**
 * Mean negative log-likelihood of a batch under a Gaussian mixture: a scalar loss whose
 * gradient w.r.t. x, weights, means and covariances is hand-written (see {@link gmmLogProb}).
 * Same arguments as gmmLogProb; x must be a batch [N, D].
 */
export function gmmNLL(
  x: TensorInput,
  weights: TensorInput,
  means: TensorInput,
  covariances: TensorInput,
  covarianceType: CovarianceTypeName = 'full',
  options: GmmNLLOptions = {},
): tf.Scalar {
  const fn = 'gmmNLL';
  assertKnownKeys(fn, 'options', options, GMM_NLL_OPTION_KEYS);
  return tf.tidy(() => {
    const xt = toFloatTensor(x, 'x', fn);
    if (xt.rank !== 2) fail(fn, `x must have shape [N, D] (a batch), but got ${formatShape(xt.shape)}`);
    if (xt.shape[0] < 1)
      fail(fn, `x must have at least one sample (N >= 1) to average over, but got shape ${formatShape(xt.shape)}`);
    const logProbs = gmmLogProbFor(fn, xt, weights, means, covariances, covarianceType, options);
    return mixtureNLLFor(fn, logProbs, options.sampleWeights);
  });
}
