/**
 * The options of `GaussianMixture` (scikit-learn's constructor arguments in camelCase), their
 * defaults and their validation.
 */
import * as tf from '@tensorflow/tfjs-core';

import {CovarianceTypeName} from '../../ops/covariance/covariance_type';
import {getCovarianceType} from '../../ops/covariance/registry';
import {
  TensorInput,
  assertInteger,
  assertKnownKeys,
  assertNumber,
  assertOneOf,
  assertProbabilities,
  fail,
  formatShape,
  optionKeys,
  shapeMatches,
  toFloatTensor,
} from '../../ops/util/args';
import {assertEmCovarianceType} from './covariance/registry';
import {IterationInfo} from './engine/loop';
import {INIT_PARAMS, InitParams} from './init/methods';

/** Nested arrays of numbers. */
export type NestedNumbers = number | NestedNumbers[];

/** Options of {@link GaussianMixture}, scikit-learn's constructor arguments in camelCase. */
export interface GaussianMixtureOptions {
  /** Number of components K (default 1). */
  nComponents?: number;
  /**
   * 'full' (default), 'tied', 'diag', 'spherical', 'shared_isotropic' (one variance for all
   * components) or 'constant' (the fixed {@link variance}: EM fits the weights and means only).
   */
  covarianceType?: CovarianceTypeName;
  /**
   * The fixed variance of covarianceType 'constant' (data units; required there, a positive
   * finite number, and refused for every other type). regCovar is not added to it.
   */
  variance?: number;
  /** Convergence threshold on the change of the lower bound (default 1e-3). */
  tol?: number;
  /** Added to the diagonal of every covariance (default 1e-6). */
  regCovar?: number;
  /** EM iterations per initialisation (default 100). */
  maxIter?: number;
  /** Initialisations; the one with the best lower bound is kept (default 1). */
  nInit?: number;
  /** 'kmeans' (default), 'k-means++', 'random' or 'random_from_data'. */
  initParams?: InitParams;
  /** Initial weights [K] (probabilities). */
  weightsInit?: TensorInput | null;
  /** Initial means [K, D]. */
  meansInit?: TensorInput | null;
  /**
   * Initial precisions (inverse covariances, as scikit-learn's `precisions_init`): full [K, D, D],
   * tied [D, D], diag [K, D], spherical [K].
   */
  precisionsInit?: TensorInput | null;
  /** Continue from the current fit on the next call of fit (default false). */
  warmStart?: boolean;
  /** Seed of every random choice (default 0: fits are reproducible). */
  seed?: number;
  /**
   * Rows per chunk of the E- and M-step and of the scoring methods; bounds memory, not the
   * result. Default (null): as many rows as keep a chunk's [rows, width] working set under
   * 64 MiB, at most 131072.
   */
  batchSize?: number | null;
  /**
   * Workers for the EM passes of in-memory data and the scoring methods: a number >= 1 (1:
   * in-thread, the default), or 'auto': one per core when N * D * K >= 2^22 (about 4 million,
   * e.g. 16,384 rows at D = 16, K = 16) and the machine has more than one core, else in-thread.
   * In Node they are worker threads and serve `fit`, `fitAsync` and the scoring methods. In
   * browsers they are Web Workers (see `createWorker`) and serve `fitAsync` only (a browser thread
   * cannot wait for workers synchronously: `fit` with workers > 1 throws, 'auto' runs in-thread,
   * as the scoring methods do); 'auto' uses them only when `createWorker` is given.
   * Machine-specific, so not part of toJSON. See README "Big data".
   */
  workers?: number | 'auto';
  /**
   * Browsers: starts one Web Worker running the package's worker script
   * (dist/tfjs-gmm.worker.esm.js, `tfjs-gmm/worker`), e.g.
   * `() => new Worker(new URL('tfjs-gmm/worker', import.meta.url), {type: 'module'})` for
   * bundlers. Default in the ES module bundle: that script from next to dist/tfjs-gmm.esm.js.
   * Ignored in Node (worker threads run there). Not part of toJSON. See README "Big data".
   */
  createWorker?: () => Worker;
  /** Called after every EM iteration with the iteration, lower bound and its change. */
  onIteration?: (info: IterationInfo) => void;
  /** Receives warnings (non-convergence); default console.warn. */
  onWarning?: (message: string) => void;
}

