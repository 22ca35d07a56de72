/**
 * EM for `full` covariances.
 *
 * With z = [1, x'] (M = D + 1 entries) and A_k the symmetric M x M matrix
 * [[c_k, b_k^T / 2], [b_k / 2, -Sigma_k^-1 / 2]], b_k = Sigma_k^-1 mu_k and
 * c_k = log pi_k + log|det P_k| - mu_k^T Sigma_k^-1 mu_k / 2 - D/2 log(2 pi), the log-probability
 * is z^T A_k z, and the M-step needs sum_n r z z^T.
 *
 * Both are symmetric, so the feature basis holds each product z_i z_j (i <= j) once: the E-step
 * coefficients are A_k's entries with the off-diagonal ones doubled, and the moments come back
 * as the products once and are unpacked to the flattened sum_n r z z^T ((D+1)^2 columns: the
 * moments' width, as the statistics carry them). Half the columns of the flattened outer product
 * halve the two large matmuls of an iteration and the cached features.
 *
 * The products are taken in circulant order: column s M + i is z_i z_{(i + s) mod M} for
 * s = 0..floor(M / 2), which reaches every pair {i, j} (for even M the last shift reaches each
 * pair twice; the second column gets zero coefficients and is never read). The whole basis is one
 * 0/1 matmul (z P: column s M + i picks z_{(i + s) mod M}, exactly) and one broadcast multiply
 * by z; a slice or gather per column would cost ~20x more on wasm (see docs/DEVELOPING.md).
 */
import * as tf from '@tensorflow/tfjs-core';

import {diagPart, triangleMask} from '../../../ops/linalg/matrix_utils';
import {EmData} from '../data';
import {ScaledState} from '../parameters';
import {hostPrecisionCholesky} from './host_cholesky';
import {EmCovariance, Moments, replaceRows} from './em_covariance';
import {MATRIX_SCATTER} from './scatter';

/** The circulant layout of the products z_i z_j for M = D + 1 (see the file comment). */
interface ProductLayout {
  /** Columns of the basis: M (floor(M / 2) + 1). */
  width: number;
  /** [M * width] 0/1 matrix P: z P puts z_{(i + s) mod M} in column s M + i. */
  shift: Float32Array;
  /** Per column, the flattened indices i M + j and j M + i of its pair in A_k ([width] each). */
  upper: Int32Array;
  lower: Int32Array;
  /** Per column: 1/2 on the diagonal (A_ii + A_ii), 1 off it (A_ij + A_ji), 0 for a repeated pair. */
  factor: Float32Array;
  /** Per entry (i, j) of z z^T, the column holding z_i z_j ([M * M]). */
  unpack: Int32Array;
}

function productLayout(M: number): ProductLayout {
  const shifts = Math.floor(M / 2) + 1;
  const width = M * shifts;
  const shift = new Float32Array(M * width);
  const upper = new Int32Array(width);
  const lower = new Int32Array(width);
  const factor = new Float32Array(width);
  const unpack = new Int32Array(M * M).fill(-1);
  for (let s = 0; s < shifts; s++) {
    for (let i = 0; i < M; i++) {
      const c = s * M + i;
      const j = (i + s) % M;
      shift[j * width + c] = 1;
      upper[c] = i * M + j;
      lower[c] = j * M + i;
      if (unpack[i * M + j] >= 0) continue; // the repeated pairs of the last shift (even M)
      unpack[i * M + j] = c;
      unpack[j * M + i] = c;
      factor[c] = i === j ? 0.5 : 1;
    }
  }
  return {width, shift, upper, lower, factor, unpack};
}

export class FullEm extends EmCovariance {
  readonly name = 'full' as const;
  readonly scatter = MATRIX_SCATTER;
  private readonly layout = productLayout(this.D + 1);

  /** Columns of the moments (the flattened sum_n r z z^T) at D features. */
  static basisWidth(D: number): number {
    return (D + 1) * (D + 1);
  }

  /** Columns of the feature basis (each product z_i z_j once) at D features. */
  static featureWidth(D: number): number {
    const M = D + 1;
    return M * (Math.floor(M / 2) + 1);
  }

  get width(): number {
    return FullEm.basisWidth(this.D);
  }

  override get featureWidth(): number {
    return this.layout.width;
  }

