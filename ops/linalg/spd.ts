/**
 * Inverse and log-determinant of symmetric positive-definite matrices, through Cholesky.
 */
import * as tf from '@tensorflow/tfjs-core';

import {assertAllocatable} from '../util/allocation';
import {TensorInput, assertKnownKeys, optionKeys, toFloatTensor} from '../util/args';
import {cholesky} from './cholesky';
import {assertSquareBatch, diagPart, transposeLast2} from './matrix_utils';
import {triangularInverse} from './triangular_solve';

/** Options shared by the SPD helpers. */
export interface SpdOptions {
  /** Throw a descriptive error when a matrix is not positive definite (synchronises). */
  validate?: boolean;
}

const SPD_OPTION_KEYS = optionKeys<SpdOptions>({validate: true});

/**
 * Inverse of symmetric positive-definite matrices [..., D, D]: `A^-1 = L^-T L^-1`.
 * Only the lower triangle of `a` is read.
 */
export function spdInverse(a: TensorInput, options: SpdOptions = {}): tf.Tensor {
  const fn = 'spdInverse';
  assertKnownKeys(fn, 'options', options, SPD_OPTION_KEYS);
  return tf.tidy(() => {
    const A = toFloatTensor(a, 'a', fn);
    assertSquareBatch(fn, 'a', A);
    assertAllocatable(fn, 'a', A.shape);
    if (A.size === 0) return tf.zeros(A.shape);
    const lInv = triangularInverse(cholesky(A, {validate: options.validate, caller: fn}), {lower: true});
    return tf.matMul(transposeLast2(lInv), lInv);
  });
}

/**
 * log det A of symmetric positive-definite matrices [..., D, D] -> [...], computed as
 * `2 sum_i log L_ii`, which stays finite where the determinant itself under- or overflows float32.
 */
export function spdLogDet(a: TensorInput, options: SpdOptions = {}): tf.Tensor {
  const fn = 'spdLogDet';
  assertKnownKeys(fn, 'options', options, SPD_OPTION_KEYS);
  return tf.tidy(() => {
    const A = toFloatTensor(a, 'a', fn);
    assertSquareBatch(fn, 'a', A);
    assertAllocatable(fn, 'a', A.shape);
    if (A.size === 0) return tf.zeros(A.shape.slice(0, -2));
    const L = cholesky(A, {validate: options.validate, caller: fn});
    return tf.mul(tf.sum(tf.log(diagPart(L)), -1), 2);
  });
}

/**
 * The Cholesky factor of the precision, as scikit-learn's `precisions_cholesky_`: the upper
 * triangular `P = L^-T` with `Sigma = L L^T`, so that `Sigma^-1 = P P^T`.
 *
 * @param covariances SPD matrices [..., D, D] (lower triangle read).
 * @returns upper-triangular [..., D, D].
 */
export function precisionCholeskyFromCovariance(
  covariances: TensorInput,
  options: SpdOptions & {caller?: string; argName?: string} = {},
): tf.Tensor {
  assertKnownKeys('precisionCholeskyFromCovariance', 'options', options, [...SPD_OPTION_KEYS, 'caller', 'argName']);
  const fn = options.caller ?? 'precisionCholeskyFromCovariance';
  return tf.tidy(() => {
    const A = toFloatTensor(covariances, options.argName ?? 'covariances', fn);
    assertSquareBatch(fn, options.argName ?? 'covariances', A);
    assertAllocatable(fn, options.argName ?? 'covariances', A.shape);
    if (A.size === 0) return tf.zeros(A.shape);
    const L = cholesky(A, {validate: options.validate, caller: fn, argName: options.argName ?? 'covariances'});
    return transposeLast2(triangularInverse(L, {lower: true}));
  });
}

/**
 * The covariance `Sigma = (P P^T)^-1 = P^-T P^-1` from an upper-triangular precision Cholesky
 * factor P [..., D, D].
 */
export function covarianceFromPrecisionCholesky(precisionsCholesky: TensorInput): tf.Tensor {
  const fn = 'covarianceFromPrecisionCholesky';
  return tf.tidy(() => {
    const P = toFloatTensor(precisionsCholesky, 'precisionsCholesky', fn);
    assertSquareBatch(fn, 'precisionsCholesky', P);
    assertAllocatable(fn, 'precisionsCholesky', P.shape);
    if (P.size === 0) return tf.zeros(P.shape);
    const pInv = triangularInverse(P, {lower: false});
    return tf.matMul(transposeLast2(pInv), pInv);
  });
}
