/**
 * What differs between the covariance types of a mixture-density head, one entry per type:
 * how many raw scales and coefficients a row holds and how they decode into standard deviations
 * and a precision Cholesky factor. The `Record` type makes the compiler check that every head
 * covariance type has an entry.
 */
import * as tf from '@tensorflow/tfjs-core';

import {covarianceFromPrecisionCholesky} from '../linalg/spd';

/** Covariance types a mixture-density head can predict (one covariance per component and row). */
export type MdnCovarianceType = 'diag' | 'spherical' | 'full';

/** Standard deviations and precision factors of a head's output, one mixture per row. */
export interface DecodedScales {
  /** Standard deviations (conditional ones for full): [N, K, D] (diag, full) or [N, K] (spherical). */
  scales: tf.Tensor;
  /** Precision Cholesky factors in gmmLogProbPrecisionCholesky's per-sample shape. */
  factor: tf.Tensor;
}

/** The behaviour of one head covariance type. */
export interface MdnLayout {
  /** Raw scales per row for K components over D coordinates. */
  scalesSize(K: number, D: number): number;
  /** Correlation coefficients per row. */
  coefficientsSize(K: number, D: number): number;
  /**
   * Decodes standard deviations [N, scalesSize] (already positive), their reciprocals and the
   * coefficients.
   */
  decode(
    flatScales: tf.Tensor,
    flatPrecisions: tf.Tensor,
    coefficients: tf.Tensor | undefined,
    N: number,
    K: number,
    D: number,
  ): DecodedScales;
  /** Covariances in gmmLogProb's per-sample shape: [N, K, D, D], [N, K, D] or [N, K]. */
  covariances(decoded: DecodedScales): tf.Tensor;
}

/** Constant 0/1 matrices that assemble the full factor P = diag(1 / sigma) (I - C). */
interface FullAssembly {
  /** [D, M]: copies 1/sigma_i onto every coefficient c[j][i] (entry P[i][j] of row i). */
  rowScales: tf.Tensor2D;
  /** [D, D*D]: places 1/sigma_j at P[j][j]. */
  diagonal: tf.Tensor2D;
  /** [M, D*D]: places -c[j][i] / sigma_i at P[i][j]. */
  offDiagonal: tf.Tensor2D;
}

function fullAssembly(D: number): FullAssembly {
  const M = (D * (D - 1)) / 2;
  const rowScales = new Float32Array(D * M);
  const diagonal = new Float32Array(D * D * D);
  const offDiagonal = new Float32Array(M * D * D);
  for (let j = 0; j < D; j++) diagonal[j * D * D + j * D + j] = 1;
  for (let j = 1; j < D; j++) {
    for (let i = 0; i < j; i++) {
      const m = (j * (j - 1)) / 2 + i;
      rowScales[i * M + m] = 1;
      offDiagonal[m * D * D + i * D + j] = -1;
    }
  }
  return {
    rowScales: tf.tensor2d(rowScales, [D, M]),
    diagonal: tf.tensor2d(diagonal, [D, D * D]),
    offDiagonal: tf.tensor2d(offDiagonal, [M, D * D]),
  };
}

/** One standard deviation per coordinate, no coefficients. */
const DIAG: MdnLayout = {
  scalesSize: (K, D) => K * D,
  coefficientsSize: () => 0,
  decode: (flatScales, flatPrecisions, _coefficients, N, K, D) => ({
    scales: tf.reshape(flatScales, [N, K, D]),
    factor: tf.reshape(flatPrecisions, [N, K, D]),
  }),
  covariances: ({scales}) => tf.square(scales),
};

/** One standard deviation per component. */
const SPHERICAL: MdnLayout = {
  scalesSize: (K) => K,
  coefficientsSize: () => 0,
  decode: (flatScales, flatPrecisions) => ({scales: flatScales, factor: flatPrecisions}),
  covariances: ({scales}) => tf.square(scales),
};

/**
 * Conditional standard deviations and autoregressive coefficients. The factor is assembled by
 * matmuls of [N K, D]-shaped rows with small constant 0/1 matrices, which every backend runs as
 * one dense kernel (gathers and scatters lack fast kernels on cpu and wasm).
 */
const FULL: MdnLayout = {
  scalesSize: (K, D) => K * D,
  coefficientsSize: (K, D) => (K * D * (D - 1)) / 2,
  decode(flatScales, flatPrecisions, coefficients, N, K, D) {
    const rows = tf.reshape(flatPrecisions, [N * K, D]);
    const assembly = fullAssembly(D);
    let flatFactor = tf.matMul(rows, assembly.diagonal);
    if (D > 1) {
      const scaled = tf.mul(tf.reshape(coefficients!, [N * K, (D * (D - 1)) / 2]), tf.matMul(rows, assembly.rowScales));
      flatFactor = tf.add(flatFactor, tf.matMul(scaled, assembly.offDiagonal));
    }
    return {scales: tf.reshape(flatScales, [N, K, D]), factor: tf.reshape(flatFactor, [N, K, D, D])};
  },
  covariances: ({factor}) => covarianceFromPrecisionCholesky(factor),
};

/** The head covariance types, default first. */
export const MDN_LAYOUTS: Record<MdnCovarianceType, MdnLayout> = {diag: DIAG, spherical: SPHERICAL, full: FULL};
