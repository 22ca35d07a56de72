/**
 * EM for `constant` covariances: a fixed variance, the same for every component and direction,
 * given by the user and never estimated. The E-step is `shared_isotropic`'s; the M-step updates
 * the weights and means and keeps the variance. regCovar is not added to it: regCovar guards an
 * estimated covariance against collapse, and a fixed positive variance cannot collapse (adding it
 * would make the fitted variance differ from the one the user asked for).
 */
import * as tf from '@tensorflow/tfjs-core';

import {SharedIsotropicEm} from './shared_isotropic';

export class ConstantEm extends SharedIsotropicEm {
  override readonly name = 'constant' as const;

  /** @param variance the fixed variance in data units. */
  constructor(
    K: number,
    D: number,
    readonly variance: number,
  ) {
    super(K, D);
  }

  override get fixedVariance(): number {
    return this.variance;
  }

  /** The fixed variance in the scaled space EM runs in (variance / s^2), whatever the scatter. */
  override covariancesFromScatter(_scatter: tf.Tensor, _nk: tf.Tensor1D, _regCovar: number, scale: number): tf.Tensor {
    return tf.scalar(this.variance / (scale * scale));
  }
}
