/**
 * The precision Cholesky factors of an M-step's covariances, computed on the host. They are
 * small ([K, D, D] or [D, D]) and the M-step reads its checks back anyway; the ops' portable
 * Cholesky and triangular inverse are a column loop of several kernels per column, which on wasm
 * costs a few ms per M-step in kernel launches (measured: 2.4 ms for [16, 16, 16]), against
 * ~0.1 ms here. The host runs the same float32 operations in the same order (symmetrize,
 * right-looking Cholesky, forward substitution), so the factors are those of the ops.
 */
import * as tf from '@tensorflow/tfjs-core';

const f32 = Math.fround;

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
  const trailing = new Float32Array(D * D);
  const L = new Float32Array(D * D);
  const remaining = new Float32Array(D * D);
  const x = new Float32Array(D);
  for (let b = 0; b < count; b++) {
    const base = b * D * D;
    // The symmetric part (S + S^T) / 2; the Cholesky below updates it in place (row-major, the
    // trailing block of step j starts at (j, j)).
    for (let i = 0; i < D; i++)
      for (let j = 0; j < D; j++) trailing[i * D + j] = f32(f32(c[base + i * D + j] + c[base + j * D + i]) * 0.5);
    L.fill(0);
    for (let j = 0; j < D; j++) {
      const root = f32(Math.sqrt(trailing[j * D + j])); // NaN for a negative pivot
      for (let i = j; i < D; i++) L[i * D + j] = f32(trailing[i * D + j] / root);
      for (let i = j + 1; i < D; i++)
        for (let k = j + 1; k < D; k++)
          trailing[i * D + k] = f32(trailing[i * D + k] - f32(L[i * D + j] * L[k * D + j]));
    }
    // L^-1 by forward substitution on the identity: row j of the inverse is x, then x is
    // eliminated from the rows below.
    remaining.fill(0);
    for (let i = 0; i < D; i++) remaining[i * D + i] = 1;
    for (let j = 0; j < D; j++) {
      for (let k = 0; k < D; k++) x[k] = f32(remaining[j * D + k] / L[j * D + j]);
      // P = (L^-1)^T: row j of L^-1 is column j of P.
      for (let k = 0; k < D; k++) out[base + k * D + j] = x[k];
      for (let i = j + 1; i < D; i++)
        for (let k = 0; k < D; k++) remaining[i * D + k] = f32(remaining[i * D + k] - f32(L[i * D + j] * x[k]));
    }
  }
  return tf.tensor(out, shape);
}
