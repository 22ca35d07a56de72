/**
 * `GaussianMixture`: scikit-learn's estimator of the same name on tfjs backends.
 */
import * as tf from '@tensorflow/tfjs-core';

import {CovarianceTypeName} from '../../ops/covariance/covariance_type';
import {getCovarianceType} from '../../ops/covariance/types';
import {gmmLogProbPrecisionCholesky} from '../../ops/gmm_log_prob_precision_cholesky';
import {mixtureLogLikelihood} from '../../ops/mixture_log_likelihood';
import {mixtureResponsibilities} from '../../ops/mixture_responsibilities';
import {cholesky} from '../../ops/linalg/cholesky';
import {triangularInverse} from '../../ops/linalg/triangular_solve';
import {TensorInput, assertInteger, assertNumber, assertOneOf, fail, formatShape, shapeMatches, toFloatTensor} from '../../ops/util/args';
import {basisWidth, createEmCovariance} from './covariance/registry';
import {EmData, autoBatchSize, prepareData, readMatrix, readSampleWeights} from './data';
import {EmContext, IterationInfo, LoopResult, createContext, runEm} from './engine';
import {INIT_PARAMS, InitParams, initialResponsibilities, stateFromResponsibilities} from './init/initialize';
import {GaussianMixtureParameters, ScaledState, assertFiniteValues, assertProbabilities, disposeState, fromScaledState, toScaledState} from './parameters';
import {SeededRandom} from '../util/random';
import {SklearnGaussianMixtureJSON, parseSklearnJSON} from './sklearn_json';

/** Nested arrays of numbers. */
export type NestedNumbers = number | NestedNumbers[];

/** Options of {@link GaussianMixture}, scikit-learn's constructor arguments in camelCase. */
export interface GaussianMixtureOptions {
  /** Number of components K (default 1). */
  nComponents?: number;
  /** 'full' (default), 'tied', 'diag' or 'spherical'. */
  covarianceType?: CovarianceTypeName;
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
  /** Called after every EM iteration with the iteration, lower bound and its change. */
  onIteration?: (info: IterationInfo) => void;
  /** Receives warnings (non-convergence); default console.warn. */
  onWarning?: (message: string) => void;
}

/** Options of {@link GaussianMixture.fit}. */
export interface FitOptions {
  /** Non-negative weight per sample [N]: EM maximises the weighted log-likelihood. */
  sampleWeight?: TensorInput;
}

/** What a fit leaves behind. */
interface Fitted {
  params: GaussianMixtureParameters;
  nFeatures: number;
  converged: boolean;
  nIter: number;
  lowerBound: number;
  lowerBounds: number[];
}

/** Serialised estimator (see {@link GaussianMixture.toJSON}). */
export interface GaussianMixtureJSON {
  format: 'tfjs-gmm/GaussianMixture';
  version: 1;
  options: {
    nComponents: number;
    covarianceType: CovarianceTypeName;
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
  };
  fitted: null | {
    nFeatures: number;
    weights: number[];
    means: number[][];
    covariances: NestedNumbers;
    precisionsCholesky: NestedNumbers;
    converged: boolean;
    nIter: number;
    /** null stands for -Infinity (maxIter = 0). */
    lowerBound: number | null;
    lowerBounds: number[];
  };
}

const CLASS = 'GaussianMixture';

/** A deep copy of an optional array-valued option as nested numbers. */
function readArrayOption(value: TensorInput | null | undefined, name: string): NestedNumbers | null {
  if (value === undefined || value === null) return null;
  const t = toFloatTensor(value, name, CLASS);
  const copy = t.arraySync() as NestedNumbers;
  if (t !== value) t.dispose();
  return copy;
}

/**
 * The Cholesky factor of precision matrices in scikit-learn's layout (upper P with
 * P P^T = precision): P = J chol(J Lambda J) J with J the reversal, as scikit-learn computes
 * `_compute_precision_cholesky_from_precisions`. diag/spherical: sqrt(precision).
 */
