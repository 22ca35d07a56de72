import * as tf from '@tensorflow/tfjs-core';

import {TensorInput} from './util/args';
import {CovarianceTypeName} from './covariance/covariance_type';
import {parseMixtureArgs} from './internal/mixture_args';
import {mixtureLogProb} from './internal/mixture_log_prob_op';
import {checkMixtureValues} from './internal/mixture_values';

/**
 * Per-component log-probabilities in the unconstrained-friendly parameterisation used for
 * training: mixture logits, means and the Cholesky factors of the precisions (scikit-learn's
 * `precisions_cholesky_`). Hand-written gradient; no Cholesky or inverse is computed, so a
 * training step is matmuls and elementwise ops only.
 *
 * `log softmax(weightLogits)_k + log|det P_k| - |P_k^T (x - mu_k)|^2 / 2 - D/2 log(2 pi)`
 *
 * Shapes (K components, D features):
 * - `x`: [N, D] -> result [N, K]; or [D] -> [K].
 * - `weightLogits`: [K]; any real values (log-softmax is applied, so log-weights pass through).
 * - `means`: [K, D].
 * - `precisionsCholesky`: `full` [K, D, D] and `tied` [D, D] upper-triangular P with
 *   Sigma^-1 = P P^T (entries below the diagonal are ignored and get zero gradient);
 *   `diag` [K, D] and `spherical` [K] hold the reciprocal standard deviations.
 * As in {@link gmmLogProb}, each parameter may carry a leading N for one mixture per sample.
 *
 * The determinant term uses |P_ii|, so the sign of a diagonal entry does not matter; keep the
 * diagonal away from zero (the layers map it through softplus plus a floor).
 */
export function gmmLogProbPrecisionCholesky(
  x: TensorInput,
  weightLogits: TensorInput,
  means: TensorInput,
  precisionsCholesky: TensorInput,
  covarianceType: CovarianceTypeName = 'full',
): tf.Tensor {
  return gmmLogProbPrecisionCholeskyFor(
    'gmmLogProbPrecisionCholesky',
    x,
    weightLogits,
    means,
    precisionsCholesky,
    covarianceType,
  );
}

/** {@link gmmLogProbPrecisionCholesky} on behalf of the public function `fn` (named in error messages). */
export function gmmLogProbPrecisionCholeskyFor(
  fn: string,
  x: TensorInput,
  weightLogits: TensorInput,
  means: TensorInput,
  precisionsCholesky: TensorInput,
  covarianceType: CovarianceTypeName,
): tf.Tensor {
  return tf.tidy(() => {
    const names = {weights: 'weightLogits', covariance: 'precisionsCholesky'};
    const args = parseMixtureArgs(fn, names, x, weightLogits, means, precisionsCholesky, covarianceType);
    checkMixtureValues(
      fn,
      names,
      args,
      {weights: weightLogits, means, covariance: precisionsCholesky},
      'precisionCholesky',
    );
    return mixtureLogProb(args, 'precisionCholesky', false, fn);
  });
}
