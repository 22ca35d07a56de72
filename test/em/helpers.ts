/**
 * Helpers of the EM tests: scale-relative comparison, float64 conversion of scikit-learn's
 * precisions to precision Cholesky factors (independent of the library), parameter disposal.
 */
import * as tf from '@tensorflow/tfjs-core';

import {CovarianceTypeName, GaussianMixtureParameters} from '../../src';
import {Nested, expectClose, flat} from '../helpers/assertions';
import {choleskyLower} from '../helpers/reference_f64';

/**
 * Asserts max |actual - expected| <= tol * max |expected|: the error relative to the scale of
 * the whole array, which is how float32 errors of matrices and vectors behave (an entry that is
 * ~0 in float64 comes out as ~eps * scale in float32).
 */
export function expectCloseToScale(
  actual: Nested | tf.Tensor | Float32Array,
  expected: Nested,
  tol: number,
  label: string,
): void {
  const scale = Math.max(...flat(expected).map(Math.abs));
  expectClose(actual, expected, {rtol: 0, atol: tol * scale, label});
}

/** Upper P with P P^T = precision (scikit-learn: P = J chol(J Lambda J) J), in float64. */
function upperFactorOfPrecision(precision: number[][]): number[][] {
  const n = precision.length;
  const flipped = precision.map((_, i) => precision.map((__, j) => precision[n - 1 - i][n - 1 - j]));
  const L = choleskyLower(flipped);
  return L.map((_, i) => L.map((__, j) => L[n - 1 - i][n - 1 - j]));
}

/** scikit-learn's precisions_init converted to precisions_cholesky_ in float64. */
export function precisionCholeskyOf(type: CovarianceTypeName, precisions: Nested): Nested {
  if (type === 'full') return (precisions as number[][][]).map(upperFactorOfPrecision);
  if (type === 'tied') return upperFactorOfPrecision(precisions as number[][]);
  if (type === 'diag') return (precisions as number[][]).map((row) => row.map(Math.sqrt));
  return (precisions as number[]).map(Math.sqrt);
}

/** Disposes the tensors of a parameter set. */
export function disposeParameters(p: GaussianMixtureParameters): void {
  tf.dispose([p.weights, p.means, p.covariances, p.precisionsCholesky]);
}

/** Collects warnings instead of printing them. */
export function collectWarnings(): {messages: string[]; onWarning: (m: string) => void} {
  const messages: string[] = [];
  return {messages, onWarning: (m: string) => messages.push(m)};
}