function precisionCholeskyFromPrecision(type: CovarianceTypeName, precision: tf.Tensor, fn: string, argName: string): tf.Tensor {
  return tf.tidy(() => {
    if (getCovarianceType(type).form === 'diagonal') return tf.sqrt(precision);
    const axes = [precision.rank - 2, precision.rank - 1];
    return tf.reverse(cholesky(tf.reverse(precision, axes), {validate: true, caller: fn, argName}), axes);
  });
}

/**
 * Representation of a Gaussian mixture model probability distribution, fitted by EM.
 *
 * Mirrors scikit-learn's `sklearn.mixture.GaussianMixture`: the same options (camelCase), methods
 * and attributes (`weights`, `means`, `covariances`, `precisionsCholesky`, `converged`, `nIter`,
 * `lowerBound`). The heavy math runs as tensor ops on the active tfjs backend, in chunks of
 * `batchSize` rows. Tensors returned by attributes are owned by the model (disposed by the next
 * fit or by {@link dispose}); tensors returned by methods are owned by the caller.
 *
 * @example
 * const gm = new GaussianMixture({nComponents: 3, covarianceType: 'full', seed: 0}).fit(X);
 * const labels = gm.predict(X);
 * console.log(gm.converged, gm.nIter, gm.lowerBound, gm.bic(X));
 */
export class GaussianMixture {
  readonly nComponents: number;
  readonly covarianceType: CovarianceTypeName;
  readonly tol: number;
  readonly regCovar: number;
  readonly maxIter: number;
  readonly nInit: number;
  readonly initParams: InitParams;
  readonly weightsInit: NestedNumbers | null;
  readonly meansInit: NestedNumbers | null;
  readonly precisionsInit: NestedNumbers | null;
  readonly warmStart: boolean;
  readonly seed: number;
  readonly batchSize: number | null;
  onIteration?: (info: IterationInfo) => void;
  onWarning: (message: string) => void;
  private fitted: Fitted | null = null;

  constructor(options: GaussianMixtureOptions = {}) {
    if (options === null || typeof options !== 'object') fail(CLASS, `options must be an object, but got ${String(options)}`);
    const fn = CLASS;
    this.nComponents = options.nComponents ?? 1;
    assertInteger(fn, 'nComponents', this.nComponents, 1);
    this.covarianceType = getCovarianceType(options.covarianceType ?? 'full', fn).name;
    this.tol = options.tol ?? 1e-3;
    assertNumber(fn, 'tol', this.tol, {min: 0});
    this.regCovar = options.regCovar ?? 1e-6;
    assertNumber(fn, 'regCovar', this.regCovar, {min: 0});
    this.maxIter = options.maxIter ?? 100;
    assertInteger(fn, 'maxIter', this.maxIter, 0);
    this.nInit = options.nInit ?? 1;
    assertInteger(fn, 'nInit', this.nInit, 1);
    const initParams = options.initParams ?? 'kmeans';
    assertOneOf(fn, 'initParams', initParams, INIT_PARAMS);
    this.initParams = initParams;
    this.warmStart = options.warmStart ?? false;
    if (typeof this.warmStart !== 'boolean') fail(fn, `warmStart must be a boolean, but got ${JSON.stringify(this.warmStart)}`);
    this.seed = options.seed ?? 0;
    assertNumber(fn, 'seed', this.seed);
    if (!Number.isInteger(this.seed)) fail(fn, `seed must be an integer, but got ${this.seed}`);
    this.batchSize = options.batchSize ?? null;
    if (this.batchSize !== null) assertInteger(fn, 'batchSize', this.batchSize, 1);
    if (options.onIteration !== undefined && typeof options.onIteration !== 'function') fail(fn, `onIteration must be a function, but got ${typeof options.onIteration}`);
    if (options.onWarning !== undefined && typeof options.onWarning !== 'function') fail(fn, `onWarning must be a function, but got ${typeof options.onWarning}`);
    this.onIteration = options.onIteration;
    this.onWarning = options.onWarning ?? ((message: string) => console.warn(message));
    this.weightsInit = readArrayOption(options.weightsInit, 'weightsInit');
    this.meansInit = readArrayOption(options.meansInit, 'meansInit');
    this.precisionsInit = readArrayOption(options.precisionsInit, 'precisionsInit');
    if (this.weightsInit !== null) {
      const w = tf.tensor(this.weightsInit as number[]);
      const shape = w.shape;
      w.dispose();
      if (!shapeMatches(shape, [this.nComponents])) fail(fn, `weightsInit must have shape [${this.nComponents}] (nComponents), but got ${formatShape(shape)}`);
      assertProbabilities(fn, 'weightsInit', this.weightsInit as number[]);
    }
  }

