/**
 * The covariance-type-specific half of the variational M-step (scikit-learn's
 * `_estimate_wishart_*`), one entry per type behind a registry keyed by scikit-learn's names:
 * the posterior degrees of freedom, the posterior covariances (the Wishart scale matrices
 * normalised by the degrees of freedom, as scikit-learn stores them) and the default and
 * user-given covariance prior.
 */
import * as tf from '@tensorflow/tfjs-core';

import {getCovarianceType} from '../../../ops/covariance/registry';
import {fail, formatShape, shapeMatches} from '../../../ops/util/args';
import {NestedNumbers} from '../options';

/** The covariance types of `BayesianGaussianMixture` (scikit-learn's four). */
export type BayesianCovarianceType = 'full' | 'tied' | 'diag' | 'spherical';

/** What the variational update of the covariances reads (scaled space; vectors [K] on the host). */
export interface WishartInputs {
  /** N_k (+ 10 eps), [K]. */
  nk: Float64Array;
  /** Component means of the responsibilities, [K, D]. */
  xk: tf.Tensor2D;
  /** Component covariances of the responsibilities (regCovar added), in the type's shape. */
  sk: tf.Tensor;
  meanPrior: tf.Tensor1D;
  /** In the type's prior shape (full, tied [D, D]; diag [D]; spherical scalar). */
  covariancePrior: tf.Tensor;
  meanPrecisionPrior: number;
  /** Posterior mean precisions, [K]. */
  meanPrecision: Float64Array;
  /** Posterior degrees of freedom, [K] (tied: K copies of the shared value). */
  degreesOfFreedom: Float64Array;
}

/** The variational behaviour of one covariance type. */
export interface BayesianCovariance {
  /** Shape of the covariance prior at D features ([] for a number). */
  priorShape(D: number): number[];
  /** Posterior degrees of freedom [K] from N_k (tied shares one: dof0 + sum N_k / K). */
  degreesOfFreedom(nk: Float64Array, degreesOfFreedomPrior: number): Float64Array;
  /** Posterior covariances in the type's shape. */
  covariances(inputs: WishartInputs): tf.Tensor;
  /** Whether one Wishart is shared by the components (its normaliser then counts K times). */
  shared: boolean;
  /** scikit-learn's default prior from the data's covariance matrix (ddof 1). */
  defaultPrior(covariance: number[][]): NestedNumbers;
  /** Checks a user-given prior of the right shape (reads it back). */
  checkPrior(fn: string, prior: tf.Tensor): void;
}

const col = (v: Float64Array, K: number, rank: number) =>
  tf.reshape(tf.tensor1d(Float32Array.from(v)), [K, ...new Array<number>(rank - 1).fill(1)]);

/** Symmetric, finite and positive definite (scikit-learn's `_check_precision_matrix`). */
function checkMatrixPrior(fn: string, prior: tf.Tensor): void {
  const tied = getCovarianceType('tied');
  tied.checkPrecisions(fn, 'covariancePrior', prior);
  tf.dispose(tied.precisionCholeskyFromPrecision(prior, {validate: true, caller: fn, argName: 'covariancePrior'}));
}

/** Finite and positive (scikit-learn's `_check_precision_positivity`). */
function checkPositivePrior(fn: string, prior: tf.Tensor): void {
  const values = prior.dataSync();
  values.forEach((v, i) => {
    if (!(v > 0) || !Number.isFinite(v))
      fail(fn, `covariancePrior must be positive and finite, but entry ${i} is ${v}`);
  });
}

/** sum_k n_k beta0 / beta_k (x_k - m0)(x_k - m0)^T-style weights: n_k beta0 / beta_k, [K]. */
function shrinkage(inputs: WishartInputs): Float64Array {
  return inputs.nk.map((n, k) => (n * inputs.meanPrecisionPrior) / inputs.meanPrecision[k]);
}

const PER_COMPONENT_DOF = (nk: Float64Array, dof0: number) => nk.map((n) => dof0 + n);

