/**
 * The variational posterior of a Bayesian Gaussian mixture and its host-side (float64) algebra:
 * the weight concentration update, the expectations the E-step adds to the Gaussian
 * log-densities, the weights, and scikit-learn's lower bound. Vectors over the K components live
 * on the host; means, covariances and precision factors are tensors.
 */
import * as tf from '@tensorflow/tfjs-core';

import {getCovarianceType} from '../../../ops/covariance/registry';
import {BAYESIAN_COVARIANCE, BayesianCovarianceType} from './covariance';
import {WeightConcentrationPriorType} from './options';
import {ScaledPriors} from './priors';
import {digamma, logBeta, logGamma} from './special';

/** The variational posterior (tensors in the scaled space during a fit, in the data space after). */
export interface Posterior {
  /** dirichlet_process: the two Beta parameters [a, b] of the sticks; dirichlet_distribution: [alpha]. */
  weightConcentration: Float64Array[];
  /** [K]. */
  meanPrecision: Float64Array;
  /** [K] (tied: K copies of the shared value). */
  degreesOfFreedom: Float64Array;
  means: tf.Tensor2D;
  /** The Wishart scale matrices normalised by the degrees of freedom, in the type's shape. */
  covariances: tf.Tensor;
  precisionsCholesky: tf.Tensor;
}

/** Releases the tensors of a posterior. */
export function disposePosterior(p: Posterior | null | undefined): void {
  if (p) tf.dispose([p.means, p.covariances, p.precisionsCholesky]);
}

/** scikit-learn's `_estimate_weights`. */
function weightConcentrationOf(
  priorType: WeightConcentrationPriorType,
  prior: number,
  nk: Float64Array,
): Float64Array[] {
  if (priorType === 'dirichlet_distribution') return [nk.map((n) => prior + n)];
  // b_k = prior + sum_{j > k} N_j.
  const b = new Float64Array(nk.length);
  for (let k = nk.length - 2; k >= 0; k--) b[k] = b[k + 1] + nk[k + 1];
  return [nk.map((n) => 1 + n), b.map((tail) => prior + tail)];
}

/** E[log pi_k] (scikit-learn's `_estimate_log_weights`). */
export function expectedLogWeights(priorType: WeightConcentrationPriorType, wc: Float64Array[]): Float64Array {
  if (priorType === 'dirichlet_distribution') {
    const total = digamma(wc[0].reduce((s, a) => s + a, 0));
    return wc[0].map((a) => digamma(a) - total);
  }
  const [a, b] = wc;
  const out = new Float64Array(a.length);
  let stick = 0; // sum_{j < k} E[log (1 - v_j)]
  for (let k = 0; k < a.length; k++) {
    const sum = digamma(a[k] + b[k]);
    out[k] = digamma(a[k]) - sum + stick;
    stick += digamma(b[k]) - sum;
  }
  return out;
}

/** The weights scikit-learn derives from the concentration (`_set_parameters`). */
export function weightsOf(priorType: WeightConcentrationPriorType, wc: Float64Array[]): Float64Array {
  let w: Float64Array;
  if (priorType === 'dirichlet_distribution') {
    w = wc[0].slice();
  } else {
    const [a, b] = wc;
    w = new Float64Array(a.length);
    let stick = 1;
    for (let k = 0; k < a.length; k++) {
      w[k] = (a[k] / (a[k] + b[k])) * stick;
      stick *= b[k] / (a[k] + b[k]);
    }
  }
  const total = w.reduce((s, v) => s + v, 0);
  return w.map((v) => v / total);
}

/**
 * What the E-step adds to log N(x | mu_k, Sigma_k) (Sigma_k the normalised covariances):
 * E[log pi_k] - D/2 log nu_k + (D log 2 + sum_j digamma((nu_k - j) / 2) - D / beta_k) / 2,
 * scikit-learn's `_estimate_log_prob` plus `_estimate_log_weights`. Invariant under the scaling.
 */
export function logProbOffset(
  priorType: WeightConcentrationPriorType,
  p: Pick<Posterior, 'weightConcentration' | 'meanPrecision' | 'degreesOfFreedom'>,
  D: number,
): Float64Array {
  const logWeights = expectedLogWeights(priorType, p.weightConcentration);
  return logWeights.map((lw, k) => {
    const nu = p.degreesOfFreedom[k];
    let logLambda = D * Math.LN2;
    for (let j = 0; j < D; j++) logLambda += digamma(0.5 * (nu - j));
    return lw - 0.5 * D * Math.log(nu) + 0.5 * (logLambda - D / p.meanPrecision[k]);
  });
}