  // ---- attributes -------------------------------------------------------------------------

  private require(fn: string): Fitted {
    if (!this.fitted) fail(`${CLASS}.${fn}`, 'this GaussianMixture must be fitted first (call fit or fromJSON), but it has no parameters');
    return this.fitted;
  }

  /** Whether the model has parameters (after fit or fromJSON). */
  get isFitted(): boolean {
    return this.fitted !== null;
  }

  /** Mixture weights [K] (scikit-learn's `weights_`). Owned by the model. */
  get weights(): tf.Tensor1D {
    return this.require('weights').params.weights;
  }

  /** Component means [K, D] (`means_`). Owned by the model. */
  get means(): tf.Tensor2D {
    return this.require('means').params.means;
  }

  /** Covariances in the covariance type's shape (`covariances_`). Owned by the model. */
  get covariances(): tf.Tensor {
    return this.require('covariances').params.covariances;
  }

  /** Cholesky factors of the precisions (`precisions_cholesky_`). Owned by the model. */
  get precisionsCholesky(): tf.Tensor {
    return this.require('precisionsCholesky').params.precisionsCholesky;
  }

  /** Whether the best initialisation converged (`converged_`). */
  get converged(): boolean {
    return this.require('converged').converged;
  }

  /** Iterations run by the best initialisation (`n_iter_`). */
  get nIter(): number {
    return this.require('nIter').nIter;
  }

  /** Lower bound (weighted mean log-likelihood) of the best initialisation (`lower_bound_`). */
  get lowerBound(): number {
    return this.require('lowerBound').lowerBound;
  }

  /** Lower bound of every iteration of the best initialisation (`lower_bounds_`). */
  get lowerBounds(): number[] {
    return this.require('lowerBounds').lowerBounds.slice();
  }

  /** Number of features seen in fit (`n_features_in_`). */
  get nFeatures(): number {
    return this.require('nFeatures').nFeatures;
  }

  // ---- fitting ----------------------------------------------------------------------------

  /**
   * Estimates the parameters with EM: `nInit` initialisations (one when warm-starting a fitted
   * model), each iterated until the lower bound changes by less than `tol` or for `maxIter`
   * iterations; the initialisation with the largest lower bound is kept. Not converging is
   * reported through `converged` and a warning.
   *
   * @param X data [N, D] with N >= nComponents.
   * @returns this.
   */
  fit(X: TensorInput, options: FitOptions = {}): this {
    const fn = `${CLASS}.fit`;
    const data = prepareData(fn, 'X', X, options.sampleWeight, this.batchSize ?? ((D: number) => autoBatchSize(basisWidth(this.covarianceType, D))));
    let em: ReturnType<typeof createEmCovariance> | null = null;
    try {
      this.checkData(fn, data);
      em = createEmCovariance(this.covarianceType, this.nComponents, data.D, fn);
      const ctx = createContext(fn, data, em, this.regCovar);
      const warm = this.warmStart && this.fitted !== null;
      if (warm && this.fitted!.nFeatures !== data.D) {
        fail(fn, `X must have shape [N, ${this.fitted!.nFeatures}] to warm-start the fitted model (D = ${this.fitted!.nFeatures}), but got [${data.N}, ${data.D}]`);
      }
      const inits = warm ? 1 : this.nInit;
      const rng = new SeededRandom(this.seed);
      let best: LoopResult | null = null;
      try {
        for (let init = 0; init < inits; init++) {
          const start = warm ? this.warmState(ctx) : this.initialState(fn, ctx, rng);
          const result = runEm(ctx, start, {
            maxIter: this.maxIter, tol: this.tol, onIteration: this.onIteration, init,
            startLowerBound: warm ? this.fitted!.lowerBound : -Infinity,
          });
          // scikit-learn: keep the largest lower bound (with maxIter = 0, the last initialisation).
          if (best === null || this.maxIter === 0 || result.lowerBound > best.lowerBound) {
            if (best) disposeState(best.state);
            best = result;
          } else {
            disposeState(result.state);
          }
        }
      } catch (e) {
        if (best) disposeState((best as LoopResult).state);
        throw e;
      }
      const params = fromScaledState(this.covarianceType, data.transform, best!.state);
      disposeState(best!.state);
      this.setFitted({
        params, nFeatures: data.D, converged: best!.converged, nIter: best!.nIter,
        lowerBound: this.maxIter === 0 ? -Infinity : best!.lowerBound, lowerBounds: best!.lowerBounds,
      });
      if (!best!.converged && this.maxIter > 0) {
        this.onWarning(`${fn}: the best of ${inits} initialisation(s) did not converge within maxIter = ${this.maxIter} iterations ` +
          `(last change of the lower bound ${changeOf(best!.lowerBounds)}, tol = ${this.tol}); increase maxIter or tol, ` +
          'try other initialisations, or check for degenerate data');
      }
      return this;
    } finally {
      em?.dispose();
      data.dispose();
    }
  }

