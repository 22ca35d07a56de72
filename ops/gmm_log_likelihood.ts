import * as tf from '@tensorflow/tfjs-core';

import {TensorInput, assertKnownKeys} from './util/args';
import {CovarianceTypeName} from './covariance/covariance_type';
import {COVARIANCE_OP_OPTION_KEYS, CovarianceOpOptions, gmmLogProbFor} from './gmm_log_prob';
import {mixtureLogLikelihood} from './mixture_log_likelihood';

/**
 * Mixture log-likelihood `log sum_k pi_k N(x | mu_k, Sigma_k)` per sample (scikit-learn's
 * `score_samples`), via a max-shifted logSumExp over {@link gmmLogProb}. Same arguments as
 * gmmLogProb; returns [N], or a scalar for a single x [D].
 *
 * A sample whose components all give -Infinity yields -Infinity and a zero gradient.
 */
export function gmmLogLikelihood(
  x: TensorInput,
  weights: TensorInput,
  means: TensorInput,
  covariances: TensorInput,
  covarianceType: CovarianceTypeName = 'full',
  options: CovarianceOpOptions = {},
): tf.Tensor {
  assertKnownKeys('gmmLogLikelihood', 'options', options, COVARIANCE_OP_OPTION_KEYS);
  return tf.tidy(() =>
    mixtureLogLikelihood(gmmLogProbFor('gmmLogLikelihood', x, weights, means, covariances, covarianceType, options)),
  );
}
