import * as tf from '@tensorflow/tfjs-core';

import {CovarianceType, CovarianceTypeName} from './covariance/covariance_type';
import {getCovarianceType} from './covariance/registry';
import {cholesky} from './linalg/cholesky';
import {diagPart, transposeLast2} from './linalg/matrix_utils';
import {triangularSolve} from './linalg/triangular_solve';
import {TensorInput, assertKnownKeys, assertShape, fail, formatShape, optionKeys, toFloatTensor} from './util/args';

const LOG_2PI = Math.log(2 * Math.PI);

/** Options of {@link gmmCondition}. */
export interface GmmConditionOptions {
  /**
   * Read the covariances back and throw a descriptive error when one is not positive definite
   * (default false: such covariances give NaN, and nothing synchronises with the backend).
   */
  checkPositiveDefinite?: boolean;
}

const GMM_CONDITION_OPTION_KEYS = optionKeys<GmmConditionOptions>({checkPositiveDefinite: true});

/**
 * The mixtures of the remaining features given observed ones, one per row of `values`:
 * gmmLogProb's per-sample shapes (R remaining features).
 */
export type ConditionalMixtures = {
  /** Posterior weights [N, K]: pi_k N(x_g | mu_g, Sigma_gg), normalised per row. */
  weights: tf.Tensor2D;
  /** Conditional means [N, K, R]. */
  means: tf.Tensor3D;
  /** Conditional covariances in the joint's covariance type, per row: [N, K, R, R], [N, R, R], [N, K, R] or [N, K]. */
  covariances: tf.Tensor;
  /** The remaining features, ascending: column r of the conditional means is feature `remainingFeatures[r]`. */
  remainingFeatures: number[];
};

/** Validates `givenFeatures` against D features and returns the remaining ones, ascending. */
export function remainingFeaturesOf(fn: string, givenFeatures: unknown, D: number): number[] {
  if (!Array.isArray(givenFeatures))
    fail(fn, `givenFeatures must be an array of feature indices, but got ${JSON.stringify(givenFeatures)}`);
  if (givenFeatures.length === 0)
    fail(fn, 'givenFeatures must name at least one feature, but got [] (without observations, use the mixture itself)');
  const seen = new Set<number>();
  givenFeatures.forEach((f, i) => {
    if (typeof f !== 'number' || !Number.isInteger(f) || f < 0 || f >= D)
      fail(
        fn,
        `givenFeatures[${i}] must be an integer in [0, ${D - 1}] (D = ${D} features), but got ${JSON.stringify(f)}`,
      );
    if (seen.has(f)) fail(fn, `givenFeatures must not repeat a feature, but ${f} appears twice`);
    seen.add(f);
  });
  if (seen.size === D)
    fail(fn, `givenFeatures must leave at least one of the ${D} features to predict, but names all of them`);
  return Array.from({length: D}, (_, d) => d).filter((d) => !seen.has(d));
}

/** The 0/1 matrix [D, C] whose column c selects feature `features[c]`. */
function selection(features: readonly number[], D: number): tf.Tensor2D {
  const values = new Float32Array(D * features.length);
  features.forEach((f, c) => (values[f * features.length + c] = 1));
  return tf.tensor2d(values, [D, features.length]);
}

/**
 * Conditioning on validated arguments (inside a tidy). The covariances are permuted to the order
 * (given, remaining) and factored once, Sigma = L L^T with L = [[L_gg, 0], [L_rg, L_rr]]: then
 * Sigma_gg = L_gg L_gg^T, the conditional mean is mu_r + L_rg L_gg^-1 (x_g - mu_g), and the Schur
 * complement Sigma_rr - Sigma_rg Sigma_gg^-1 Sigma_gr is L_rr L_rr^T, positive definite by
 * construction (no subtraction of nearly equal matrices in float32). The weights are
 * softmax_k(log pi_k + log N(x_g | mu_g, Sigma_gg)), in log space.
 */
