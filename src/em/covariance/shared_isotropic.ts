/**
 * EM for `shared_isotropic` covariances (one variance for every component and direction). Basis
 * [1, x', |x'|^2] as `spherical`; with p = 1 / sigma (a scalar):
 * log-prob_k = c_k + p^2 mu_k^T x' - p^2 |x'|^2 / 2, c_k = log pi_k + D log p - p^2 |mu_k|^2 / 2
 * - D/2 log(2 pi). The M-step pools the scatter: sigma^2 = sum_k sum_n r |x' - mu_k|^2 / (N D)
 * + regCovar, the N_k-weighted mean of the spherical variances (as `tied` pools the full ones).
 */
import * as tf from '@tensorflow/tfjs-core';

import {EmData} from '../data';
import {ScaledState} from '../parameters';
import {EmCovariance, Moments, replaceRows} from './em_covariance';
import {VECTOR_SCATTER} from './scatter';

export class SharedIsotropicEm extends EmCovariance {
  readonly name: 'shared_isotropic' | 'constant' = 'shared_isotropic';
  readonly scatter = VECTOR_SCATTER;

  /** Columns of the feature basis at D features. */
  static basisWidth(D: number): number {
    return D + 2;
  }

  get width(): number {
    return SharedIsotropicEm.basisWidth(this.D);
  }

  /** One variance for all components: the exact path is taken for all of them or none. */
  override get perComponentExact(): boolean {
    return false;
  }

  features(x: tf.Tensor2D): tf.Tensor2D {
    return tf.concat([tf.ones([x.shape[0], 1]), x, tf.sum(tf.square(x), -1, true)], 1) as tf.Tensor2D;
  }

  logitCoefficients(state: ScaledState): tf.Tensor2D {
    const precision = tf.square(state.precisionsCholesky); // scalar
    const b = tf.mul(precision, state.means); // [K, D]
    const c = tf.sub(this.logConstant(state), tf.mul(tf.sum(tf.mul(b, state.means), -1), 0.5));
    return tf.concat(
      [tf.reshape(c, [1, this.K]), tf.transpose(b), tf.mul(tf.ones([1, this.K]), tf.mul(precision, -0.5))],
      0,
    ) as tf.Tensor2D;
  }

  logDetFactor(state: ScaledState): tf.Tensor1D {
    return tf.mul(tf.ones([this.K]), tf.mul(tf.log(tf.abs(state.precisionsCholesky)), this.D)) as tf.Tensor1D;
  }

  canonicalFactor(state: ScaledState, indices: tf.Tensor1D): tf.Tensor {
    return this.type.toCanonical(state.precisionsCholesky, indices.shape[0], this.D);
  }

  /** Per-component sums of the diagonal scatter, [K] (pooled in {@link covariancesFromScatter}). */
  scatterFromMoments(moments: Moments, means: tf.Tensor2D, _data: EmData): tf.Tensor {
    const second = tf.reshape(tf.slice(moments.all, [0, this.D + 1], [this.K, 1]), [this.K]);
    const cross = tf.sum(tf.mul(moments.m1, means), -1);
    return tf.add(tf.sub(second, tf.mul(cross, 2)), tf.mul(moments.n, tf.sum(tf.square(means), -1)));
  }

  combineScatter(fast: tf.Tensor | null, exact: tf.Tensor, indices: number[]): tf.Tensor {
    return replaceRows(fast, tf.sum(exact, -1), indices);
  }

  covariancesFromScatter(scatter: tf.Tensor, nk: tf.Tensor1D, regCovar: number, _scale: number): tf.Tensor {
    return tf.add(tf.div(tf.sum(scatter), tf.mul(tf.sum(nk), this.D)), regCovar);
  }

  conditioning(state: ScaledState): tf.Tensor1D {
    const precision = tf.square(state.precisionsCholesky);
    return tf.mul(
      precision,
      tf.add(tf.sum(tf.square(state.means), -1), tf.mul(state.covariances, this.D)),
    ) as tf.Tensor1D;
  }
}
