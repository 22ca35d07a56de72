/**
 * The precision Cholesky factors of an M-step's covariances, computed on the host in float64.
 * They are small ([K, D, D] or [D, D]) and the M-step reads its checks back anyway; the ops'
 * portable Cholesky and triangular inverse are a column loop of several kernels per column,
 * which on wasm costs a few ms per M-step in kernel launches (measured: 2.4 ms for
 * [16, 16, 16]), against ~0.1 ms here.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * As the covariance types' `precisionCholeskyFromCovariance` (of the symmetric part, upper
 * triangular P = L^-T with Sigma = L L^T): a matrix that is not positive definite gets
 * non-finite entries (a pivot <= 0 gives NaN or Infinity), as with the ops' Cholesky.
 *
 * @param covariances [..., D, D].
 */
export function hostPrecisionCholesky(covariances: tf.Tensor): tf.Tensor {
  const shape = covariances.shape;
  const D = shape[shape.length - 1];
  const count = covariances.size / (D * D);
  const c = covariances.dataSync();
  const out = new Float32Array(covariances.size);
  const L = new Float64Array(D * D);
  const inverse = new Float64Array(D * D);
  for (let b = 0; b < count; b++) {
    const base = b * D * D;
    const symmetric = (i: number, j: number) => (c[base + i * D + j] + c[base + j * D + i]) / 2;
    for (let j = 0; j < D; j++) {
      let pivot = symmetric(j, j);
      for (let p = 0; p < j; p++) pivot -= L[j * D + p] * L[j * D + p];
      const ljj = Math.sqrt(pivot); // NaN for a negative pivot
      L[j * D + j] = ljj;
      for (let i = j + 1; i < D; i++) {
        let v = symmetric(i, j);
        for (let p = 0; p < j; p++) v -= L[i * D + p] * L[j * D + p];
        L[i * D + j] = v / ljj;
      }
    }
    // inverse = L^-1 (lower), by forward substitution column by column.
    for (let j = 0; j < D; j++) {
      inverse[j * D + j] = 1 / L[j * D + j];
      for (let i = j + 1; i < D; i++) {
        let v = 0;
        for (let p = j; p < i; p++) v -= L[i * D + p] * inverse[p * D + j];
        inverse[i * D + j] = v / L[i * D + i];
      }
    }
    // P = inverse^T: upper triangular.
    for (let i = 0; i < D; i++) for (let j = i; j < D; j++) out[base + i * D + j] = inverse[j * D + i];
  }
  return tf.tensor(out, shape);
}
