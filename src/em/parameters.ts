/**
 * Mixture parameters as EM produces them, their validation, and the maps between the data space
 * and the scaled space EM runs in (see data.ts).
 */
import * as tf from '@tensorflow/tfjs-core';

import {CovarianceTypeName} from '../../ops/covariance/covariance_type';
import {getCovarianceType} from '../../ops/covariance/types';
import {TensorInput, fail, formatShape, shapeMatches, toFloatTensor} from '../../ops/util/args';
import {DataTransform} from './data';

/**
 * The parameters of a fitted Gaussian mixture, in scikit-learn's shapes (K components, D
 * features): `weights` [K], `means` [K, D], and both the covariances and the Cholesky factors of
 * the precisions in the covariance type's shape (`full` [K, D, D], `tied` [D, D], `diag` [K, D],
 * `spherical` [K]). For full and tied, `precisionsCholesky` is upper triangular with
 * `Sigma^-1 = P P^T` (scikit-learn's `precisions_cholesky_`); for diag and spherical it is
 * `1 / sqrt(variance)`.
 */
export interface GaussianMixtureParameters {
  covarianceType: CovarianceTypeName;
  weights: tf.Tensor1D;
  means: tf.Tensor2D;
  covariances: tf.Tensor;
  precisionsCholesky: tf.Tensor;
}

/**
 * Parameters accepted as input (tensors or nested arrays). At least one of `covariances` and
 * `precisionsCholesky` is required; when both are given, `precisionsCholesky` is used.
 */
export interface GaussianMixtureParametersInput {
  covarianceType?: CovarianceTypeName;
  weights: TensorInput;
  means: TensorInput;
  covariances?: TensorInput;
  precisionsCholesky?: TensorInput;
}

/** Parameters in the scaled space (tensors owned by whoever holds the state). */
export interface ScaledState {
  weights: tf.Tensor1D;
  means: tf.Tensor2D;
  covariances: tf.Tensor;
  precisionsCholesky: tf.Tensor;
}

/** Disposes every tensor of a state. */
export function disposeState(state: ScaledState | GaussianMixtureParameters | null | undefined): void {
  if (state) tf.dispose([state.weights, state.means, state.covariances, state.precisionsCholesky]);
}

/** The tensors of a state, e.g. to keep them out of a tidy. */
export function stateTensors(state: ScaledState): tf.Tensor[] {
  return [state.weights, state.means, state.covariances, state.precisionsCholesky];
}

/**
 * Converts and validates parameters given in the data space; returns K and the tensors (owned
 * by the caller's tidy scope).
 */
export function readParameters(
  fn: string,
  argName: string,
  params: GaussianMixtureParametersInput,
  covarianceType: CovarianceTypeName,
  D: number,
): {weights: tf.Tensor1D; means: tf.Tensor2D; precisionsCholesky: tf.Tensor; K: number} {
  if (params === null || typeof params !== 'object') fail(fn, `${argName} must be an object {weights, means, covariances or precisionsCholesky}, but got ${String(params)}`);
  const type = getCovarianceType(covarianceType, fn);
  const weights = toFloatTensor(params.weights, `${argName}.weights`, fn);
  if (weights.rank !== 1 || weights.shape[0] < 1) fail(fn, `${argName}.weights must have shape [K] with K >= 1, but got ${formatShape(weights.shape)}`);
  const K = weights.shape[0];
  assertProbabilities(fn, `${argName}.weights`, weights.dataSync());
  const means = toFloatTensor(params.means, `${argName}.means`, fn);
  if (!shapeMatches(means.shape, [K, D])) fail(fn, `${argName}.means must have shape [${K}, ${D}] (K, D), but got ${formatShape(means.shape)}`);
  const expected = type.parameterShape(K, D);
  const describe = `${formatShape(expected)} (${type.symbolicShape.join(', ')})`;
  let precisionsCholesky: tf.Tensor;
  if (params.precisionsCholesky !== undefined && params.precisionsCholesky !== null) {
    precisionsCholesky = toFloatTensor(params.precisionsCholesky, `${argName}.precisionsCholesky`, fn);
    if (!shapeMatches(precisionsCholesky.shape, expected)) fail(fn, `${argName}.precisionsCholesky must have shape ${describe}, but got ${formatShape(precisionsCholesky.shape)}`);
  } else if (params.covariances !== undefined && params.covariances !== null) {
    const covariances = toFloatTensor(params.covariances, `${argName}.covariances`, fn);
    if (!shapeMatches(covariances.shape, expected)) fail(fn, `${argName}.covariances must have shape ${describe}, but got ${formatShape(covariances.shape)}`);
    precisionsCholesky = type.precisionCholeskyFromCovariance(covariances, {validate: true, caller: fn});
  } else {
    return fail(fn, `${argName} must have covariances or precisionsCholesky, but got neither`);
  }
  assertFiniteValues(fn, `${argName}.means`, means.dataSync());
  assertPositiveFactorDiagonal(fn, `${argName}.precisionsCholesky`, precisionsCholesky, type.form === 'triangular');
  return {weights: weights as tf.Tensor1D, means: means as tf.Tensor2D, precisionsCholesky, K};
}

