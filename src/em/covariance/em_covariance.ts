/**
 * The covariance-type-specific half of EM, one class per type behind a registry (see
 * `registry.ts`), keyed by the same names as the ops' covariance types.
 *
 * Both steps are written against a per-type *feature basis* Z = phi(x') of the scaled data
 * (x' = (x - c) / s, see data.ts), so that the large work of an iteration is two matmuls:
 *
 * - E-step: the per-component log-probabilities are a quadratic in x', i.e. linear in Z:
 *   `logits = Z W` with W [width, K] built from the current parameters (plus, for `tied`, one
 *   component-independent column -|P^T x'|^2 / 2 computed directly).
 * - M-step: every moment the update needs (N_k, sum_n r x', and the second moments the type
 *   needs) is a column of `Z^T R` ([width, K]).
 *
 * The bases: full the products z_i z_j (i <= j) of z = [1, x'] (its moments unpacked to the
 * flattened sum_n r z z^T); tied [1, x'] (its second moment is the constant
 * sum_n w x' x'^T); diag [1, x', x'^2]; spherical [1, x', |x'|^2].
 *
 * Accuracy. Both steps expand a quadratic around the origin of the scaled space, so in float32
 * their error grows with kappa_k = r_k^T |Sigma_k^-1| r_k, r_ki = sqrt(mu_ki^2 + Sigma_k,ii)
 * (how far, in its own standard deviations, component k sits from the center of the data): the
 * E-step's log-probabilities carry an absolute error of about eps * kappa_k and the M-step's
 * covariances a relative error of about eps * kappa_k (times the growth of float32 rounding in
 * sums over a chunk's rows). Components with kappa_k above a limit (see engine.ts), and
 * components whose covariance comes out indefinite, take the exact path instead:
 * log-probabilities from y = (x' - mu_k) P_k with the differences formed first, and covariances
 * from sum_n r (x' - c_k)(x' - c_k)^T around a shift c_k close to mu_k. Neither cancels. That is
 * what keeps a collapsing component (duplicate points, a constant feature) positive definite
 * with exactly regCovar on its diagonal, as in float64.
 */
import * as tf from '@tensorflow/tfjs-core';

import {CovarianceType, CovarianceTypeName} from '../../../ops/covariance/covariance_type';
import {getCovarianceType} from '../../../ops/covariance/registry';
import {EmData} from '../data';
import {ScaledState} from '../parameters';
import {ExactOperands, ExactShifts, ScatterShape, difference} from './scatter';

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * Lower clamp of log-weights: a zero weight gives a very negative but finite logit, so that the
 * E-step matmul never multiplies -Infinity by zero.
 */
const MIN_LOG_WEIGHT = -1e30;

/** scikit-learn adds 10 * eps(float64) to N_k so that an empty component divides without NaN. */
export const NK_EPSILON = 10 * 2.220446049250313e-16;

/**
 * A fast-path M-step computed on the host in float64 (no exact components): the new parameters
 * as float32 tensors and their checks, packed as the engine reads them: [kappa (K), finite (K,
 * 1 or 0), cancellation (K, all 1)].
 */
export interface HostMStep {
  state: ScaledState;
  checks: Float32Array;
}

/** Moments of the M-step, unpacked. */
export interface Moments {
  /** Raw sum of responsibilities per component, [K]. */
  n: tf.Tensor1D;
  /** sum_n r x', [K, D]. */
  m1: tf.Tensor2D;
  /** All moments as [K, width] (row k for component k). */
  all: tf.Tensor2D;
}

/** The EM behaviour of one covariance type for a fit with K components and D features. */
export abstract class EmCovariance {
  /** scikit-learn's name of the type. */
  abstract readonly name: CovarianceTypeName;
  /**
   * Number of columns of the moments: per component, the sums of the basis the M-step reads (the
   * statistics' `basisWidth`).
   */
  abstract get width(): number;

