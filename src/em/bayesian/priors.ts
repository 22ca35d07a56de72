/**
 * The priors of a fit, resolved as scikit-learn's `_check_parameters` does (defaults from the
 * data, user-given ones checked against it), and their image in the scaled space EM runs in.
 */
import * as tf from '@tensorflow/tfjs-core';

import {assertFiniteValues, fail, formatShape, shapeMatches} from '../../../ops/util/args';
import {EmData} from '../data';
import {NestedNumbers} from '../options';
import {BAYESIAN_COVARIANCE, BayesianCovarianceType, checkCovariancePrior} from './covariance';
import {ResolvedBayesianOptions} from './options';

/** The resolved priors in the data space (scikit-learn's `*_prior_` attributes). */
export interface Priors {
  weightConcentrationPrior: number;
  meanPrecisionPrior: number;
  /** [D]. */
  meanPrior: number[];
  degreesOfFreedomPrior: number;
  /** full, tied [D, D]; diag [D]; spherical a number. */
  covariancePrior: NestedNumbers;
}

/** The priors in the scaled space x' = (x - c) / s (the caller disposes the tensors). */
export interface ScaledPriors {
  weightConcentrationPrior: number;
  meanPrecisionPrior: number;
  degreesOfFreedomPrior: number;
  /** (m0 - c) / s, [D]. */
  meanPrior: tf.Tensor1D;
  /** Psi / s^2 in the prior's shape. */
  covariancePrior: tf.Tensor;
}

/** The covariance of the data (ddof 1, numpy's `np.cov(X.T)`), from the scaled rows, in float64. */
function dataCovariance(data: EmData): number[][] {
  const {N, D, scaled, transform} = data;
  const mean = new Float64Array(D);
  for (let n = 0; n < N; n++) for (let j = 0; j < D; j++) mean[j] += scaled[n * D + j] / N;
  const cov = Array.from({length: D}, () => new Array<number>(D).fill(0));
  for (let n = 0; n < N; n++) {
    for (let i = 0; i < D; i++) {
      const a = scaled[n * D + i] - mean[i];
      for (let j = i; j < D; j++) cov[i][j] += a * (scaled[n * D + j] - mean[j]);
    }
  }
  const factor = (transform.scale * transform.scale) / (N - 1);
  for (let i = 0; i < D; i++) for (let j = i; j < D; j++) cov[j][i] = cov[i][j] = cov[i][j] * factor;
  return cov;
}

/** The priors of a fit on `data` (validated against its D). */
export function resolvePriors(fn: string, options: ResolvedBayesianOptions, data: EmData): Priors {
  const {D} = data;
  const type: BayesianCovarianceType = options.covarianceType;
  const degreesOfFreedomPrior = options.degreesOfFreedomPrior ?? D;
  if (!(degreesOfFreedomPrior > D - 1))
    fail(
      fn,
      `degreesOfFreedomPrior must be > D - 1 = ${D - 1} (X has D = ${D} features), but got ${degreesOfFreedomPrior}`,
    );
  let meanPrior = Array.from(data.transform.center);
  if (options.meanPrior !== null) {
    const shape = tf.tidy(() => tf.tensor(options.meanPrior as number[]).shape);
    if (!shapeMatches(shape, [D]))
      fail(fn, `meanPrior must have shape [${D}] (D, the features of X), but got ${formatShape(shape)}`);
    assertFiniteValues(fn, 'meanPrior', options.meanPrior);
    meanPrior = options.meanPrior.slice();
  }
  let covariancePrior: NestedNumbers;
  if (options.covariancePrior !== null) {
    covariancePrior = options.covariancePrior;
    tf.tidy(() => checkCovariancePrior(fn, type, tf.tensor(covariancePrior as number[]), D));
  } else {
    if (data.N < 2)
      fail(fn, `X must have at least 2 samples for the default covariancePrior (ddof 1), but got ${data.N}`);
    covariancePrior = BAYESIAN_COVARIANCE[type].defaultPrior(dataCovariance(data));
  }
  return {
    weightConcentrationPrior: options.weightConcentrationPrior ?? 1 / options.nComponents,
    meanPrecisionPrior: options.meanPrecisionPrior ?? 1,
    meanPrior,
    degreesOfFreedomPrior,
    covariancePrior,
  };
}

/** The priors mapped into the scaled space of `data`. */
export function scalePriors(priors: Priors, data: EmData): ScaledPriors {
  const {center, scale} = data.transform;
  return {
    weightConcentrationPrior: priors.weightConcentrationPrior,
    meanPrecisionPrior: priors.meanPrecisionPrior,
    degreesOfFreedomPrior: priors.degreesOfFreedomPrior,
    meanPrior: tf.tensor1d(Float32Array.from(priors.meanPrior, (m, j) => (m - center[j]) / scale)),
    covariancePrior: tf.tidy(() => tf.div(tf.tensor(priors.covariancePrior as number[]), scale * scale)),
  };
}

/** Releases the tensors of scaled priors. */
export function disposeScaledPriors(priors: ScaledPriors): void {
  tf.dispose([priors.meanPrior, priors.covariancePrior]);
}