/** Mixture weights: finite, non-negative and summing to 1 (to float32 accuracy). */
export function assertProbabilities(fn: string, argName: string, values: ArrayLike<number>): void {
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]) || values[i] < 0) fail(fn, `${argName} must be finite and non-negative, but entry ${i} is ${values[i]}`);
    total += values[i];
  }
  if (Math.abs(total - 1) > 1e-5 + 2e-7 * values.length) fail(fn, `${argName} must sum to 1, but the sum is ${total}`);
}

/** Every entry finite. */
export function assertFiniteValues(fn: string, argName: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) fail(fn, `${argName} must contain only finite values, but entry ${i} is ${values[i]}`);
  }
}

/** Precision Cholesky factors: finite, with a positive diagonal (all entries for diag/spherical). */
function assertPositiveFactorDiagonal(fn: string, argName: string, factor: tf.Tensor, triangular: boolean): void {
  const values = factor.dataSync();
  assertFiniteValues(fn, argName, values);
  const D = factor.shape[factor.rank - 1];
  for (let i = 0; i < values.length; i++) {
    const onDiagonal = !triangular || Math.floor(i / D) % D === i % D;
    if (onDiagonal && !(values[i] > 0)) {
      fail(fn, `${argName} must have a positive diagonal (the factor of a positive-definite precision), but entry ${i} is ${values[i]}`);
    }
  }
}

/** Data-space parameters to the scaled space: mu' = (mu - c) / s, P' = s P, Sigma' = Sigma / s^2. */
export function toScaledState(
  type: CovarianceTypeName,
  transform: DataTransform,
  weights: tf.Tensor,
  means: tf.Tensor,
  precisionsCholesky: tf.Tensor,
): ScaledState {
  return tf.tidy(() => {
    const covType = getCovarianceType(type);
    const centre = tf.tensor1d(Float32Array.from(transform.centre));
    const P = tf.mul(precisionsCholesky, transform.scale);
    return {
      weights: tf.clone(weights) as tf.Tensor1D,
      means: tf.div(tf.sub(means, centre), transform.scale) as tf.Tensor2D,
      precisionsCholesky: P,
      covariances: covType.covarianceFromPrecisionCholesky(P),
    };
  });
}

/** Scaled-space parameters back to the data space. */
export function fromScaledState(type: CovarianceTypeName, transform: DataTransform, state: ScaledState): GaussianMixtureParameters {
  return tf.tidy(() => {
    const centre = tf.tensor1d(Float32Array.from(transform.centre));
    return {
      covarianceType: type,
      weights: tf.clone(state.weights),
      means: tf.add(tf.mul(state.means, transform.scale), centre) as tf.Tensor2D,
      covariances: tf.mul(state.covariances, transform.scale * transform.scale),
      precisionsCholesky: tf.div(state.precisionsCholesky, transform.scale),
    };
  });
}
