/**
 * EM for `diag` covariances. Basis [1, x', x'^2] (width 2D + 1); with p = 1 / sigma:
 * log-prob_k = c_k + sum_j (p_kj^2 mu_kj x'_j - p_kj^2 x'_j^2 / 2),
 * c_k = log pi_k + sum_j log p_kj - sum_j p_kj^2 mu_kj^2 / 2 - D/2 log(2 pi)
 * (scikit-learn's own diag formula), and the M-step reads N_k, sum r x' and sum r x'^2.
 */
import * as tf from '@tensorflow/tfjs-core';

import {EmData} from '../data';
import {ScaledState} from '../parameters';
import {EmCovariance, HostMStep, Moments, NK_EPSILON, replaceRows} from './em_covariance';
import {VECTOR_SCATTER} from './scatter';

export class DiagEm extends EmCovariance {
  readonly name = 'diag' as const;
  readonly scatter = VECTOR_SCATTER;

  /** Columns of the feature basis at D features. */
  static basisWidth(D: number): number {
    return 2 * D + 1;
  }

  get width(): number {
    return DiagEm.basisWidth(this.D);
  }

  features(x: tf.Tensor2D): tf.Tensor2D {
    return tf.concat([tf.ones([x.shape[0], 1]), x, tf.square(x)], 1) as tf.Tensor2D;
  }

  logitCoefficients(state: ScaledState): tf.Tensor2D {
    const precision = tf.square(state.precisionsCholesky); // [K, D]
    const b = tf.mul(precision, state.means);
    const c = tf.sub(this.logConstant(state), tf.mul(tf.sum(tf.mul(b, state.means), -1), 0.5));
    return tf.concat(
      [tf.reshape(c, [1, this.K]), tf.transpose(b), tf.transpose(tf.mul(precision, -0.5))],
      0,
    ) as tf.Tensor2D;
  }

  logDetFactor(state: ScaledState): tf.Tensor1D {
    return tf.sum(tf.log(tf.abs(state.precisionsCholesky)), -1) as tf.Tensor1D;
  }

  canonicalFactor(state: ScaledState, indices: tf.Tensor1D): tf.Tensor {
    return tf.gather(state.precisionsCholesky, indices);
  }

  scatterFromMoments(moments: Moments, means: tf.Tensor2D, _data: EmData): tf.Tensor {
    const second = tf.slice(moments.all, [0, this.D + 1], [this.K, this.D]);
    return this.scatter.center(second, moments.n, moments.m1, means, null);
  }

  combineScatter(fast: tf.Tensor | null, exact: tf.Tensor, indices: number[]): tf.Tensor {
    return replaceRows(fast, exact, indices);
  }

  covariancesFromScatter(scatter: tf.Tensor, nk: tf.Tensor1D, regCovar: number): tf.Tensor {
    return tf.add(tf.div(scatter, tf.reshape(nk, [this.K, 1])), regCovar);
  }

  /**
   * The moment formula of {@link scatterFromMoments} and {@link covariancesFromScatter}, the
   * precision factors 1 / sqrt(sigma^2) and {@link conditioning}, in float64 from the float32
   * moments [N_k, sum r x', sum r x'^2] per component.
   */
  override hostMStep(moments: ArrayLike<number>, regCovar: number): HostMStep {
    const {K, D} = this;
    const width = this.width;
    const nk = Float64Array.from({length: K}, (_, k) => moments[k * width] + NK_EPSILON);
    const total = nk.reduce((a, b) => a + b, 0);
    const means = new Float32Array(K * D);
    const covariances = new Float32Array(K * D);
    const factors = new Float32Array(K * D);
    const checks = new Float32Array(3 * K).fill(1, 2 * K);
    for (let k = 0; k < K; k++) {
      const n = moments[k * width];
      let kappa = 0;
      let factorSum = 0;
      for (let j = 0; j < D; j++) {
        const first = moments[k * width + 1 + j];
        const mean = first / nk[k];
        const scatter = moments[k * width + 1 + D + j] - 2 * first * mean + n * mean * mean;
        const variance = scatter / nk[k] + regCovar;
        const factor = 1 / Math.sqrt(variance);
        means[k * D + j] = mean;
        covariances[k * D + j] = variance;
        factors[k * D + j] = factor;
        factorSum += factor;
        kappa += (mean * mean + variance) / variance;
      }
      checks[k] = kappa;
      checks[K + k] = Number.isFinite(factorSum) ? 1 : 0;
    }
    return {
      state: {
        weights: tf.tensor1d(Float32Array.from(nk, (v) => v / total)),
        means: tf.tensor2d(means, [K, D]),
        meansLow: null,
        covariances: tf.tensor2d(covariances, [K, D]),
        precisionsCholesky: tf.tensor2d(factors, [K, D]),
      },
      checks,
    };
  }

  conditioning(state: ScaledState): tf.Tensor1D {
    const precision = tf.square(state.precisionsCholesky);
    return tf.sum(tf.mul(precision, tf.add(tf.square(state.means), state.covariances)), -1) as tf.Tensor1D;
  }
}