  /**
   * Fits the model and returns the label of every sample under the fitted parameters
   * (int32 [N], owned by the caller), as `fit(X).predict(X)`.
   */
  fitPredict(X: TensorInput, options: FitOptions = {}): tf.Tensor1D {
    return this.fit(X, options).predict(X);
  }

  private checkData(fn: string, data: EmData): void {
    const K = this.nComponents;
    if (data.N < K) fail(fn, `X must have at least nComponents = ${K} samples, but got ${data.N} (shape [${data.N}, ${data.D}])`);
    if (data.sampleWeights) {
      const positive = data.sampleWeights.reduce((c, w) => c + (w > 0 ? 1 : 0), 0);
      if (positive < K) fail(fn, `sampleWeight must have at least nComponents = ${K} positive entries, but got ${positive}`);
    }
  }

  /** Starting parameters of one initialisation (scaled space). */
  private initialState(fn: string, ctx: EmContext, rng: SeededRandom): ScaledState {
    const {data} = ctx;
    const K = this.nComponents;
    const D = data.D;
    const type = getCovarianceType(this.covarianceType);
    const user = tf.tidy(() => {
      const out: tf.Tensor[] = [];
      if (this.weightsInit !== null) out.push(tf.tensor1d(this.weightsInit as number[]));
      if (this.meansInit !== null) {
        const means = tf.tensor(this.meansInit as number[][]);
        if (!shapeMatches(means.shape, [K, D])) fail(fn, `meansInit must have shape [${K}, ${D}] (nComponents, D), but got ${formatShape(means.shape)}`);
        assertFiniteValues(fn, 'meansInit', means.dataSync());
        out.push(means);
      }
      if (this.precisionsInit !== null) {
        const precisions = tf.tensor(this.precisionsInit as number[]);
        const expected = type.parameterShape(K, D);
        if (!shapeMatches(precisions.shape, expected)) {
          fail(fn, `precisionsInit must have shape ${formatShape(expected)} (${type.symbolicShape.join(', ')}), but got ${formatShape(precisions.shape)}`);
        }
        checkPrecisions(fn, type.form === 'triangular', precisions);
        out.push(precisionCholeskyFromPrecision(this.covarianceType, precisions, fn, 'precisionsInit'));
      }
      return out;
    });
    let next = 0;
    const weights = this.weightsInit !== null ? user[next++] : null;
    const means = this.meansInit !== null ? user[next++] : null;
    const factor = this.precisionsInit !== null ? user[next++] : null;
    try {
      if (weights && means && factor) return toScaledState(this.covarianceType, data.transform, weights, means, factor);
      const base = stateFromResponsibilities(ctx, initialResponsibilities(this.initParams, data, K, rng));
      if (!weights && !means && !factor) return base;
      // scikit-learn: the given parts replace those estimated from the initialisation. The given
      // parts are mapped into the scaled space together (parts not given are placeholders, and
      // `pick` keeps the estimated state's tensor for them).
      const placeholder = means ? null : tf.zeros([K, D]);
      const given = toScaledState(this.covarianceType, data.transform, weights ?? base.weights, means ?? placeholder!, factor ?? base.precisionsCholesky);
      placeholder?.dispose();
      const pick = (useGiven: boolean, a: tf.Tensor, b: tf.Tensor) => {
        (useGiven ? b : a).dispose();
        return useGiven ? a : b;
      };
      return {
        weights: pick(weights !== null, given.weights, base.weights) as tf.Tensor1D,
        means: pick(means !== null, given.means, base.means) as tf.Tensor2D,
        covariances: pick(factor !== null, given.covariances, base.covariances),
        precisionsCholesky: pick(factor !== null, given.precisionsCholesky, base.precisionsCholesky),
      };
    } finally {
      tf.dispose(user);
    }
  }