/** The variational M-step from N_k, the responsibilities' means x_k and covariances s_k (scaled space). */
export function variationalMStep(
  fn: string,
  type: BayesianCovarianceType,
  priorType: WeightConcentrationPriorType,
  priors: ScaledPriors,
  nk: Float64Array,
  xk: tf.Tensor2D,
  sk: tf.Tensor,
): Posterior {
  const K = nk.length;
  const behaviour = BAYESIAN_COVARIANCE[type];
  const meanPrecision = nk.map((n) => priors.meanPrecisionPrior + n);
  const degreesOfFreedom = behaviour.degreesOfFreedom(nk, priors.degreesOfFreedomPrior);
  const [means, covariances, precisionsCholesky] = tf.tidy(() => {
    const column = (v: Float64Array) => tf.tensor2d(Float32Array.from(v), [K, 1]);
    const means = tf.div(
      tf.add(tf.mul(priors.meanPrior, priors.meanPrecisionPrior), tf.mul(column(nk), xk)),
      column(meanPrecision),
    ) as tf.Tensor2D;
    const covariances = behaviour.covariances({
      nk,
      xk,
      sk,
      meanPrior: priors.meanPrior,
      covariancePrior: priors.covariancePrior,
      meanPrecisionPrior: priors.meanPrecisionPrior,
      meanPrecision,
      degreesOfFreedom,
    });
    const factor = getCovarianceType(type).precisionCholeskyFromCovariance(covariances, {caller: fn});
    return [means, covariances, factor];
  });
  return {
    weightConcentration: weightConcentrationOf(priorType, priors.weightConcentrationPrior, nk),
    meanPrecision,
    degreesOfFreedom,
    means: means as tf.Tensor2D,
    covariances,
    precisionsCholesky,
  };
}

/** log |det P_k| per component [K] of precision factors in the type's shape. */
export function logDetCholesky(type: BayesianCovarianceType, factor: tf.Tensor, K: number, D: number): tf.Tensor1D {
  return tf.tidy(() => {
    const logDiag = tf.log(tf.abs(getCovarianceType(type).factorDiagonal(factor)));
    if (type === 'spherical') return tf.mul(logDiag, D) as tf.Tensor1D;
    if (type === 'tied') return tf.mul(tf.ones([K]), tf.sum(logDiag)) as tf.Tensor1D;
    return tf.sum(logDiag, -1) as tf.Tensor1D;
  });
}

/**
 * scikit-learn's `lower_bound_` of this estimator (`_compute_lower_bound`, constants dropped, a
 * total over the samples): -sum r log r - log Wishart norm - log weight norm - D/2 sum log beta_k.
 *
 * @param sumRLogR sum over samples and components of r log r (of the E-step's responsibilities).
 * @param logDet log |det P_k| [K] of the posterior's precision factors in the data space.
 */
export function lowerBoundOf(
  type: BayesianCovarianceType,
  priorType: WeightConcentrationPriorType,
  p: Posterior,
  sumRLogR: number,
  logDet: ArrayLike<number>,
  D: number,
): number {
  const K = p.meanPrecision.length;
  const logWishartNorm = (k: number) => {
    const nu = p.degreesOfFreedom[k];
    const logDetChol = logDet[k] - 0.5 * D * Math.log(nu);
    let gammas = 0;
    for (let j = 0; j < D; j++) gammas += logGamma(0.5 * (nu - j));
    return -(nu * logDetChol + nu * D * 0.5 * Math.LN2 + gammas);
  };
  let logWishart = 0;
  if (BAYESIAN_COVARIANCE[type].shared) logWishart = K * logWishartNorm(0);
  else for (let k = 0; k < K; k++) logWishart += logWishartNorm(k);
  let logNormWeight: number;
  const wc = p.weightConcentration;
  if (priorType === 'dirichlet_process') {
    logNormWeight = 0;
    for (let k = 0; k < K; k++) logNormWeight -= logBeta(wc[0][k], wc[1][k]);
  } else {
    logNormWeight = logGamma(wc[0].reduce((s, a) => s + a, 0)) - wc[0].reduce((s, a) => s + logGamma(a), 0);
  }
  const logMeanPrecision = p.meanPrecision.reduce((s, b) => s + Math.log(b), 0);
  return -sumRLogR - logWishart - logNormWeight - 0.5 * D * logMeanPrecision;
}