  features(x: tf.Tensor2D): tf.Tensor2D {
    const [B, D] = x.shape;
    const M = D + 1;
    const {width, shift} = this.layout;
    const z = tf.concat([tf.ones([B, 1]), x], 1) as tf.Tensor2D;
    const shifted = tf.matMul(z, tf.tensor2d(shift, [M, width])); // [B, width]: z_{(i + s) mod M}
    return tf.reshape(tf.mul(tf.reshape(z, [B, 1, M]), tf.reshape(shifted, [B, width / M, M])), [
      B,
      width,
    ]) as tf.Tensor2D;
  }

  logitCoefficients(state: ScaledState): tf.Tensor2D {
    const {K, D} = this;
    const M = D + 1;
    const precision = this.type.precisionFromPrecisionCholesky(state.precisionsCholesky); // [K, D, D]
    const b = tf.reshape(tf.matMul(precision, tf.reshape(state.means, [K, D, 1])), [K, D]);
    const quadratic = tf.sum(tf.mul(b, state.means), -1);
    const c = tf.sub(this.logConstant(state), tf.mul(quadratic, 0.5));
    const halfB = tf.mul(b, 0.5);
    const top = tf.concat([tf.reshape(c, [K, 1, 1]), tf.reshape(halfB, [K, 1, D])], 2);
    const bottom = tf.concat([tf.reshape(halfB, [K, D, 1]), tf.mul(precision, -0.5)], 2);
    const a = tf.reshape(tf.concat([top, bottom], 1), [K, M * M]); // A_k flattened
    const {upper, lower, factor, width} = this.layout;
    const pick = (indices: Int32Array) => tf.gather(a, tf.tensor1d(indices, 'int32'), 1);
    const coefficients = tf.mul(tf.add(pick(upper), pick(lower)), tf.tensor2d(factor, [1, width]));
    return tf.transpose(coefficients) as tf.Tensor2D;
  }

  override expandMoments(moments: tf.Tensor2D): tf.Tensor2D {
    return tf.gather(moments, tf.tensor1d(this.layout.unpack, 'int32'), 1) as tf.Tensor2D;
  }

  logDetFactor(state: ScaledState): tf.Tensor1D {
    return tf.sum(tf.log(tf.abs(diagPart(state.precisionsCholesky))), -1) as tf.Tensor1D;
  }

  canonicalFactor(state: ScaledState, indices: tf.Tensor1D): tf.Tensor {
    return tf.mul(tf.gather(state.precisionsCholesky, indices), triangleMask(this.D, false));
  }

  scatterFromMoments(moments: Moments, means: tf.Tensor2D, _data: EmData): tf.Tensor {
    const {K, D} = this;
    const augmented = tf.reshape(moments.all, [K, D + 1, D + 1]); // sum_n r z z^T
    const second = tf.slice(augmented, [0, 1, 1], [K, D, D]);
    return this.scatter.center(second, moments.n, moments.m1, means, null);
  }

  combineScatter(fast: tf.Tensor | null, exact: tf.Tensor, indices: number[]): tf.Tensor {
    return replaceRows(fast, exact, indices);
  }

  covariancesFromScatter(scatter: tf.Tensor, nk: tf.Tensor1D, regCovar: number): tf.Tensor {
    const {K, D} = this;
    return tf.add(tf.div(scatter, tf.reshape(nk, [K, 1, 1])), tf.mul(tf.eye(D), regCovar));
  }

  /** On the host (see host_cholesky.ts). */
  override precisionCholesky(covariances: tf.Tensor): tf.Tensor {
    return hostPrecisionCholesky(covariances);
  }

  conditioning(state: ScaledState): tf.Tensor1D {
    const {K, D} = this;
    const r = tf.sqrt(tf.add(tf.square(state.means), diagPart(state.covariances))); // [K, D]
    const weightsMatrix = tf.mul(tf.reshape(r, [K, D, 1]), tf.reshape(r, [K, 1, D]));
    return tf.sum(
      tf.reshape(tf.mul(tf.abs(this.type.precisionFromPrecisionCholesky(state.precisionsCholesky)), weightsMatrix), [
        K,
        D * D,
      ]),
      -1,
    ) as tf.Tensor1D;
  }
}