  /** The fitted parameters mapped into the scaled space of new data (warm start). */
  private warmState(ctx: EmContext): ScaledState {
    const p = this.fitted!.params;
    return toScaledState(this.covarianceType, ctx.data.transform, p.weights, p.means, p.precisionsCholesky);
  }

  private setFitted(fitted: Fitted): void {
    if (this.fitted) disposeState(this.fitted.params);
    this.fitted = fitted;
  }

  // ---- inference --------------------------------------------------------------------------

  /**
   * Runs `body` on the per-component log-probabilities of every chunk of X (by the ops' direct
   * kernel, in the data space) and concatenates the results.
   */
  private mapLogProb(fn: string, X: TensorInput, body: (logProb: tf.Tensor2D) => tf.Tensor): tf.Tensor {
    const fitted = this.require(fn.slice(CLASS.length + 1));
    const {values, N, D} = readMatrix(fn, 'X', X, fitted.nFeatures);
    const p = fitted.params;
    // The direct kernel's working set is [rows, K D].
    const batchSize = this.batchSize ?? autoBatchSize(this.nComponents * D + this.nComponents);
    return tf.tidy(() => {
      const logits = tf.log(p.weights);
      const parts: tf.Tensor[] = [];
      for (let start = 0; start < N; start += batchSize) {
        const size = Math.min(batchSize, N - start);
        const x = tf.tensor2d(values.subarray(start * D, (start + size) * D), [size, D]);
        parts.push(body(gmmLogProbPrecisionCholesky(x, logits, p.means, p.precisionsCholesky, this.covarianceType) as tf.Tensor2D));
      }
      return parts.length === 1 ? parts[0] : tf.concat(parts, 0);
    });
  }

  /** Label (most probable component) of every sample: int32 [N] (scikit-learn's `predict`). */
  predict(X: TensorInput): tf.Tensor1D {
    return this.mapLogProb(`${CLASS}.predict`, X, (lp) => tf.argMax(lp, -1)) as tf.Tensor1D;
  }

  /** Posterior probability of every component for every sample: [N, K] (`predict_proba`). */
  predictProba(X: TensorInput): tf.Tensor2D {
    return this.mapLogProb(`${CLASS}.predictProba`, X, (lp) => mixtureResponsibilities(lp)) as tf.Tensor2D;
  }

  /** Log-likelihood log p(x) of every sample: [N] (`score_samples`). */
  scoreSamples(X: TensorInput): tf.Tensor1D {
    return this.mapLogProb(`${CLASS}.scoreSamples`, X, (lp) => mixtureLogLikelihood(lp)) as tf.Tensor1D;
  }

  /**
   * Mean log-likelihood of the samples (`score`), weighted by `sampleWeight` when given. Summed
   * in float64 on the host.
   */
  score(X: TensorInput, options: FitOptions = {}): number {
    const fn = `${CLASS}.score`;
    const ll = this.mapLogProb(fn, X, (lp) => mixtureLogLikelihood(lp));
    const values = ll.dataSync();
    ll.dispose();
    const weights = readSampleWeights(fn, 'sampleWeight', options.sampleWeight, values.length);
    let total = 0;
    let weight = 0;
    for (let n = 0; n < values.length; n++) {
      const w = weights ? weights[n] : 1;
      if (w === 0) continue;
      total += w * values[n];
      weight += w;
    }
    return total / weight;
  }

