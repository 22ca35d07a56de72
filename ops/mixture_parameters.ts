/**
 * A Gaussian mixture in natural terms, the one parameter type that the ops, the layers, EM and
 * the CLI take and return, and the one rule for reading it.
 */
import * as tf from '@tensorflow/tfjs-core';

import {CovarianceType} from './covariance/covariance_type';
import {
  TensorInput,
  assertFiniteValues,
  assertProbabilities,
  fail,
  formatShape,
  shapeMatches,
  toFloatTensor,
} from './util/args';

/**
 * A Gaussian mixture's parameters in scikit-learn's shapes (K components, D features):
 * `weights` [K], `means` [K, D] and `covariances` in the covariance type's shape (`full`
 * [K, D, D], `tied` [D, D], `diag` [K, D] variances, `spherical` [K] variances). Mixtures
 * predicted per sample (mixture-density heads) carry a leading N on every entry.
 *
 * `precisionsCholesky` (scikit-learn's `precisions_cholesky_`, in the covariances' shape: upper
 * triangular P with Sigma^-1 = P P^T for full and tied, 1 / sqrt(variance) for diag and
 * spherical) is present where the producer has it (EM results always; layers and gmmInit
 * return natural terms only).
 */
export interface MixtureParameters {
  weights: tf.Tensor;
  means: tf.Tensor;
  covariances: tf.Tensor;
  precisionsCholesky?: tf.Tensor;
}

/**
 * Mixture parameters as input: tensors or nested arrays, with `covariances`, `precisionsCholesky`
 * or both. The rule: a missing one is derived from the other; when both are given both are kept
 * as given (they must describe the same mixture), and computations use `precisionsCholesky`.
 */
export interface MixtureParametersInput {
  weights: TensorInput;
  means: TensorInput;
  covariances?: TensorInput | null;
  precisionsCholesky?: TensorInput | null;
}

/** What {@link readMixtureParameters} checks the parameters against. */
export interface MixtureExpectations {
  /** Name of the parameters' argument: messages then name `argName.weights`, ... (default: the fields alone). */
  argName?: string;
  /** Number of components the mixture must have (default: taken from the weights). */
  nComponents?: number;
  /** Number of features the mixture must have (default: taken from the means). */
  nFeatures?: number;
}

/** Validated parameters, every entry present (tensors owned by the caller's tidy scope). */
export interface ReadMixture extends Required<MixtureParameters> {
  K: number;
  D: number;
}

/**
 * Converts and validates shared mixture parameters: shapes against the covariance type, weights
 * that are probabilities, finite means, finite covariances (positive definite where they are
 * factored) and precision factors with a positive diagonal. Applies the rule of
 * {@link MixtureParametersInput}. Reads the values back (synchronises).
 */
export function readMixtureParameters(
  fn: string,
  input: MixtureParametersInput,
  type: CovarianceType,
  expect: MixtureExpectations = {},
): ReadMixture {
  const whole = expect.argName ?? 'parameters';
  const prefix = expect.argName ? `${expect.argName}.` : '';
  if (input === null || typeof input !== 'object') {
    fail(
      fn,
      `${whole} must be an object {weights, means, covariances or precisionsCholesky}, but got ${String(input)}`,
    );
  }
  const weights = toFloatTensor(input.weights, `${prefix}weights`, fn);
  if (expect.nComponents !== undefined) {
    if (!shapeMatches(weights.shape, [expect.nComponents]))
      fail(
        fn,
        `${prefix}weights must have shape [${expect.nComponents}] (nComponents), but got ${formatShape(weights.shape)}`,
      );
  } else if (weights.rank !== 1 || weights.shape[0] < 1) {
    fail(fn, `${prefix}weights must have shape [K] with K >= 1, but got ${formatShape(weights.shape)}`);
  }
  const K = weights.shape[0];
  assertProbabilities(fn, `${prefix}weights`, weights.dataSync());

  const means = toFloatTensor(input.means, `${prefix}means`, fn);
  if (expect.nFeatures !== undefined) {
    if (!shapeMatches(means.shape, [K, expect.nFeatures]))
      fail(
        fn,
        `${prefix}means must have shape [${K}, ${expect.nFeatures}] (K, D), but got ${formatShape(means.shape)}`,
      );
  } else if (means.rank !== 2 || means.shape[0] !== K || (means.shape[1] as number) < 1) {
    fail(fn, `${prefix}means must have shape [${K}, D] (nComponents, D), but got ${formatShape(means.shape)}`);
  }
  const D = means.shape[1] as number;
  assertFiniteValues(fn, `${prefix}means`, means.dataSync());

  const expected = type.parameterShape(K, D);
  const read = (value: TensorInput | null | undefined, name: string): tf.Tensor | null => {
    if (value === undefined || value === null) return null;
    const t = toFloatTensor(value, `${prefix}${name}`, fn);
    if (!shapeMatches(t.shape, expected)) {
      fail(
        fn,
        `${prefix}${name} must have shape ${formatShape(expected)} (${type.symbolicShape.join(', ')}), but got ${formatShape(t.shape)}`,
      );
    }
    assertFiniteValues(fn, `${prefix}${name}`, t.dataSync());
    return t;
  };
  let covariances = read(input.covariances, 'covariances');
  let precisionsCholesky = read(input.precisionsCholesky, 'precisionsCholesky');
  if (!covariances && !precisionsCholesky)
    fail(fn, `${whole} must have covariances or precisionsCholesky, but got neither`);
  if (!precisionsCholesky) {
    precisionsCholesky = type.precisionCholeskyFromCovariance(covariances!, {validate: true, caller: fn});
  } else {
    type.checkPrecisionCholesky(fn, `${prefix}precisionsCholesky`, precisionsCholesky);
  }
  covariances ??= type.covarianceFromPrecisionCholesky(precisionsCholesky);
  return {weights, means, covariances, precisionsCholesky, K, D};
}
