import * as tf from '@tensorflow/tfjs-core';

import {CovarianceTypeName} from './covariance/covariance_type';
import {getCovarianceType} from './covariance/registry';
import {drawFromMixtures} from './internal/mixture_sample';
import {
  TensorInput,
  assertInteger,
  assertKnownKeys,
  assertNumber,
  fail,
  formatShape,
  optionKeys,
  shapeMatches,
  toFloatTensor,
} from './util/args';

/** Options of {@link gmmSample}. */
export interface GmmSampleOptions {
  /** Seed of the random draws: the same seed and inputs give the same samples on every backend. */
  seed?: number;
  /**
   * Read the covariances back and throw a descriptive error when one is not positive definite
   * (default false: such covariances give NaN samples, and nothing synchronises with the backend).
   */
  checkPositiveDefinite?: boolean;
}

const GMM_SAMPLE_OPTION_KEYS = optionKeys<GmmSampleOptions>({seed: true, checkPositiveDefinite: true});

/** Samples and the component each was drawn from. */
export interface GmmSamples {
  /** [n, D] for a shared mixture, [N, n, D] for one mixture per row. */
  samples: tf.Tensor;
  /** int32 component labels, [n] or [N, n]. */
  labels: tf.Tensor;
}

/** Leading N of a parameter that has one more axis than its shared shape, null when shared; else throws. */
function perSampleLead(fn: string, argName: string, shape: number[], shared: number[], names: readonly string[]) {
  if (shapeMatches(shape, shared)) return null;
  if (shape.length === shared.length + 1 && shapeMatches(shape.slice(1), shared)) return shape[0];
  const sharedText = formatShape(shared);
  return fail(
    fn,
    `${argName} must have shape ${sharedText} (${names.join(', ')}) or [N, ${sharedText.slice(1)} (N, ${names.join(', ')}: one mixture per row), but got ${formatShape(shape)}`,
  );
}

/**
 * Draws `n` samples from a Gaussian mixture given by its parameters: a component with
 * probability pi_k, then x = mu_k + z P_k^-1 with z standard normal and P_k the Cholesky factor
 * of the precision (so that Cov x = Sigma_k).
 *
 * Shapes as {@link gmmLogProb}: weights [K] (probabilities, normalised here), means [K, D],
 * covariances in the type's shape (`full` [K, D, D], `tied` [D, D], `diag` [K, D], `spherical`
 * [K]). Any of them may carry a leading N (one mixture per row, as mixture-density heads
 * produce); then `n` samples are drawn from every row's mixture.
 *
 * @param n draws per mixture, an integer >= 0.
 * @returns `{samples, labels}` owned by the caller: [n, D] and int32 [n] for a shared mixture;
 *   [N, n, D] and [N, n] per row. Samples are in the order drawn.
 *
 * @example
 * const {samples, labels} = gmmSample([0.3, 0.7], [[0, 0], [4, 4]], [1, 0.5], 'spherical', 1000, {seed: 1});
 */
export function gmmSample(
  weights: TensorInput,
  means: TensorInput,
  covariances: TensorInput,
  covarianceType: CovarianceTypeName,
  n: number,
  options: GmmSampleOptions = {},
): GmmSamples {
  const fn = 'gmmSample';
  if (!options || typeof options !== 'object')
    fail(fn, `options must be an object {seed?, checkPositiveDefinite?}, but got ${JSON.stringify(options)}`);
  assertKnownKeys(fn, 'options', options, GMM_SAMPLE_OPTION_KEYS);
  const type = getCovarianceType(covarianceType, fn);
  assertInteger(fn, 'n', n, 0);
  if (options.seed !== undefined) assertNumber(fn, 'seed', options.seed);
  return tf.tidy(() => {
    const w = toFloatTensor(weights, 'weights', fn);
    if (w.rank !== 1 && w.rank !== 2)
      fail(fn, `weights must have shape [K] or [N, K] (one mixture per row), but got ${formatShape(w.shape)}`);
    const K = w.shape[w.rank - 1];
    if (K < 1) fail(fn, `weights must have at least one component (K >= 1), but got shape ${formatShape(w.shape)}`);
    const m = toFloatTensor(means, 'means', fn);
    if (m.rank !== 2 && m.rank !== 3)
      fail(fn, `means must have shape [K, D] or [N, K, D] (one mixture per row), but got ${formatShape(m.shape)}`);
    const D = m.shape[m.rank - 1];
    if (D < 1) fail(fn, `means must have at least one feature (D >= 1), but got shape ${formatShape(m.shape)}`);
    const c = toFloatTensor(covariances, 'covariances', fn);
    const leads: Array<[string, number | null]> = [
      ['weights', perSampleLead(fn, 'weights', w.shape, [K], ['K'])],
      ['means', perSampleLead(fn, 'means', m.shape, [K, D], ['K', 'D'])],
      ['covariances', perSampleLead(fn, 'covariances', c.shape, type.parameterShape(K, D), type.symbolicShape)],
    ];
    const perRow = leads.filter(([, lead]) => lead !== null) as Array<[string, number]>;
    const mismatch = perRow.find(([, lead]) => lead !== perRow[0][1]);
    if (mismatch)
      fail(
        fn,
        `${perRow[0][0]} and ${mismatch[0]} must have the same number of mixtures N, but got ${perRow[0][1]} and ${mismatch[1]}`,
      );
    const N = perRow.length > 0 ? perRow[0][1] : null;
    const factors = type.precisionCholeskyFromCovariance(c, {
      validate: options.checkPositiveDefinite ?? false,
      caller: fn,
    });
    return drawFromMixtures({logWeights: tf.log(w), means: m, factors, type, K, D, N, n, seed: options.seed});
  });
}