  /**
   * Number of free parameters: covariance parameters (as scikit-learn counts them per type),
   * K D means and K - 1 weights.
   */
  nParameters(): number {
    const D = this.require('nParameters').nFeatures;
    const K = this.nComponents;
    return getCovarianceType(this.covarianceType).nParameters(K, D) + K * D + K - 1;
  }

  /** Bayesian information criterion: -2 score N + nParameters ln N (lower is better). */
  bic(X: TensorInput): number {
    const N = this.rowsOf(`${CLASS}.bic`, X);
    return -2 * this.score(X) * N + this.nParameters() * Math.log(N);
  }

  /** Akaike information criterion: -2 score N + 2 nParameters (lower is better). */
  aic(X: TensorInput): number {
    const N = this.rowsOf(`${CLASS}.aic`, X);
    return -2 * this.score(X) * N + 2 * this.nParameters();
  }

  private rowsOf(fn: string, X: TensorInput): number {
    const t = toFloatTensor(X, 'X', fn);
    const N = t.rank === 2 ? t.shape[0] : 0;
    if (t !== X) t.dispose();
    return N;
  }

  /**
   * Draws `n` samples from the fitted mixture: the number per component is multinomial in the
   * weights, then x = mu_k + z P_k^-1 with z standard normal (so that Cov x = Sigma_k).
   * Samples are grouped by component, as scikit-learn returns them. Reproducible from `seed`
   * (default: the estimator's seed).
   *
   * @returns samples [n, D] and their component labels (int32 [n]), owned by the caller.
   */
  sample(n = 1, options: {seed?: number} = {}): {samples: tf.Tensor2D; labels: tf.Tensor1D} {
    const fn = `${CLASS}.sample`;
    assertInteger(fn, 'n', n, 1);
    const seed = options.seed ?? this.seed;
    assertNumber(fn, 'seed', seed);
    const fitted = this.require('sample');
    const {params} = fitted;
    const K = this.nComponents;
    const D = fitted.nFeatures;
    const rng = new SeededRandom(seed);
    const weights = params.weights.dataSync();
    const counts = new Array<number>(K).fill(0);
    for (let i = 0; i < n; i++) {
      let u = rng.uniform();
      let k = 0;
      while (k < K - 1 && u >= weights[k]) {
        u -= weights[k];
        k++;
      }
      counts[k]++;
    }
    const labels = new Int32Array(n);
    return tf.tidy(() => {
      const type = getCovarianceType(this.covarianceType);
      const factor = type.toCanonical(params.precisionsCholesky, K, D); // [K, D, D] upper or [K, D]
      const inverse = type.form === 'triangular' ? triangularInverse(factor, {lower: false}) : tf.reciprocal(factor);
      const parts: tf.Tensor[] = [];
      let offset = 0;
      for (let k = 0; k < K; k++) {
        if (counts[k] === 0) continue;
        const z = tf.tensor2d(Float32Array.from({length: counts[k] * D}, () => rng.normal()), [counts[k], D]);
        const mean = tf.slice(params.means, [k, 0], [1, D]);
        const spread = type.form === 'triangular'
          ? tf.matMul(z, tf.reshape(tf.slice(inverse, [k, 0, 0], [1, D, D]), [D, D]))
          : tf.mul(z, tf.slice(inverse, [k, 0], [1, D]));
        parts.push(tf.add(mean, spread));
        labels.fill(k, offset, offset + counts[k]);
        offset += counts[k];
      }
      return {samples: tf.concat(parts, 0) as tf.Tensor2D, labels: tf.tensor1d(labels, 'int32')};
    });
  }

  // ---- serialisation ----------------------------------------------------------------------

  /** The options and fitted parameters as plain JSON (see {@link GaussianMixture.fromJSON}). */
  toJSON(): GaussianMixtureJSON {
    const f = this.fitted;
    return {
      format: 'tfjs-gmm/GaussianMixture',
      version: 1,
      options: {
        nComponents: this.nComponents, covarianceType: this.covarianceType, tol: this.tol, regCovar: this.regCovar,
        maxIter: this.maxIter, nInit: this.nInit, initParams: this.initParams, weightsInit: this.weightsInit,
        meansInit: this.meansInit, precisionsInit: this.precisionsInit, warmStart: this.warmStart, seed: this.seed,
        batchSize: this.batchSize,
      },
      fitted: f === null ? null : {
        nFeatures: f.nFeatures,
        weights: f.params.weights.arraySync(),
        means: f.params.means.arraySync(),
        covariances: f.params.covariances.arraySync() as NestedNumbers,
        precisionsCholesky: f.params.precisionsCholesky.arraySync() as NestedNumbers,
        converged: f.converged,
        nIter: f.nIter,
        lowerBound: Number.isFinite(f.lowerBound) ? f.lowerBound : null,
        lowerBounds: f.lowerBounds.slice(),
      },
    };
  }

