/**
 * `GaussianMixture`: scikit-learn's estimator of the same name on tfjs backends.
 */
import * as tf from '@tensorflow/tfjs-core';

import {CovarianceTypeName} from '../../ops/covariance/covariance_type';
import {MixtureParametersInput, readMixtureParameters} from '../../ops/mixture_parameters';
import {TensorInput, assertKnownKeys, fail, shapeMatches, toFloatTensor} from '../../ops/util/args';
import {SeededRandom} from '../util/random';
import {basisWidth, createEmCovariance} from './covariance/registry';
import {EmData, autoBatchSize, prepareData} from './data';
import {EmContext, createContext} from './engine/context';
import {IterationInfo, LoopResult, runEm} from './engine/loop';
import {userStart} from './init/user_start';
import {
  FIT_OPTION_KEYS,
  FitOptions,
  GaussianMixtureOptions,
  NestedNumbers,
  ResolvedGaussianMixtureOptions,
  resolveOptions,
} from './options';
import {FittedParameters, ScaledState, disposeState, fromScaledState, toScaledState} from './parameters';
import {
  FitDiagnostics,
  GaussianMixtureJSON,
  checkFittedJSON,
  checkGaussianMixtureJSON,
  diagnosticsOf,
  gaussianMixtureJSON,
} from './serialization';
import {SklearnGaussianMixtureJSON, parseSklearnJSON, sklearnJSONOf} from './sklearn_json';
import {MixtureModel} from './mixture_model';
import {EmThreads} from './parallel/em_threads';
import {FactorFieldNames, assertConsistentFactors} from './factor_consistency';

const CLASS = 'GaussianMixture';

