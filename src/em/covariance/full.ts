/**
 * EM for `full` covariances.
 *
 * Basis: all products z_i z_j of the augmented row z = [1, x'], i.e. the flattened outer product
 * z z^T (width (D+1)^2). With A_k the symmetric (D+1) x (D+1) matrix
 * [[c_k, b_k^T / 2], [b_k / 2, -Sigma_k^-1 / 2]], b_k = Sigma_k^-1 mu_k and
 * c_k = log pi_k + log|det P_k| - mu_k^T Sigma_k^-1 mu_k / 2 - D/2 log(2 pi), the log-probability
 * is z^T A_k z, so W is A_k flattened, and the moments sum_n r z z^T come back flattened.
 *
 * The outer product is built with one broadcast multiply; the upper triangle alone (half the
 * width) would need a gather, which on wasm costs far more than the wider matmuls
 * (measured: ~25% more E+M matmul time for the full width, ~20x more for the gather).
 */
import * as tf from '@tensorflow/tfjs-core';

import {diagPart, triangleMask} from '../../../ops/linalg/matrix_utils';
import {EmData} from '../data';
import {ScaledState} from '../parameters';
import {EmCovariance, Moments, replaceRows} from './em_covariance';
import {MATRIX_SCATTER} from './scatter';

export class FullEm extends EmCovariance {
  readonly name = 'full' as const;
  readonly scatter = MATRIX_SCATTER;

  /** Columns of the feature basis at D features. */
  static basisWidth(D: number): number {
    return (D + 1) * (D + 1);
  }

  get width(): number {
    return FullEm.basisWidth(this.D);
  }

  features(x: tf.Tensor2D): tf.Tensor2D {
    const [B, D] = x.shape;
    const M = D + 1;
    const z = tf.concat([tf.ones([B, 1]), x], 1);
    return tf.reshape(tf.mul(tf.reshape(z, [B, M, 1]), tf.reshape(z, [B, 1, M])), [B, M * M]) as tf.Tensor2D;
  }

  logitCoefficients(state: ScaledState): tf.Tensor2D {
    const {K, D} = this;
    const precision = this.type.precisionFromPrecisionCholesky(state.precisionsCholesky); // [K, D, D]
    const b = tf.reshape(tf.matMul(precision, tf.reshape(state.means, [K, D, 1])), [K, D]);
    const quadratic = tf.sum(tf.mul(b, state.means), -1);
    const c = tf.sub(this.logConstant(state), tf.mul(quadratic, 0.5));
    const halfB = tf.mul(b, 0.5);
    const top = tf.concat([tf.reshape(c, [K, 1, 1]), tf.reshape(halfB, [K, 1, D])], 2);
    const bottom = tf.concat([tf.reshape(halfB, [K, D, 1]), tf.mul(precision, -0.5)], 2);
    return tf.transpose(tf.reshape(tf.concat([top, bottom], 1), [K, this.width])) as tf.Tensor2D;
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
