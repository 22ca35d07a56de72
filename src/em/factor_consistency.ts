/**
 * Whether a model's precision factors are well-formed and describe the same mixture as its
 * covariances, for models read from documents (fromJSON, fromSklearnJSON, fromParameters).
 */
import * as tf from '@tensorflow/tfjs-core';

import {CovarianceType} from '../../ops/covariance/covariance_type';
import {MixtureParametersInput, readMixtureParameters} from '../../ops/mixture_parameters';
import {fail, shapeMatches, toFloatTensor} from '../../ops/util/args';
import {FittedParameters} from './parameters';

/**
 * Largest allowed |Sigma_ij - Sigma'_ij| / sqrt(Sigma_ii Sigma_jj), with Sigma' = (P P^T)^-1
 * computed in float64: zero for an exact pair, and independent of the features' scales. Pairs
 * this library factors in float32 measured below 4e-7 up to condition numbers of 1e5, and
 * scikit-learn's float64 pairs are exact to float32 rounding; a factor of another model is off
 * by O(1).
 */
export const FACTOR_TOLERANCE = 1e-3;

/** Field names used in messages. */
export interface FactorFieldNames {
  covariances: string;
  precisionsCholesky: string;
}

function isMatrixType(type: CovarianceType): boolean {
  return type.symbolicShape.slice(-2).join(',') === 'D,D';
}

/**
 * Fails when a factor is not finite with a positive diagonal, when a matrix factor has entries
 * below its diagonal (scikit-learn's factor is upper triangular; a lower one is usually a
 * transposed factor), or when `covariances` (if given) and
 * the factors disagree beyond {@link FACTOR_TOLERANCE}. Reads the values back (synchronises).
 */
export function assertConsistentFactors(
  fn: string,
  type: CovarianceType,
  precisionsCholesky: tf.Tensor,
  covariances: tf.Tensor | null,
  names: FactorFieldNames,
): void {
  const matrix = isMatrixType(type);
  const D = precisionsCholesky.shape[precisionsCholesky.rank - 1];
  type.checkPrecisionCholesky(fn, names.precisionsCholesky, precisionsCholesky);
  if (matrix) {
    const values = precisionsCholesky.dataSync();
    for (let i = 0; i < values.length; i++) {
      const [m, row, col] = [Math.floor(i / (D * D)), Math.floor(i / D) % D, i % D];
      if (row > col && values[i] !== 0)
        fail(
          fn,
          `${names.precisionsCholesky} must be upper triangular (Sigma^-1 = P P^T, as scikit-learn's precisions_cholesky_), ` +
            `but matrix ${m} has [${row}, ${col}] = ${values[i]} below the diagonal (a transposed factor?)`,
        );
    }
  }
  if (covariances === null) return;
  const given = covariances.dataSync();
  const factor = precisionsCholesky.dataSync();
  const per = matrix ? D * D : type.symbolicShape.length === 2 ? D : 1;
  for (let m = 0; m < given.length / per; m++) {
    const sigma = given.subarray(m * per, (m + 1) * per);
    const derived = matrix ? covarianceOfFactor(factor.subarray(m * per, (m + 1) * per), D) : null;
    for (let e = 0; e < per; e++) {
      const [i, j] = matrix ? [Math.floor(e / D), e % D] : [e, e];
      const fromFactor = derived ? derived[e] : 1 / (factor[m * per + e] * factor[m * per + e]);
      const scale = matrix ? Math.sqrt(sigma[i * D + i] * sigma[j * D + j]) : sigma[e];
      const deviation = Math.abs(sigma[e] - fromFactor) / scale;
      if (!(deviation <= FACTOR_TOLERANCE))
        fail(
          fn,
          `${names.precisionsCholesky} and ${names.covariances} describe different mixtures: ` +
            `${matrix ? `matrix ${m} [${i}, ${j}]` : per === 1 ? `component ${m}` : `component ${m} feature ${e}`} ` +
            `is ${sigma[e]} in ${names.covariances} but ${fromFactor.toPrecision(6)} from the factor ` +
            `(relative difference ${deviation.toPrecision(3)}, tolerance ${FACTOR_TOLERANCE}); give one of them, or both of one model`,
        );
    }
  }
}

/**
 * Reads a model's parameters from a document (see {@link readMixtureParameters}) and checks its
 * factors with {@link assertConsistentFactors}: the factor alone first, so that a bad one is
 * reported under its field's name, then against the covariances when both are given. Returns
 * copies the model owns, whatever the caller does with the tensors it passed.
 */
export function readConsistentParameters(
  fn: string,
  params: MixtureParametersInput,
  type: CovarianceType,
  nComponents: number,
  names: FactorFieldNames & {argName?: string},
): FittedParameters {
  return tf.tidy(() => {
    const expect = {nComponents, argName: names.argName};
    if (params !== null && typeof params === 'object' && params.precisionsCholesky != null) {
      const factor = toFloatTensor(params.precisionsCholesky, names.precisionsCholesky, fn);
      const D = factor.shape[factor.rank - 1] ?? 0;
      if (shapeMatches(factor.shape, type.parameterShape(nComponents, D)))
        assertConsistentFactors(fn, type, factor, null, names);
    }
    const r = readMixtureParameters(fn, params, type, expect);
    const bothGiven = params.covariances != null && params.precisionsCholesky != null;
    if (bothGiven) assertConsistentFactors(fn, type, r.precisionsCholesky, r.covariances, names);
    return {
      weights: tf.clone(r.weights),
      means: tf.clone(r.means),
      covariances: tf.clone(r.covariances),
      precisionsCholesky: tf.clone(r.precisionsCholesky),
    };
  });
}

/** (P P^T)^-1 = U^T U with U = P^-1, for one upper-triangular D x D factor, in float64. */
function covarianceOfFactor(p: Float32Array | Int32Array | Uint8Array, D: number): Float64Array {
  const u = new Float64Array(D * D);
  for (let j = 0; j < D; j++) {
    u[j * D + j] = 1 / p[j * D + j];
    for (let i = j - 1; i >= 0; i--) {
      let sum = 0;
      for (let k = i + 1; k <= j; k++) sum += p[i * D + k] * u[k * D + j];
      u[i * D + j] = -sum / p[i * D + i];
    }
  }
  const sigma = new Float64Array(D * D);
  for (let i = 0; i < D; i++)
    for (let j = 0; j < D; j++) {
      let sum = 0;
      for (let k = 0; k <= Math.min(i, j); k++) sum += u[k * D + i] * u[k * D + j];
      sigma[i * D + j] = sum;
    }
  return sigma;
}
