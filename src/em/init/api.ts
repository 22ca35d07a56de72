/**
 * Public entry points of the initialisers: k-means, k-means++ seeding, and a full
 * initialisation of a Gaussian mixture (scikit-learn's `_initialize_parameters`).
 */
import * as tf from '@tensorflow/tfjs-core';

import {CovarianceTypeName} from '../../../ops/covariance/covariance_type';
import {getCovarianceType} from '../../../ops/covariance/types';
import {TensorInput, assertInteger, assertNumber, assertOneOf, fail} from '../../../ops/util/args';
import {createEmCovariance} from '../covariance/registry';
import {DataTransform, EmData, prepareData} from '../data';
import {createContext} from '../engine';
import {GaussianMixtureParameters, disposeState, fromScaledState} from '../parameters';
import {SeededRandom} from '../../util/random';
import {INIT_PARAMS, InitParams, initialResponsibilities, stateFromResponsibilities} from './initialize';
import {kmeansOnData, kmeansPlusPlusIndices} from './kmeans';

/** Options shared by the initialisers. */
export interface InitOptions {
  /** Seed of the random choices (default 0). */
  seed?: number;
  /** Non-negative weight per sample [N]. */
  sampleWeights?: TensorInput;
  /** Rows per chunk (default 65536). */
  batchSize?: number;
}

/** Options of {@link kmeans}. */
export interface KMeansOptions extends InitOptions {
  /** Maximum number of Lloyd iterations (default 300). */
  maxIter?: number;
  /**
   * Stop when the total squared shift of the centres is below tol times the mean variance of
   * the features (default 1e-4, scikit-learn's); iterations also stop when no label changes.
   */
  tol?: number;
}

/** Result of {@link kmeans}; tensors are owned by the caller. */
export interface KMeansResult {
  /** Cluster centres [K, D]. */
  centers: tf.Tensor2D;
  /** Cluster of every row, int32 [N]. */
  labels: tf.Tensor1D;
  /** Weighted sum of squared distances to the assigned centres. */
  inertia: number;
  /** Number of assignment passes. */
  nIter: number;
  /** Whether the assignments stopped changing (or the centres moving) within maxIter passes. */
  converged: boolean;
}

function withData<T>(fn: string, x: TensorInput, nClusters: number, options: InitOptions, body: (data: EmData, rng: SeededRandom) => T): T {
  assertInteger(fn, 'nClusters', nClusters, 1);
  const seed = options.seed ?? 0;
  assertNumber(fn, 'seed', seed);
  const batchSize = options.batchSize ?? 65536;
  assertInteger(fn, 'batchSize', batchSize, 1);
  const data = prepareData(fn, 'x', x, options.sampleWeights, batchSize);
  try {
    const eligible = data.sampleWeights ? data.sampleWeights.reduce((c, w) => c + (w > 0 ? 1 : 0), 0) : data.N;
    if (eligible < nClusters) {
      fail(fn, `x must have at least nClusters = ${nClusters} samples (with positive weight), but got ${eligible}`);
    }
    return body(data, new SeededRandom(seed));
  } finally {
    data.dispose();
  }
}

/** Rows of the scaled space back in the data space, as a tensor. */
function unscale(transform: DataTransform, rows: number[][]): tf.Tensor2D {
  return tf.tensor2d(rows.map((r) => r.map((v, j) => transform.centre[j] + transform.scale * v)));
}

/**
 * k-means++ seeding (scikit-learn's greedy variant, 2 + ln K candidates per step).
 *
 * @returns the centres [K, D] (owned by the caller) and their row indices in x.
 */
export function kmeansPlusPlus(x: TensorInput, nClusters: number, options: InitOptions = {}): {centers: tf.Tensor2D; indices: number[]} {
  return withData('kmeansPlusPlus', x, nClusters, options, (data, rng) => {
    const indices = kmeansPlusPlusIndices(data, nClusters, rng);
    return {centers: unscale(data.transform, indices.map((n) => data.row(n))), indices};
  });
}

/**
 * k-means, as scikit-learn's `KMeans(n_init=1)` with `init='k-means++'`: greedy k-means++
 * seeding, then Lloyd iterations until the assignments stop changing or the centres move less
 * than `tol`.
 */
export function kmeans(x: TensorInput, nClusters: number, options: KMeansOptions = {}): KMeansResult {
  const maxIter = options.maxIter ?? 300;
  assertInteger('kmeans', 'maxIter', maxIter, 1);
  const tol = options.tol ?? 1e-4;
  assertNumber('kmeans', 'tol', tol, {min: 0});
  return withData('kmeans', x, nClusters, options, (data, rng) => {
    // The scaled space has mean feature variance 1 (unweighted data), so tol applies as is.
    const result = kmeansOnData(data, nClusters, rng, maxIter, tol);
    return {
      centers: unscale(data.transform, result.centres),
      labels: tf.tensor1d(result.labels, 'int32'),
      inertia: result.inertia * data.transform.scale * data.transform.scale,
      nIter: result.nIter,
      converged: result.converged,
    };
  });
}

/** Options of {@link initializeGaussianMixture}. */
export interface InitializeOptions extends InitOptions {
  /** Covariance type (default 'full'). */
  covarianceType?: CovarianceTypeName;
  /** Initialisation method (default 'kmeans'). */
  initParams?: InitParams;
  /** Added to the diagonal of every covariance (default 1e-6). */
  regCovar?: number;
}

/**
 * Starting parameters of EM, as scikit-learn's `GaussianMixture` computes them before its first
 * iteration: responsibilities from the initialisation method (`kmeans` labels, `k-means++` seeds
 * with nearest-seed labels, `random` responsibilities, or `random_from_data` rows), then one
 * M-step.
 */
export function initializeGaussianMixture(x: TensorInput, nComponents: number, options: InitializeOptions = {}): GaussianMixtureParameters {
  const fn = 'initializeGaussianMixture';
  const type = getCovarianceType(options.covarianceType ?? 'full', fn).name;
  const initParams = options.initParams ?? 'kmeans';
  assertOneOf(fn, 'initParams', initParams, INIT_PARAMS);
  const regCovar = options.regCovar ?? 1e-6;
  assertNumber(fn, 'regCovar', regCovar, {min: 0});
  return withData(fn, x, nComponents, options, (data, rng) => {
    const em = createEmCovariance(type, nComponents, data.D, fn);
    try {
      const ctx = createContext(fn, data, em, regCovar);
      const state = stateFromResponsibilities(ctx, initialResponsibilities(initParams, data, nComponents, rng));
      const out = fromScaledState(type, data.transform, state);
      disposeState(state);
      return out;
    } finally {
      em.dispose();
    }
  });
}