/** The last change of the lower bound, for the convergence warning. */
function changeOf(lowerBounds: number[]): string {
  if (lowerBounds.length < 2) return 'n/a';
  return (lowerBounds[lowerBounds.length - 1] - lowerBounds[lowerBounds.length - 2]).toPrecision(3);
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
export class GaussianMixture extends MixtureModel {
  readonly nComponents: number;
  readonly covarianceType: CovarianceTypeName;
  readonly tol: number;
  readonly regCovar: number;
  readonly maxIter: number;
  readonly nInit: number;
  readonly initParams: ResolvedGaussianMixtureOptions['initParams'];
  readonly weightsInit: NestedNumbers | null;
  readonly meansInit: NestedNumbers | null;
  readonly precisionsInit: NestedNumbers | null;
  readonly warmStart: boolean;
  readonly seed: number;
  readonly batchSize: number | null;
  /** Worker threads (see {@link GaussianMixtureOptions.workers}). */
  readonly workers: number | 'auto';
  onIteration?: (info: IterationInfo) => void;
  onWarning: (message: string) => void;
  protected readonly className = CLASS;
  private readonly options: ResolvedGaussianMixtureOptions;
  private readonly threads = new EmThreads();

  constructor(options: GaussianMixtureOptions = {}) {
    super();
    const resolved = resolveOptions(CLASS, options);
    const {onIteration, onWarning, workers, ...serialisable} = resolved;
    this.workers = workers;
    this.options = serialisable;
    ({
      nComponents: this.nComponents,
      covarianceType: this.covarianceType,
      tol: this.tol,
      regCovar: this.regCovar,
      maxIter: this.maxIter,
      nInit: this.nInit,
      initParams: this.initParams,
      weightsInit: this.weightsInit,
      meansInit: this.meansInit,
      precisionsInit: this.precisionsInit,
      warmStart: this.warmStart,
      seed: this.seed,
      batchSize: this.batchSize,
    } = serialisable);
    this.onIteration = onIteration;
    this.onWarning = onWarning;
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
    assertKnownKeys(fn, 'options', options, FIT_OPTION_KEYS);
    const data = prepareData(
      fn,
      'X',
      X,
      options.sampleWeight,
      this.batchSize ?? ((D: number) => autoBatchSize(basisWidth(this.covarianceType, D))),
    );
    let em: ReturnType<typeof createEmCovariance> | null = null;
    try {
      this.checkData(fn, data);
      if (data.resolutionWarning) this.onWarning(data.resolutionWarning);
      em = createEmCovariance(this.covarianceType, this.nComponents, data.D, fn);
      const warm = this.warmStart && this.fitted !== null;
      if (warm && this.fitted!.nFeatures !== data.D) {
        const D = this.fitted!.nFeatures;
        fail(
          fn,
          `X must have shape [N, ${D}] to warm-start the fitted model (D = ${D}), but got [${data.N}, ${data.D}]`,
        );
      }
      const inits = warm ? 1 : this.nInit;
      const ctx = createContext(fn, data, em, this.regCovar);
      const batchSize = this.batchSize ?? autoBatchSize(em.width);
      ctx.parallel = this.threads.passes(fn, this.workers, ctx, batchSize);
      const best = this.bestOfInitializations(fn, ctx, inits, warm);
      const params = fromScaledState(data.transform, best.state);
      disposeState(best.state);
      const lowerBound = this.maxIter === 0 ? -Infinity : best.lowerBound;
      this.setFitted(params, data.D, {
        converged: best.converged,
        nIter: best.nIter,
        lowerBound,
        lowerBounds: best.lowerBounds,
      });
      if (!best.converged && this.maxIter > 0) {
        this.onWarning(
          `${fn}: the best of ${inits} initialisation(s) did not converge within maxIter = ${this.maxIter} iterations ` +
            `(last change of the lower bound ${changeOf(best.lowerBounds)}, tol = ${this.tol}); increase maxIter or tol, ` +
            'try other initialisations, or check for degenerate data',
        );
      }
      return this;
    } finally {
      em?.dispose();
      data.dispose();
    }
  }

  /** Runs EM from `inits` starts and keeps the one with the largest lower bound (the caller owns its state). */
  private bestOfInitializations(fn: string, ctx: EmContext, inits: number, warm: boolean): LoopResult {
    const rng = new SeededRandom(this.seed);
    let best: LoopResult | null = null;
    try {
      for (let init = 0; init < inits; init++) {
        const start = warm ? this.warmState(ctx) : userStart(fn, ctx, rng, this.options);
        const result = runEm(ctx, start, {
          maxIter: this.maxIter,
          tol: this.tol,
          onIteration: this.onIteration,
          init,
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
      if (best) disposeState(best.state);
      throw e;
    }
    return best!;
  }

  /**
   * Fits the model and returns the label of every sample under the fitted parameters
   * (int32 [N], owned by the caller), as `fit(X).predict(X)`.
   */
  fitPredict(X: TensorInput, options: FitOptions = {}): tf.Tensor1D {
    assertKnownKeys(`${CLASS}.fitPredict`, 'options', options, FIT_OPTION_KEYS);
    return this.fit(X, options).predict(X);
  }

  private checkData(fn: string, data: EmData): void {
    const K = this.nComponents;
    if (data.N < K)
      fail(fn, `X must have at least nComponents = ${K} samples, but got ${data.N} (shape [${data.N}, ${data.D}])`);
    if (data.sampleWeights) {
      const positive = data.sampleWeights.reduce((c, w) => c + (w > 0 ? 1 : 0), 0);
      if (positive < K)
        fail(fn, `sampleWeight must have at least nComponents = ${K} positive entries, but got ${positive}`);
    }
  }

  /** The fitted parameters mapped into the scaled space of new data (warm start). */
  private warmState(ctx: EmContext): ScaledState {
    const p = this.fitted!.store.parameters();
    return toScaledState(this.covarianceType, ctx.data.transform, p.weights, p.means, p.precisionsCholesky);
  }

  /**
   * Number of free parameters: covariance parameters (as scikit-learn counts them per type),
   * K D means and K - 1 weights.
   */
  nParameters(): number {
    const D = this.require('nParameters').nFeatures;
    const K = this.nComponents;
    return this.covarianceTypeBehaviour.nParameters(K, D) + K * D + K - 1;
  }

  /** Bayesian information criterion: -2 score N + nParameters ln N (lower is better). */
  bic(X: TensorInput): number {
    const {mean, N} = this.meanLogLikelihood(`${CLASS}.bic`, X, {});
    return -2 * mean * N + this.nParameters() * Math.log(N);
  }

  /** Akaike information criterion: -2 score N + 2 nParameters (lower is better). */
  aic(X: TensorInput): number {
    const {mean, N} = this.meanLogLikelihood(`${CLASS}.aic`, X, {});
    return -2 * mean * N + 2 * this.nParameters();
  }

  // ---- serialisation ----------------------------------------------------------------------

  /** The options and fitted parameters as plain JSON (see {@link GaussianMixture.fromJSON}). */
  toJSON(): GaussianMixtureJSON {
    const f = this.fitted;
    return gaussianMixtureJSON(
      this.options,
      f === null
        ? null
        : {
            nFeatures: f.nFeatures,
            arrays: {
              weights: f.store.tensor('weights').arraySync() as number[],
              means: f.store.tensor('means').arraySync() as number[][],
              covariances: f.store.tensor('covariances').arraySync() as NestedNumbers,
              precisionsCholesky: f.store.tensor('precisionsCholesky').arraySync() as NestedNumbers,
            },
            diagnostics: f,
          },
    );
  }

  /**
   * The per-component log-probabilities [N, K] of X by the workers, or null when the input is
   * too small for them (see {@link GaussianMixtureOptions.workers}) or in-thread.
   */
  protected override parallelLogProb(
    fn: string,
    values: Float32Array,
    N: number,
    D: number,
    parameters: FittedParameters,
  ): tf.Tensor2D | null {
    return this.threads.logProb(fn, this.workers, values, N, D, parameters, this.covarianceType, this.batchSize);
  }

  /** Releases the fitted parameters and ends the worker threads; the model can be fitted again. */
  override dispose(): void {
    super.dispose();
    this.threads.end();
  }

  /** Number of worker threads running (0 when in-thread or after {@link dispose}). */
  get runningWorkers(): number {
    return this.threads.running;
  }

  /** Rebuilds an estimator (options and, if fitted, parameters) from {@link toJSON}'s output. */
  static fromJSON(
    json: GaussianMixtureJSON,
    callbacks: Pick<GaussianMixtureOptions, 'onIteration' | 'onWarning' | 'workers'> = {},
  ): GaussianMixture {
    const fn = `${CLASS}.fromJSON`;
    checkGaussianMixtureJSON(fn, json);
    const model = new GaussianMixture({...json.options, ...callbacks});
    if (json.fitted != null) {
      checkFittedJSON(fn, json.fitted, model.covarianceTypeBehaviour, model.nComponents);
      model.restore(fn, json.fitted, diagnosticsOf(json.fitted), {
        argName: 'json.fitted',
        covariances: 'json.fitted.covariances',
        precisionsCholesky: 'json.fitted.precisionsCholesky',
      });
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
    return sklearnJSONOf(this.covarianceType, f.nFeatures, f.store.parameters(), f);
  }

  /**
   * A fitted estimator from scikit-learn's fitted attributes (see {@link toSklearnJSON}); needs
   * `covariance_type`, `weights_`, `means_` and `covariances_` and/or `precisions_cholesky_`
   * (the rule of {@link MixtureParametersInput}). `options` sets the other options.
   */
  static fromSklearnJSON(
    json: SklearnGaussianMixtureJSON,
    options: Omit<GaussianMixtureOptions, 'nComponents' | 'covarianceType'> = {},
  ): GaussianMixture {
    const fn = `${CLASS}.fromSklearnJSON`;
    const parsed = parseSklearnJSON(fn, json);
    const model = new GaussianMixture({
      ...options,
      nComponents: parsed.nComponents,
      covarianceType: parsed.covarianceType,
    });
    model.restore(
      fn,
      parsed,
      {converged: parsed.converged, nIter: parsed.nIter, lowerBound: parsed.lowerBound, lowerBounds: []},
      {covariances: 'json.covariances_', precisionsCholesky: 'json.precisions_cholesky_'},
    );
    return model;
  }

  /**
   * A fitted estimator from mixture parameters in natural terms (e.g. a `GMMLayer`'s
   * `getMixture()`, or an `emFit` result): `weights` [K], `means` [K, D] and `covariances` and/or
   * `precisionsCholesky` in `options.covarianceType`'s shape (default 'full'). The model reports
   * `converged: true`, `nIter: 0` and a lower bound of -Infinity, as no EM ran.
   */
  static fromParameters(
    parameters: MixtureParametersInput,
    options: Omit<GaussianMixtureOptions, 'nComponents'> = {},
  ): GaussianMixture {
    const fn = `${CLASS}.fromParameters`;
    if (parameters === null || typeof parameters !== 'object')
      fail(
        fn,
        `parameters must be an object {weights, means, covariances or precisionsCholesky}, but got ${String(parameters)}`,
      );
    const K = tf.tidy(() => toFloatTensor(parameters.weights, 'weights', fn).shape[0] ?? 0);
    const model = new GaussianMixture({...options, nComponents: K});
    model.restore(
      fn,
      parameters,
      {converged: true, nIter: 0, lowerBound: -Infinity, lowerBounds: []},
      {covariances: 'covariances', precisionsCholesky: 'precisionsCholesky'},
    );
    return model;
  }

  /**
   * Sets fitted parameters (data space) after validating them (see {@link readMixtureParameters}
   * and {@link assertConsistentFactors}); `names` are the fields named in messages.
   */
  private restore(
    fn: string,
    params: MixtureParametersInput,
    diagnostics: FitDiagnostics,
    names: FactorFieldNames & {argName?: string},
  ): void {
    const read = tf.tidy(() => {
      const type = this.covarianceTypeBehaviour;
      const expect = {nComponents: this.nComponents, argName: names.argName};
      // The factor alone first, so that a bad one is reported under its field's name.
      if (params !== null && typeof params === 'object' && params.precisionsCholesky != null) {
        const factor = toFloatTensor(params.precisionsCholesky, names.precisionsCholesky, fn);
        const D = factor.shape[factor.rank - 1] ?? 0;
        if (shapeMatches(factor.shape, type.parameterShape(this.nComponents, D)))
          assertConsistentFactors(fn, type, factor, null, names);
      }
      const r = readMixtureParameters(fn, params, type, expect);
      const bothGiven = params.covariances != null && params.precisionsCholesky != null;
      if (bothGiven) assertConsistentFactors(fn, type, r.precisionsCholesky, r.covariances, names);
      // Copies: the model owns its tensors, whatever the caller does with the ones it passed.
      return {
        weights: tf.clone(r.weights),
        means: tf.clone(r.means),
        covariances: tf.clone(r.covariances),
        precisionsCholesky: tf.clone(r.precisionsCholesky),
      };
    });
    this.setFitted(read, read.means.shape[1]!, diagnostics);
  }
}