  /** Rebuilds an estimator (options and, if fitted, parameters) from {@link toJSON}'s output. */
  static fromJSON(json: GaussianMixtureJSON, callbacks: Pick<GaussianMixtureOptions, 'onIteration' | 'onWarning'> = {}): GaussianMixture {
    const fn = `${CLASS}.fromJSON`;
    if (json === null || typeof json !== 'object' || json.format !== 'tfjs-gmm/GaussianMixture') {
      fail(fn, `json must be the output of GaussianMixture.toJSON() (format 'tfjs-gmm/GaussianMixture'), but got format ${JSON.stringify((json as {format?: unknown} | null)?.format)}`);
    }
    if (json.version !== 1) fail(fn, `json.version must be 1, but got ${JSON.stringify(json.version)}`);
    const model = new GaussianMixture({...json.options, ...callbacks});
    const f = json.fitted;
    if (f) {
      model.restore(fn, {
        weights: f.weights, means: f.means, covariances: f.covariances, precisionsCholesky: f.precisionsCholesky,
      }, {converged: f.converged, nIter: f.nIter, lowerBound: f.lowerBound ?? -Infinity, lowerBounds: f.lowerBounds ?? []});
    }
    return model;
  }

  /**
   * scikit-learn's fitted attributes (`weights_`, `means_`, `covariances_`,
   * `precisions_cholesky_`, `precisions_`, `covariance_type`, ...) as JSON, ready to be set on a
   * Python `GaussianMixture` (see sklearn_json.ts for the Python side).
   */
  toSklearnJSON(): SklearnGaussianMixtureJSON {
    const f = this.require('toSklearnJSON');
    const p = f.params;
    const precisions = tf.tidy(() => (getCovarianceType(this.covarianceType).form === 'triangular'
      ? tf.matMul(p.precisionsCholesky, p.precisionsCholesky, false, true)
      : tf.square(p.precisionsCholesky)));
    const out: SklearnGaussianMixtureJSON = {
      covariance_type: this.covarianceType,
      n_components: this.nComponents,
      n_features_in_: f.nFeatures,
      weights_: p.weights.arraySync(),
      means_: p.means.arraySync(),
      covariances_: p.covariances.arraySync() as NestedNumbers,
      precisions_cholesky_: p.precisionsCholesky.arraySync() as NestedNumbers,
      precisions_: precisions.arraySync() as NestedNumbers,
      converged_: f.converged,
      n_iter_: f.nIter,
      lower_bound_: Number.isFinite(f.lowerBound) ? f.lowerBound : null,
    };
    precisions.dispose();
    return out;
  }

  /**
   * A fitted estimator from scikit-learn's fitted attributes (see {@link toSklearnJSON}); needs
   * `covariance_type`, `weights_`, `means_` and `covariances_` and/or `precisions_cholesky_`
   * (when both are given, both are used as they are). `options` sets the other options.
   */
  static fromSklearnJSON(json: SklearnGaussianMixtureJSON, options: Omit<GaussianMixtureOptions, 'nComponents' | 'covarianceType'> = {}): GaussianMixture {
    const fn = `${CLASS}.fromSklearnJSON`;
    const parsed = parseSklearnJSON(fn, json);
    const model = new GaussianMixture({...options, nComponents: parsed.nComponents, covarianceType: parsed.covarianceType});
    model.restore(fn, parsed, {converged: parsed.converged, nIter: parsed.nIter, lowerBound: parsed.lowerBound, lowerBounds: []});
    return model;
  }