/** The keys of {@link GaussianMixtureOptions}. */
export const GAUSSIAN_MIXTURE_OPTION_KEYS = optionKeys<GaussianMixtureOptions>({
  nComponents: true,
  covarianceType: true,
  variance: true,
  tol: true,
  regCovar: true,
  maxIter: true,
  nInit: true,
  initParams: true,
  weightsInit: true,
  meansInit: true,
  precisionsInit: true,
  warmStart: true,
  seed: true,
  batchSize: true,
  workers: true,
  createWorker: true,
  onIteration: true,
  onWarning: true,
});

/** Options of {@link GaussianMixture.fit}. */
export interface FitOptions {
  /** Non-negative weight per sample [N]: EM maximises the weighted log-likelihood. */
  sampleWeight?: TensorInput;
}

/** The keys of {@link FitOptions}. */
export const FIT_OPTION_KEYS = optionKeys<FitOptions>({sampleWeight: true});

/** Default of {@link FitAsyncOptions.initSampleSize}. */
export const DEFAULT_INIT_SAMPLE_SIZE = 100_000;

/** Options of {@link GaussianMixture.fitAsync}. */
export interface FitAsyncOptions extends FitOptions {
  /**
   * Stops the fit: `fitAsync` then rejects with the signal's reason (an `AbortError` by
   * default), releases every tensor, and leaves the model at its last complete iteration (or as
   * it was before the call when no iteration completed).
   */
  signal?: AbortSignal;
  /**
   * Streams only: rows of the seeded reservoir sample the initialisation (`initParams`) runs on
   * (default 100,000; at least nComponents). With N <= initSampleSize the sample is the whole
   * stream, and the start is the one `fit` computes on the concatenated data.
   */
  initSampleSize?: number;
}

/** The keys of {@link FitAsyncOptions}. */
export const FIT_ASYNC_OPTION_KEYS = optionKeys<FitAsyncOptions>({
  sampleWeight: true,
  signal: true,
  initSampleSize: true,
});

/** Options of `sample` (of {@link GaussianMixture}). */
export interface SampleOptions {
  /** Seed of the draws (default: the estimator's seed). */
  seed?: number;
}

/** The keys of {@link SampleOptions}. */
export const SAMPLE_OPTION_KEYS = optionKeys<SampleOptions>({seed: true});

/** The serialisable options with their defaults filled in (array options as nested numbers). */
export interface ResolvedGaussianMixtureOptions {
  nComponents: number;
  covarianceType: CovarianceTypeName;
  /** The fixed variance of 'constant', null for every other type. */
  variance: number | null;
  tol: number;
  regCovar: number;
  maxIter: number;
  nInit: number;
  initParams: InitParams;
  weightsInit: NestedNumbers | null;
  meansInit: NestedNumbers | null;
  precisionsInit: NestedNumbers | null;
  warmStart: boolean;
  seed: number;
  batchSize: number | null;
}

/** The callbacks of {@link GaussianMixtureOptions}, defaults filled in. */
export interface GaussianMixtureCallbacks {
  workers: number | 'auto';
  createWorker: (() => Worker) | null;
  onIteration?: (info: IterationInfo) => void;
  onWarning: (message: string) => void;
}

/** A deep copy of an optional array-valued option as nested numbers. */
function readArrayOption(fn: string, value: TensorInput | null | undefined, name: string): NestedNumbers | null {
  if (value === undefined || value === null) return null;
  const t = toFloatTensor(value, name, fn);
  const copy = t.arraySync() as NestedNumbers;
  if (t !== value) t.dispose();
  return copy;
}

/** The `variance` option: required (positive, finite) for 'constant', refused for the other types. */
function readVariance(
  fn: string,
  covarianceType: CovarianceTypeName,
  variance: unknown,
  precisionsInit: unknown,
): number | null {
  if (covarianceType !== 'constant') {
    if (variance !== undefined && variance !== null)
      fail(
        fn,
        `variance is the fixed variance of covarianceType 'constant' only; covarianceType '${covarianceType}' estimates its covariances, but got variance ${JSON.stringify(variance)}`,
      );
    assertEmCovarianceType(fn, covarianceType);
    return null;
  }
  if (variance === undefined || variance === null)
    fail(fn, `covarianceType 'constant' needs the fixed variance: options.variance must be a positive finite number`);
  if (typeof variance !== 'number' || !Number.isFinite(variance) || !(variance > 0))
    fail(fn, `variance must be a positive finite number, but got ${String(variance)}`);
  if (precisionsInit !== undefined && precisionsInit !== null)
    fail(
      fn,
      `precisionsInit cannot be given with covarianceType 'constant': its variance is the fixed options.variance`,
    );
  return variance;
}

