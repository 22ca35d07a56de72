import * as tf from '@tensorflow/tfjs-core';

import {TensorInput, assertKnownKeys} from './util/args';
import {CovarianceTypeName} from './covariance/covariance_type';
import {COVARIANCE_OP_OPTION_KEYS, CovarianceOpOptions, gmmLogProbFor} from './gmm_log_prob';
import {mixtureResponsibilities} from './mixture_responsibilities';

/**
 * E-step responsibilities P(z = k | x_n) (scikit-learn's `predict_proba`): the softmax of
 * {@link gmmLogProb} over components. Same arguments; returns [N, K] (or [K] for x [D]).
 */
export function gmmResponsibilities(
  x: TensorInput,
  weights: TensorInput,
  means: TensorInput,
  covariances: TensorInput,
  covarianceType: CovarianceTypeName = 'full',
  options: CovarianceOpOptions = {},
): tf.Tensor {
  assertKnownKeys('gmmResponsibilities', 'options', options, COVARIANCE_OP_OPTION_KEYS);
  return tf.tidy(() =>
    mixtureResponsibilities(
      gmmLogProbFor('gmmResponsibilities', x, weights, means, covariances, covarianceType, options),
    ),
  );
}