  /**
   * Sets fitted parameters (data space) after validating their shapes; computes the
   * covariances from the precision factors or the other way round when one is missing.
   */
  private restore(
    fn: string,
    params: {weights: TensorInput; means: TensorInput; covariances?: TensorInput | null; precisionsCholesky?: TensorInput | null},
    diagnostics: {converged: boolean; nIter: number; lowerBound: number; lowerBounds: number[]},
  ): void {
    const type = getCovarianceType(this.covarianceType);
    const K = this.nComponents;
    const tensors = tf.tidy(() => {
      const weights = toFloatTensor(params.weights, 'weights', fn);
      if (!shapeMatches(weights.shape, [K])) fail(fn, `weights must have shape [${K}] (nComponents), but got ${formatShape(weights.shape)}`);
      assertProbabilities(fn, 'weights', weights.dataSync());
      const means = toFloatTensor(params.means, 'means', fn) as tf.Tensor2D;
      if (means.rank !== 2 || means.shape[0] !== K || means.shape[1] < 1) fail(fn, `means must have shape [${K}, D] (nComponents, D), but got ${formatShape(means.shape)}`);
      assertFiniteValues(fn, 'means', means.dataSync());
      const D = means.shape[1];
      const expected = type.parameterShape(K, D);
      const describe = `${formatShape(expected)} (${type.symbolicShape.join(', ')})`;
      const read = (value: TensorInput | null | undefined, name: string): tf.Tensor | null => {
        if (value === undefined || value === null) return null;
        const t = toFloatTensor(value, name, fn);
        if (!shapeMatches(t.shape, expected)) fail(fn, `${name} must have shape ${describe}, but got ${formatShape(t.shape)}`);
        assertFiniteValues(fn, name, t.dataSync());
        return t;
      };
      let covariances = read(params.covariances, 'covariances');
      let factor = read(params.precisionsCholesky, 'precisionsCholesky');
      if (!covariances && !factor) fail(fn, 'covariances or precisionsCholesky must be given, but got neither');
      if (!factor) factor = type.precisionCholeskyFromCovariance(covariances!, {validate: true, caller: fn});
      if (!covariances) covariances = type.covarianceFromPrecisionCholesky(factor);
      return [weights, means, tf.clone(covariances), tf.clone(factor)];
    });
    const [weights, means, covariances, precisionsCholesky] = tensors;
    this.setFitted({
      params: {covarianceType: this.covarianceType, weights: weights as tf.Tensor1D, means: means as tf.Tensor2D, covariances, precisionsCholesky},
      nFeatures: (means as tf.Tensor2D).shape[1], ...diagnostics, lowerBounds: diagnostics.lowerBounds.slice(),
    });
  }

  /** Releases the fitted parameters; the estimator can be fitted again. */
  dispose(): void {
    if (this.fitted) disposeState(this.fitted.params);
    this.fitted = null;
  }
}

/** The last change of the lower bound, for the convergence warning. */
function changeOf(lowerBounds: number[]): string {
  if (lowerBounds.length < 2) return 'n/a';
  return (lowerBounds[lowerBounds.length - 1] - lowerBounds[lowerBounds.length - 2]).toPrecision(3);
}

/** scikit-learn's checks of `precisions_init`: symmetric positive definite, or positive. */
function checkPrecisions(fn: string, triangular: boolean, precisions: tf.Tensor): void {
  const values = precisions.dataSync();
  assertFiniteValues(fn, 'precisionsInit', values);
  if (!triangular) {
    const bad = values.findIndex((v) => !(v > 0));
    if (bad >= 0) fail(fn, `precisionsInit must be positive, but entry ${bad} is ${values[bad]}`);
    return;
  }
  const D = precisions.shape[precisions.rank - 1];
  for (let m = 0; m < values.length / (D * D); m++) {
    for (let i = 0; i < D; i++) {
      for (let j = i + 1; j < D; j++) {
        const a = values[m * D * D + i * D + j];
        const b = values[m * D * D + j * D + i];
        if (Math.abs(a - b) > 1e-6 * Math.max(1, Math.abs(a), Math.abs(b))) {
          fail(fn, `precisionsInit must be symmetric, but matrix ${m} has [${i}, ${j}] = ${a} and [${j}, ${i}] = ${b}`);
        }
      }
    }
  }
}