/** The options both mixture estimators share (GaussianMixture's and BayesianGaussianMixture's). */
export interface EstimatorOptions {
  tol?: number;
  regCovar?: number;
  maxIter?: number;
  nInit?: number;
  initParams?: InitParams;
  warmStart?: boolean;
  seed?: number;
  batchSize?: number | null;
  onIteration?: unknown;
  onWarning?: unknown;
}

/** Validates the options both estimators share and fills in scikit-learn's defaults (seed 0). */
export function resolveEstimatorOptions(fn: string, options: EstimatorOptions) {
  const tol = options.tol ?? 1e-3;
  assertNumber(fn, 'tol', tol, {min: 0});
  const regCovar = options.regCovar ?? 1e-6;
  assertNumber(fn, 'regCovar', regCovar, {min: 0});
  const maxIter = options.maxIter ?? 100;
  assertInteger(fn, 'maxIter', maxIter, 0);
  const nInit = options.nInit ?? 1;
  assertInteger(fn, 'nInit', nInit, 1);
  const initParams = options.initParams ?? 'kmeans';
  assertOneOf(fn, 'initParams', initParams, INIT_PARAMS);
  const warmStart = options.warmStart ?? false;
  if (typeof warmStart !== 'boolean') fail(fn, `warmStart must be a boolean, but got ${JSON.stringify(warmStart)}`);
  const seed = options.seed ?? 0;
  assertNumber(fn, 'seed', seed);
  if (!Number.isInteger(seed)) fail(fn, `seed must be an integer, but got ${seed}`);
  const batchSize = options.batchSize ?? null;
  if (batchSize !== null) assertInteger(fn, 'batchSize', batchSize, 1);
  for (const name of ['onIteration', 'onWarning'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function')
      fail(fn, `${name} must be a function, but got ${typeof options[name]}`);
  }
  return {tol, regCovar, maxIter, nInit, initParams, warmStart, seed, batchSize};
}

/** Validates the options and fills in the defaults. */
export function resolveOptions(
  fn: string,
  options: GaussianMixtureOptions,
): ResolvedGaussianMixtureOptions & GaussianMixtureCallbacks {
  if (options === null || typeof options !== 'object')
    fail(fn, `options must be an object, but got ${String(options)}`);
  assertKnownKeys(fn, 'options', options, GAUSSIAN_MIXTURE_OPTION_KEYS);
  const nComponents = options.nComponents ?? 1;
  assertInteger(fn, 'nComponents', nComponents, 1);
  const covarianceType = getCovarianceType(options.covarianceType ?? 'full', fn).name;
  const variance = readVariance(fn, covarianceType, options.variance, options.precisionsInit);
  const {tol, regCovar, maxIter, nInit, initParams, warmStart, seed, batchSize} = resolveEstimatorOptions(fn, options);
  const workers = options.workers ?? 1;
  if (workers !== 'auto' && !(typeof workers === 'number' && Number.isInteger(workers) && workers >= 1))
    fail(fn, `workers must be an integer >= 1 or 'auto', but got ${JSON.stringify(workers)}`);
  const createWorker = options.createWorker ?? null;
  if (createWorker !== null && typeof createWorker !== 'function')
    fail(fn, `createWorker must be a function returning a Worker, but got ${typeof createWorker}`);
  const weightsInit = readArrayOption(fn, options.weightsInit, 'weightsInit');
  if (weightsInit !== null) {
    const shape = tf.tidy(() => tf.tensor(weightsInit as number[]).shape);
    if (!shapeMatches(shape, [nComponents]))
      fail(fn, `weightsInit must have shape [${nComponents}] (nComponents), but got ${formatShape(shape)}`);
    assertProbabilities(fn, 'weightsInit', weightsInit as number[]);
  }
  return {
    nComponents,
    covarianceType,
    variance,
    tol,
    regCovar,
    maxIter,
    nInit,
    initParams,
    weightsInit,
    meansInit: readArrayOption(fn, options.meansInit, 'meansInit'),
    precisionsInit: readArrayOption(fn, options.precisionsInit, 'precisionsInit'),
    warmStart,
    seed,
    batchSize,
    workers,
    createWorker,
    onIteration: options.onIteration,
    onWarning: options.onWarning ?? ((message: string) => console.warn(message)),
  };
}