  /**
   * Number of columns of the feature basis Z: the moments' width, unless the type takes a
   * narrower basis and unpacks its moments ({@link expandMoments}).
   */
  get featureWidth(): number {
    return this.width;
  }

  constructor(
    readonly K: number,
    readonly D: number,
  ) {}

  /** The ops' covariance type of the same name (shapes, conversions, kernels' canonical form). */
  get type(): CovarianceType {
    return getCovarianceType(this.name);
  }

  /** Per-component scatter: the whole matrix (full, tied) or its diagonal (diag, spherical). */
  abstract readonly scatter: ScatterShape;

  /**
   * Whether the M-step computes Z^T R (wide bases: Z^T is cached next to Z, or transposed from
   * features rebuilt every pass, and the fresh R is the small right operand) rather than R^T Z
   * (narrow bases: Z is the cached right operand).
   */
  get transposedMoments(): boolean {
    return this.featureWidth > 64;
  }

  /**
   * Whether the exact path can be taken per component. `tied` shares one covariance, so it takes
   * it for all components or none.
   */
  get perComponentExact(): boolean {
    return true;
  }

  /** Builds the basis Z [B, featureWidth] from scaled rows x' [B, D]. */
  abstract features(x: tf.Tensor2D): tf.Tensor2D;

  /**
   * E-step coefficients W [featureWidth, K]: `Z W` (plus {@link sharedLogit}) are the
   * log-probabilities `log pi_k + log N(x | mu_k, Sigma_k)`.
   */
  abstract logitCoefficients(state: ScaledState): tf.Tensor2D;

  /** The moments [K, width] from the sums R^T Z [K, featureWidth] of the feature basis. */
  expandMoments(moments: tf.Tensor2D): tf.Tensor2D {
    return moments;
  }

  /** A component-independent log-probability column [B, 1] added to `Z W`, if the type has one. */
  sharedLogit(_x: tf.Tensor2D, _state: ScaledState): tf.Tensor2D | null {
    return null;
  }

  /** log |det P_k| per component, [K]. */
  abstract logDetFactor(state: ScaledState): tf.Tensor1D;

  /** The kernels' canonical precision factor of the components `indices`: [Kf, D, D] or [Kf, D]. */
  abstract canonicalFactor(state: ScaledState, indices: tf.Tensor1D): tf.Tensor;

  /**
   * The centered scatter sum_n r (x' - mu_k)(...)^T (in the type's own reduced form) from the
   * moments, by the fast cancellation-prone formula.
   */
  abstract scatterFromMoments(moments: Moments, means: tf.Tensor2D, data: EmData): tf.Tensor;

  /**
   * Replaces the fast scatter of the components `indices` with their exact scatter
   * `exact` ([Kf, D, D] or [Kf, D], already centered on the new means). `fast` is null when every
   * component is exact (`indices` is then 0..K-1).
   */
  abstract combineScatter(fast: tf.Tensor | null, exact: tf.Tensor, indices: number[]): tf.Tensor;

  /**
   * Covariances (type shape) from the scatter: divide by N_k and add regCovar to the diagonal.
   * `scale` is the data's scale s (x' = (x - c) / s), for a type whose variance is fixed in data
   * units (`constant`).
   */
  abstract covariancesFromScatter(scatter: tf.Tensor, nk: tf.Tensor1D, regCovar: number, scale: number): tf.Tensor;

  /** The precision Cholesky factors of the covariances an M-step computed (`caller` names it in messages). */
  precisionCholesky(covariances: tf.Tensor, caller: string): tf.Tensor {
    return this.type.precisionCholeskyFromCovariance(covariances, {caller});
  }

  /** kappa_k (see the file comment), [K]. */
  abstract conditioning(state: ScaledState): tf.Tensor1D;

  /**
   * The key under which the M-step's statistic of the data alone is cached on `EmData` (tied:
   * sum_n w x' x'^T), or null when the type needs none. It is part of the EM statistics
   * (statistics.ts), computed by {@link dataStatistic}.
   */
  get dataStatisticKey(): string | null {
    return null;
  }