export function conditionMixture(
  fn: string,
  weights: tf.Tensor,
  means: tf.Tensor,
  covariances: tf.Tensor,
  type: CovarianceType,
  givenFeatures: readonly number[],
  remaining: readonly number[],
  values: tf.Tensor2D,
  validate: boolean,
): Omit<ConditionalMixtures, 'remainingFeatures'> {
  const [K, D] = means.shape;
  const G = givenFeatures.length;
  const R = remaining.length;
  const N = values.shape[0];
  const order = selection([...givenFeatures, ...remaining], D);
  const dense = type.toDense(covariances, K, D);
  const orderK = tf.broadcastTo(order, [K, D, D]);
  const permuted = tf.matMul(tf.matMul(transposeLast2(orderK), dense), orderK);
  const L = cholesky(permuted, {validate, caller: fn, argName: 'covariances'});
  const Lgg = tf.slice(L, [0, 0, 0], [K, G, G]);
  const Lrg = tf.slice(L, [0, G, 0], [K, R, G]);
  const Lrr = tf.slice(L, [0, G, G], [K, R, R]);

  const meansGiven = tf.matMul(means as tf.Tensor2D, selection(givenFeatures, D));
  const meansRemaining = tf.matMul(means as tf.Tensor2D, selection(remaining, D));
  // Differences first (float32), then whitened: w = L_gg^-1 (x_g - mu_g), [K, G, N].
  const differences = tf.transpose(tf.sub(tf.expandDims(values, 1), meansGiven), [1, 2, 0]);
  const whitened = triangularSolve(Lgg, differences, {lower: true});
  const squaredNorms = tf.transpose(tf.sum(tf.square(whitened), 1)); // [N, K]
  const halfLogDet = tf.sum(tf.log(diagPart(Lgg)), -1); // [K]
  const logMarginal = tf.sub(tf.sub(tf.log(weights), tf.mul(squaredNorms, 0.5)), tf.add(halfLogDet, (G / 2) * LOG_2PI));
  const shift = tf.matMul(Lrg, whitened); // [K, R, N]
  const conditionalMeans = tf.add(meansRemaining, tf.transpose(shift, [2, 0, 1]));
  const conditionalCovariances = type.fromDense(tf.matMul(Lrr, transposeLast2(Lrr)));
  return {
    weights: tf.softmax(logMarginal, -1) as tf.Tensor2D,
    means: conditionalMeans as tf.Tensor3D,
    covariances: tf.broadcastTo(conditionalCovariances, type.shapeWithLead([N], K, R)),
  };
}

/**
 * Conditions a Gaussian mixture on observed features: for every row of `values` (the values of
 * `givenFeatures`, in that order), the mixture of the remaining features. Component k's weight
 * becomes pi_k N(x_g | mu_g, Sigma_gg) normalised (in log space), its mean
 * mu_r + Sigma_rg Sigma_gg^-1 (x_g - mu_g), its covariance the Schur complement
 * Sigma_rr - Sigma_rg Sigma_gg^-1 Sigma_gr (computed through one Cholesky factor; see the
 * source). The covariance type is kept: diag and spherical have no coupling (means and variances
 * of the remaining features unchanged), tied stays one matrix shared by the components.
 *
 * The result is in gmmLogProb's per-sample shapes: score the remaining features of row n with
 * `gmmLogProb(xRemaining, weights, means, covariances, covarianceType)`, or sample them with
 * `gmmSample`.
 *
 * @param weights [K], means [K, D], covariances in the type's shape (as gmmLogProb).
 * @param givenFeatures indices of the observed features: distinct, in [0, D), not all of them.
 * @param values observed values [N, |givenFeatures|], column j for feature givenFeatures[j].
 */
export function gmmCondition(
  weights: TensorInput,
  means: TensorInput,
  covariances: TensorInput,
  covarianceType: CovarianceTypeName,
  givenFeatures: number[],
  values: TensorInput,
  options: GmmConditionOptions = {},
): ConditionalMixtures {
  const fn = 'gmmCondition';
  if (!options || typeof options !== 'object')
    fail(fn, `options must be an object {checkPositiveDefinite?}, but got ${JSON.stringify(options)}`);
  assertKnownKeys(fn, 'options', options, GMM_CONDITION_OPTION_KEYS);
  const type = getCovarianceType(covarianceType, fn);
  let remainingFeatures: number[] = [];
  const result = tf.tidy(() => {
    const w = toFloatTensor(weights, 'weights', fn);
    if (w.rank !== 1) fail(fn, `weights must have shape [K], but got ${formatShape(w.shape)}`);
    const K = w.shape[0];
    const m = toFloatTensor(means, 'means', fn);
    assertShape(fn, 'means', m.shape, [[K, null]], [['K', 'D']]);
    const D = m.shape[1]!;
    const c = toFloatTensor(covariances, 'covariances', fn);
    assertShape(fn, 'covariances', c.shape, [type.parameterShape(K, D)], [type.symbolicShape]);
    remainingFeatures = remainingFeaturesOf(fn, givenFeatures, D);
    const v = toFloatTensor(values, 'values', fn);
    assertShape(fn, 'values', v.shape, [[null, givenFeatures.length]], [['N', '|givenFeatures|']]);
    const validate = options.checkPositiveDefinite ?? false;
    return conditionMixture(fn, w, m, c, type, givenFeatures, remainingFeatures, v as tf.Tensor2D, validate);
  });
  return {...result, remainingFeatures};
}
