/**
 * EM for `spherical` covariances (one variance per component). Basis [1, x', |x'|^2]
 * (width D + 2); with p = 1 / sigma:
 * log-prob_k = c_k + p_k^2 mu_k^T x' - p_k^2 |x'|^2 / 2,
 * c_k = log pi_k + D log p_k - p_k^2 |mu_k|^2 / 2 - D/2 log(2 pi). The variance is the mean over
 * features of the diagonal variances, as scikit-learn computes it.
 */
import * as tf from '@tensorflow/tfjs-core';

import {EmData} from '../data';
import {ScaledState} from '../parameters';
import {EmCovariance, Moments, replaceRows} from './em_covariance';
import {VECTOR_SCATTER} from './scatter';

export class SphericalEm extends EmCovariance {
  readonly name = 'spherical' as const;
  readonly scatter = VECTOR_SCATTER;

  /** Columns of the feature basis at D features. */
  static basisWidth(D: number): number {
    return D + 2;
  }

  get width(): number {
    return SphericalEm.basisWidth(this.D);
  }

  features(x: tf.Tensor2D): tf.Tensor2D {
    return tf.concat([tf.ones([x.shape[0], 1]), x, tf.sum(tf.square(x), -1, true)], 1) as tf.Tensor2D;
  }

  logitCoefficients(state: ScaledState): tf.Tensor2D {
    const precision = tf.reshape(tf.square(state.precisionsCholesky), [this.K, 1]);
    const b = tf.mul(precision, state.means); // [K, D]
    const c = tf.sub(this.logConstant(state), tf.mul(tf.sum(tf.mul(b, state.means), -1), 0.5));
    return tf.concat(
      [tf.reshape(c, [1, this.K]), tf.transpose(b), tf.reshape(tf.mul(precision, -0.5), [1, this.K])],
      0,
    ) as tf.Tensor2D;
  }

  logDetFactor(state: ScaledState): tf.Tensor1D {
    return tf.mul(tf.log(tf.abs(state.precisionsCholesky)), this.D) as tf.Tensor1D;
  }

  canonicalFactor(state: ScaledState, indices: tf.Tensor1D): tf.Tensor {
    return this.type.toCanonical(tf.gather(state.precisionsCholesky, indices), indices.shape[0], this.D);
  }

  scatterFromMoments(moments: Moments, means: tf.Tensor2D, _data: EmData): tf.Tensor {
    // sum_j of the diagonal scatter: sum r |x'|^2 - 2 m1 . mu + n |mu|^2.
    const second = tf.reshape(tf.slice(moments.all, [0, this.D + 1], [this.K, 1]), [this.K]);
    const cross = tf.sum(tf.mul(moments.m1, means), -1);
    return tf.add(tf.sub(second, tf.mul(cross, 2)), tf.mul(moments.n, tf.sum(tf.square(means), -1)));
  }

  combineScatter(fast: tf.Tensor | null, exact: tf.Tensor, indices: number[]): tf.Tensor {
    return replaceRows(fast, tf.sum(exact, -1), indices);
  }

  covariancesFromScatter(scatter: tf.Tensor, nk: tf.Tensor1D, regCovar: number): tf.Tensor {
    return tf.add(tf.div(scatter, tf.mul(nk, this.D)), regCovar);
  }

  conditioning(state: ScaledState): tf.Tensor1D {
    const precision = tf.square(state.precisionsCholesky);
    return tf.mul(
      precision,
      tf.add(tf.sum(tf.square(state.means), -1), tf.mul(state.covariances, this.D)),
    ) as tf.Tensor1D;
  }
}