  /** The statistic of {@link dataStatisticKey} for `data` (cached on it), or null. */
  dataStatistic(_data: EmData): tf.Tensor | null {
    return null;
  }

  /**
   * The fast-path M-step (every component by the moment formula) from the moments [K * width]
   * (row-major), on the host, or null when the type has none and takes tf ops. diag has one: its
   * ~40 small tf ops took ~0.6-0.9 ms on wasm per iteration, serial to the workers' passes, against
   * ~0.05 ms in JavaScript.
   */
  hostMStep(_moments: ArrayLike<number>, _regCovar: number): HostMStep | null {
    return null;
  }

  /** The fixed variance (data units) of a type that does not estimate it (`constant`), else undefined. */
  get fixedVariance(): number | undefined {
    return undefined;
  }

  /** Releases constant tensors. */
  dispose(): void {}

  /** log pi + log|det P| - D/2 log(2 pi), [K]. */
  logConstant(state: ScaledState): tf.Tensor1D {
    const logWeights = tf.maximum(tf.log(state.weights), MIN_LOG_WEIGHT);
    return tf.sub(tf.add(logWeights, this.logDetFactor(state)), (this.D / 2) * LOG_2PI) as tf.Tensor1D;
  }

  /**
   * Log-probabilities of the components `indices`, [B, Kf], with the differences formed first:
   * y = (x' - mu_k) P_k, with the residuals of x' and mu_k (`rows.xLow`, `state.meansLow`) when
   * there are any, so that points near a component (which decide a collapsing component's fate)
   * get their log-probabilities to float32 accuracy whatever the component's scale and offset.
   * (The ops' shared kernels compute x' P - mu' P, which cancels when P is large.)
   * One [B, D] product per component; only the exact-path components come here.
   */
  directLogits(rows: ExactOperands, state: ScaledState, indices: number[]): tf.Tensor2D {
    const idx = tf.tensor1d(indices, 'int32');
    const factor = this.canonicalFactor(state, idx); // [Kf, D, D] upper or [Kf, D]
    const shifts: ExactShifts = {
      shifts: tf.gather(state.means, idx) as tf.Tensor2D,
      shiftsLow: state.meansLow ? (tf.gather(state.meansLow, idx) as tf.Tensor2D) : null,
    };
    const columns = indices.map((_, f) => {
      const d = difference(rows, shifts, f);
      return tf.sum(tf.square(this.type.whiten(d, this.type.componentFactor(factor, f))), -1, true);
    });
    const squaredNorms = columns.length === 1 ? columns[0] : tf.concat(columns, 1);
    const constant = tf.reshape(tf.gather(this.logConstant(state), idx), [1, indices.length]);
    return tf.sub(constant, tf.mul(squaredNorms, 0.5)) as tf.Tensor2D;
  }
}

/**
 * Replaces rows `indices` (ascending) of `fast` ([K, ...]) with the rows of `exact` ([Kf, ...]);
 * with `fast` null, every row is replaced.
 */
export function replaceRows(fast: tf.Tensor | null, exact: tf.Tensor, indices: number[]): tf.Tensor {
  if (fast === null) return exact;
  const K = fast.shape[0];
  const rest = fast.shape.slice(1);
  const size = rest.reduce((p, s) => p * s, 1);
  const keep = new Float32Array(K).fill(1);
  const placement = new Float32Array(K * indices.length);
  indices.forEach((k, f) => {
    keep[k] = 0;
    placement[k * indices.length + f] = 1;
  });
  const placed = tf.matMul(tf.tensor2d(placement, [K, indices.length]), tf.reshape(exact, [indices.length, size]));
  const kept = tf.mul(tf.reshape(fast, [K, size]), tf.tensor2d(keep, [K, 1]));
  return tf.reshape(tf.add(kept, placed), fast.shape);
}
