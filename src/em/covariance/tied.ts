/**
 * EM for `tied` covariances (one covariance shared by all components).
 *
 * Basis [1, x']: the E-step's component-dependent part is linear in x',
 * log-prob_k = c_k + b_k^T x' - |P^T x'|^2 / 2 with b_k = Sigma^-1 mu_k, and the last term (the
 * same for every component) is computed directly as one extra column. The M-step needs only N_k
 * and sum_n r x' per component: responsibilities sum to one over components, so
 * sum_k sum_n r x' x'^T is the constant sum_n w x' x'^T, computed once per fit, and the
 * within-component scatter is that constant minus sum_k N_k mu_k mu_k^T (in centered form).
 */
import * as tf from '@tensorflow/tfjs-core';

import {diagPart, triangleMask} from '../../../ops/linalg/matrix_utils';
import {EmData} from '../data';
import {ScaledState} from '../parameters';
import {hostPrecisionCholesky} from './host_cholesky';
import {EmCovariance, Moments} from './em_covariance';
import {MATRIX_SCATTER} from './scatter';

export class TiedEm extends EmCovariance {
  readonly name = 'tied' as const;
  readonly scatter = MATRIX_SCATTER;

  /** Columns of the feature basis at D features. */
  static basisWidth(D: number): number {
    return D + 1;
  }

  get width(): number {
    return TiedEm.basisWidth(this.D);
  }

  override get perComponentExact(): boolean {
    return false;
  }

  features(x: tf.Tensor2D): tf.Tensor2D {
    return tf.concat([tf.ones([x.shape[0], 1]), x], 1) as tf.Tensor2D;
  }

  logitCoefficients(state: ScaledState): tf.Tensor2D {
    const precision = this.type.precisionFromPrecisionCholesky(state.precisionsCholesky); // [D, D]
    const b = tf.matMul(state.means, precision); // [K, D] (precision is symmetric)
    const c = tf.sub(this.logConstant(state), tf.mul(tf.sum(tf.mul(b, state.means), -1), 0.5));
    return tf.concat([tf.reshape(c, [1, this.K]), tf.transpose(b)], 0) as tf.Tensor2D;
  }

  override sharedLogit(x: tf.Tensor2D, state: ScaledState): tf.Tensor2D {
    const y = tf.matMul(x, tf.mul(state.precisionsCholesky, triangleMask(this.D, false)));
    return tf.mul(tf.sum(tf.square(y), -1, true), -0.5) as tf.Tensor2D;
  }

  logDetFactor(state: ScaledState): tf.Tensor1D {
    const logDet = tf.sum(tf.log(tf.abs(diagPart(state.precisionsCholesky))));
    return tf.mul(tf.ones([this.K]), logDet) as tf.Tensor1D;
  }

  canonicalFactor(state: ScaledState, indices: tf.Tensor1D): tf.Tensor {
    return this.type.toCanonical(state.precisionsCholesky, indices.shape[0], this.D);
  }

  override get dataStatisticKey(): string {
    return 'tied:secondMoment';
  }

  override dataStatistic(data: EmData): tf.Tensor2D {
    return this.totalSecondMoment(data);
  }

  /** sum_n w x' x'^T over the whole data set (constant during a fit). */
  private totalSecondMoment(data: EmData): tf.Tensor2D {
    return data.extra(this.dataStatisticKey, () => {
      let total: tf.Tensor = tf.zeros([this.D, this.D]);
      for (const chunk of data.chunks) {
        const weighted = chunk.weightColumn ? tf.mul(chunk.x, chunk.weightColumn) : chunk.x;
        total = tf.add(total, tf.matMul(tf.transpose(weighted), chunk.x));
      }
      return total;
    }) as tf.Tensor2D;
  }

  scatterFromMoments(moments: Moments, means: tf.Tensor2D, data: EmData): tf.Tensor {
    // sum_k [S_k - m1 mu^T - mu m1^T + n mu mu^T] with sum_k S_k the constant second moment.
    const cross = tf.matMul(moments.m1, means, true, false); // sum_k m1_k mu_k^T
    const between = tf.matMul(tf.mul(means, tf.reshape(moments.n, [this.K, 1])), means, true, false);
    return tf.add(tf.sub(this.totalSecondMoment(data), tf.add(cross, tf.transpose(cross))), between);
  }

  combineScatter(_fast: tf.Tensor | null, exact: tf.Tensor): tf.Tensor {
    return tf.sum(exact, 0);
  }

  covariancesFromScatter(scatter: tf.Tensor, nk: tf.Tensor1D, regCovar: number): tf.Tensor {
    return tf.add(tf.div(scatter, tf.sum(nk)), tf.mul(tf.eye(this.D), regCovar));
  }

  /** On the host (see host_cholesky.ts). */
  override precisionCholesky(covariances: tf.Tensor): tf.Tensor {
    return hostPrecisionCholesky(covariances);
  }

  conditioning(state: ScaledState): tf.Tensor1D {
    const r = tf.sqrt(tf.add(tf.square(state.means), tf.reshape(diagPart(state.covariances), [1, this.D])));
    const precision = tf.abs(this.type.precisionFromPrecisionCholesky(state.precisionsCholesky));
    return tf.sum(tf.mul(tf.matMul(r, precision), r), -1) as tf.Tensor1D;
  }
}
