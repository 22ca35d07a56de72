/**
 * Mixture parameters in the scaled space EM runs in (see data.ts), and the maps between it and
 * the data space.
 */
import * as tf from '@tensorflow/tfjs-core';

import {CovarianceTypeName} from '../../ops/covariance/covariance_type';
import {getCovarianceType} from '../../ops/covariance/registry';
import {MixtureParameters, MixtureParametersInput} from '../../ops/mixture_parameters';
import {DataTransform} from './data';

/** Mixture parameters as EM produces them (data space): every entry present. */
export type FittedParameters = Required<MixtureParameters>;

/**
 * Mixture parameters as the EM functions return them: with their covariance type, so that a
 * result can be passed back in.
 */
export interface GaussianMixtureParameters extends FittedParameters {
  covarianceType: CovarianceTypeName;
}

/** Mixture parameters as the EM functions take them (covarianceType defaults to 'full'). */
export interface GaussianMixtureParametersInput extends MixtureParametersInput {
  covarianceType?: CovarianceTypeName;
}

/** Parameters in the scaled space (tensors owned by whoever holds the state). */
export interface ScaledState {
  weights: tf.Tensor1D;
  /** Means mu' [K, D] rounded to float32. */
  means: tf.Tensor2D;
  /**
   * What float32 rounding took off the means (mu' = means + meansLow), or absent (zero). The
   * exact path forms differences with it (see `Chunk.xLow`): a narrow component far from the
   * data's center has a mean finer than float32's resolution there.
   */
  meansLow?: tf.Tensor2D | null;
  covariances: tf.Tensor;
  precisionsCholesky: tf.Tensor;
}

/** Disposes every tensor of a state. */
export function disposeState(state: ScaledState | MixtureParameters | null | undefined): void {
  if (state) tf.dispose(stateTensors(state as ScaledState));
}

/** The tensors of a state, e.g. to keep them out of a tidy. */
export function stateTensors(state: ScaledState): tf.Tensor[] {
  const tensors = [state.weights, state.means, state.covariances, state.precisionsCholesky];
  return state.meansLow ? [...tensors, state.meansLow] : tensors;
}

/**
 * Float64 values [K, D] (row-major) as float32 values and their rounding residuals (null when
 * every value is exact in float32).
 */
export function toFloat32Pair(
  values: ArrayLike<number>,
  K: number,
  D: number,
): {high: tf.Tensor2D; low: tf.Tensor2D | null} {
  const high = Float32Array.from(values);
  const low = new Float32Array(K * D);
  let any = false;
  for (let i = 0; i < K * D; i++) {
    low[i] = values[i] - high[i];
    if (low[i] !== 0) any = true;
  }
  return {high: tf.tensor2d(high, [K, D]), low: any ? tf.tensor2d(low, [K, D]) : null};
}

/** The means of a state in float64 on the host (means + meansLow), row-major [K * D]. */
export function readMeans(state: Pick<ScaledState, 'means' | 'meansLow'>): Float64Array {
  const values = Float64Array.from(state.means.dataSync());
  if (state.meansLow) {
    const low = state.meansLow.dataSync();
    for (let i = 0; i < values.length; i++) values[i] += low[i];
  }
  return values;
}

/**
 * Data-space parameters to the scaled space: mu' = (mu - c) / s, P' = s P, Sigma' = Sigma / s^2.
 * `meanValues`, when given, are the means in float64 (row-major), used instead of `means`' float32.
 */
export function toScaledState(
  type: CovarianceTypeName,
  transform: DataTransform,
  weights: tf.Tensor,
  means: tf.Tensor,
  precisionsCholesky: tf.Tensor,
  meanValues?: ArrayLike<number>,
): ScaledState {
  // mu' in float64 on the host: in float32, (mu - c) / s would lose the digits of a component
  // narrower than float32's resolution at c.
  const [K, D] = means.shape;
  const values = meanValues ?? means.dataSync();
  const scaled = new Float64Array(K * D);
  for (let i = 0; i < K * D; i++) scaled[i] = (values[i] - transform.center[i % D]) / transform.scale;
  const {high, low} = toFloat32Pair(scaled, K, D);
  const rest = tf.tidy(() => {
    const P = tf.mul(precisionsCholesky, transform.scale);
    return {
      weights: tf.clone(weights) as tf.Tensor1D,
      precisionsCholesky: P,
      covariances: getCovarianceType(type).covarianceFromPrecisionCholesky(P),
    };
  });
  return {...rest, means: high, meansLow: low};
}

/** The data-space means c + s mu' of a state, in float64 (row-major [K * D]). */
export function dataSpaceMeans(transform: DataTransform, state: ScaledState): Float64Array {
  const D = state.means.shape[1];
  const means = readMeans(state);
  for (let i = 0; i < means.length; i++) means[i] = transform.center[i % D] + transform.scale * means[i];
  return means;
}

/** Scaled-space parameters back to the data space (the means from {@link dataSpaceMeans}). */
export function fromScaledState(transform: DataTransform, state: ScaledState): FittedParameters {
  return tf.tidy(() => {
    return {
      weights: tf.clone(state.weights),
      means: tf.tensor2d(Float32Array.from(dataSpaceMeans(transform, state)), state.means.shape),
      covariances: tf.mul(state.covariances, transform.scale * transform.scale),
      precisionsCholesky: tf.div(state.precisionsCholesky, transform.scale),
    };
  });
}

/**
 * The values of a matrix given as arrays of number rows (e.g. means from JSON), in float64
 * (row-major), else undefined (a tensor holds float32 only).
 */
export function float64Rows(x: unknown): Float64Array | undefined {
  if (!Array.isArray(x) || !x.every((row) => Array.isArray(row) && row.every((v) => typeof v === 'number')))
    return undefined;
  return Float64Array.from((x as number[][]).flat());
}

/** Row-major values [K * D] as K rows of D numbers. */
export function rowsOf(values: Float64Array, D: number): number[][] {
  return Array.from({length: values.length / D}, (_, k) => Array.from(values.subarray(k * D, (k + 1) * D)));
}
