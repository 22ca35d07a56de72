/**
 * k-means and k-means++ seeding as public functions (scikit-learn's `KMeans` and
 * `kmeans_plusplus`), on the same prepared data as EM.
 */
import * as tf from '@tensorflow/tfjs-core';

import {TensorInput, assertInteger, assertKnownKeys, assertNumber, fail, optionKeys} from '../../../ops/util/args';
import {DataTransform, EmData, prepareData} from '../data';
import {SeededRandom} from '../../util/random';
import {kmeansOnData, kmeansPlusPlusIndices} from './clustering';

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
   * Stop when the total squared shift of the centers is below tol times the mean variance of
   * the features (default 1e-4, scikit-learn's); iterations also stop when no label changes.
   */
  tol?: number;
}

/** Result of {@link kmeans}; tensors are owned by the caller. */
/** The keys of {@link InitOptions}, as the record {@link optionKeys} takes (extended by the other initialisers). */
export const INIT_OPTION_KEY_RECORD = {seed: true, sampleWeights: true, batchSize: true} as const;

const INIT_OPTION_KEYS = optionKeys<InitOptions>(INIT_OPTION_KEY_RECORD);
const KMEANS_OPTION_KEYS = optionKeys<KMeansOptions>({...INIT_OPTION_KEY_RECORD, maxIter: true, tol: true});

export interface KMeansResult {
  /** Cluster centers [K, D]. */
  centers: tf.Tensor2D;
  /** Cluster of every row, int32 [N]. */
  labels: tf.Tensor1D;
  /** Weighted sum of squared distances to the assigned centers. */
  inertia: number;
  /** Number of assignment passes. */
  nIter: number;
  /** Whether the assignments stopped changing (or the centers moving) within maxIter passes. */
  converged: boolean;
}

/** Validates the common arguments, prepares the data and runs `body` on it. */
export function withInitData<T>(
  fn: string,
  x: TensorInput,
  nClusters: number,
  options: InitOptions,
  body: (data: EmData, rng: SeededRandom) => T,
): T {
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
  return tf.tensor2d(rows.map((r) => r.map((v, j) => transform.center[j] + transform.scale * v)));
}

/**
 * k-means++ seeding (scikit-learn's greedy variant, 2 + ln K candidates per step).
 *
 * @returns the centers [K, D] (owned by the caller) and their row indices in x.
 */
export function kmeansPlusPlus(
  x: TensorInput,
  nClusters: number,
  options: InitOptions = {},
): {centers: tf.Tensor2D; indices: number[]} {
  assertKnownKeys('kmeansPlusPlus', 'options', options, INIT_OPTION_KEYS);
  return withInitData('kmeansPlusPlus', x, nClusters, options, (data, rng) => {
    const indices = kmeansPlusPlusIndices(data, nClusters, rng);
    return {
      centers: unscale(
        data.transform,
        indices.map((n) => data.row(n)),
      ),
      indices,
    };
  });
}

/**
 * k-means, as scikit-learn's `KMeans(n_init=1)` with `init='k-means++'`: greedy k-means++
 * seeding, then Lloyd iterations until the assignments stop changing or the centers move less
 * than `tol`.
 */
export function kmeans(x: TensorInput, nClusters: number, options: KMeansOptions = {}): KMeansResult {
  assertKnownKeys('kmeans', 'options', options, KMEANS_OPTION_KEYS);
  const maxIter = options.maxIter ?? 300;
  assertInteger('kmeans', 'maxIter', maxIter, 1);
  const tol = options.tol ?? 1e-4;
  assertNumber('kmeans', 'tol', tol, {min: 0});
  return withInitData('kmeans', x, nClusters, options, (data, rng) => {
    // The scaled space has mean feature variance 1 (unweighted data), so tol applies as is.
    const result = kmeansOnData(data, nClusters, rng, maxIter, tol);
    return {
      centers: unscale(data.transform, result.centers),
      labels: tf.tensor1d(result.labels, 'int32'),
      inertia: result.inertia * data.transform.scale * data.transform.scale,
      nIter: result.nIter,
      converged: result.converged,
    };
  });
}
