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
  means: tf.Tensor2D;
  covariances: tf.Tensor;
  precisionsCholesky: tf.Tensor;
}

/** Disposes every tensor of a state. */
export function disposeState(state: ScaledState | MixtureParameters | null | undefined): void {
  if (state) tf.dispose([state.weights, state.means, state.covariances, state.precisionsCholesky]);
}

/** The tensors of a state, e.g. to keep them out of a tidy. */
export function stateTensors(state: ScaledState): tf.Tensor[] {
  return [state.weights, state.means, state.covariances, state.precisionsCholesky];
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
    const center = tf.tensor1d(Float32Array.from(transform.center));
    const P = tf.mul(precisionsCholesky, transform.scale);
    return {
      weights: tf.clone(weights) as tf.Tensor1D,
      means: tf.div(tf.sub(means, center), transform.scale) as tf.Tensor2D,
      precisionsCholesky: P,
      covariances: covType.covarianceFromPrecisionCholesky(P),
    };
  });
}

/** Scaled-space parameters back to the data space. */
export function fromScaledState(transform: DataTransform, state: ScaledState): FittedParameters {
  return tf.tidy(() => {
    const center = tf.tensor1d(Float32Array.from(transform.center));
    return {
      weights: tf.clone(state.weights),
      means: tf.add(tf.mul(state.means, transform.scale), center) as tf.Tensor2D,
      covariances: tf.mul(state.covariances, transform.scale * transform.scale),
      precisionsCholesky: tf.div(state.precisionsCholesky, transform.scale),
    };
  });
}