export const BAYESIAN_COVARIANCE: Record<BayesianCovarianceType, BayesianCovariance> = {
  full: {
    priorShape: (D) => [D, D],
    degreesOfFreedom: PER_COMPONENT_DOF,
    shared: false,
    covariances(inputs) {
      const [K, D] = inputs.xk.shape;
      const diff = tf.sub(inputs.xk, inputs.meanPrior);
      const outer = tf.mul(tf.reshape(diff, [K, D, 1]), tf.reshape(diff, [K, 1, D]));
      const scale = tf.add(
        tf.add(inputs.covariancePrior, tf.mul(col(inputs.nk, K, 3), inputs.sk)),
        tf.mul(col(shrinkage(inputs), K, 3), outer),
      );
      return tf.div(scale, col(inputs.degreesOfFreedom, K, 3));
    },
    defaultPrior: (covariance) => covariance,
    checkPrior: checkMatrixPrior,
  },
  tied: {
    priorShape: (D) => [D, D],
    degreesOfFreedom(nk, dof0) {
      const total = nk.reduce((s, n) => s + n, 0);
      return nk.map(() => dof0 + total / nk.length);
    },
    shared: true,
    covariances(inputs) {
      const K = inputs.xk.shape[0];
      const total = inputs.nk.reduce((s, n) => s + n, 0);
      const diff = tf.sub(inputs.xk, inputs.meanPrior);
      const between = tf.matMul(tf.mul(diff, col(shrinkage(inputs), K, 2)), diff, true, false);
      const scale = tf.add(tf.add(inputs.covariancePrior, tf.mul(inputs.sk, total / K)), tf.div(between, K));
      return tf.div(scale, inputs.degreesOfFreedom[0]);
    },
    defaultPrior: (covariance) => covariance,
    checkPrior: checkMatrixPrior,
  },
  diag: {
    priorShape: (D) => [D],
    degreesOfFreedom: PER_COMPONENT_DOF,
    shared: false,
    covariances(inputs) {
      const K = inputs.xk.shape[0];
      const ratio = inputs.meanPrecision.map((b) => inputs.meanPrecisionPrior / b);
      const spread = tf.add(inputs.sk, tf.mul(col(ratio, K, 2), tf.square(tf.sub(inputs.xk, inputs.meanPrior))));
      const scale = tf.add(inputs.covariancePrior, tf.mul(col(inputs.nk, K, 2), spread));
      return tf.div(scale, col(inputs.degreesOfFreedom, K, 2));
    },
    defaultPrior: (covariance) => covariance.map((row, j) => row[j]),
    checkPrior: checkPositivePrior,
  },
  spherical: {
    priorShape: () => [],
    degreesOfFreedom: PER_COMPONENT_DOF,
    shared: false,
    covariances(inputs) {
      const K = inputs.xk.shape[0];
      const ratio = inputs.meanPrecision.map((b) => inputs.meanPrecisionPrior / b);
      const spread = tf.add(
        inputs.sk,
        tf.mul(col(ratio, K, 1), tf.mean(tf.square(tf.sub(inputs.xk, inputs.meanPrior)), 1)),
      );
      const scale = tf.add(inputs.covariancePrior, tf.mul(col(inputs.nk, K, 1), spread));
      return tf.div(scale, col(inputs.degreesOfFreedom, K, 1));
    },
    defaultPrior: (covariance) => covariance.reduce((s, row, j) => s + row[j], 0) / covariance.length,
    checkPrior: checkPositivePrior,
  },
};

export const BAYESIAN_COVARIANCE_TYPES = Object.keys(BAYESIAN_COVARIANCE) as BayesianCovarianceType[];

/** Checks the shape of a user-given covariance prior, then its values. */
export function checkCovariancePrior(fn: string, type: BayesianCovarianceType, prior: tf.Tensor, D: number): void {
  const expected = BAYESIAN_COVARIANCE[type].priorShape(D);
  if (!shapeMatches(prior.shape, expected))
    fail(
      fn,
      `covariancePrior must have shape ${formatShape(expected)} for covarianceType '${type}' (D = ${D}), but got ${formatShape(prior.shape)}`,
    );
  BAYESIAN_COVARIANCE[type].checkPrior(fn, prior);
}
