/**
 * `GaussianMixture`: scikit-learn's estimator of the same name on tfjs backends.
 */
import * as tf from '@tensorflow/tfjs-core';

import {CovarianceTypeName} from '../../ops/covariance/covariance_type';
import {MixtureParametersInput} from '../../ops/mixture_parameters';
import {TensorInput, assertInteger, assertKnownKeys, fail, toFloatTensor} from '../../ops/util/args';
import {SeededRandom} from '../util/random';
import {createEmCovariance, featureWidth} from './covariance/registry';
import {EmData, autoBatchSize, prepareData} from './data';
import {EmCovariance} from './covariance/em_covariance';
import {EmContext, createContext} from './engine/context';
import {IterationInfo, LoopResult, emProgram} from './engine/loop';
import {EmProgram, IterationEnd, runPassCall, runProgram} from './engine/program';
import {
  OnlineState,
  PARTIAL_FIT_OPTION_KEYS,
  PartialFitOptions,
  checkOnlineState,
  onlineUpdate,
  readStepOptions as readOnlineStepOptions,
  transformOf,
} from './online/online_em';
import {runProgramAsync} from './stream/driver';
import {AsyncGuard} from './stream/guard';
import {StreamSource, isStreamSource} from './stream/source';
import {scanStream, streamPassRunner, streamSummaryData} from './stream/stream_data';
import {userStart} from './init/user_start';
import {
  DEFAULT_INIT_SAMPLE_SIZE,
  FIT_ASYNC_OPTION_KEYS,
  FIT_OPTION_KEYS,
  FitAsyncOptions,
  FitOptions,
  GaussianMixtureOptions,
  NestedNumbers,
  ResolvedGaussianMixtureOptions,
  resolveOptions,
} from './options';
import {
  FittedParameters,
  ScaledState,
  dataSpaceMeans,
  disposeState,
  float64Rows,
  fromScaledState,
  rowsOf,
  toScaledState,
} from './parameters';
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
import {streamWorkerPasses} from './parallel/stream_passes';
import {FactorFieldNames, readConsistentParameters} from './factor_consistency';

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
  /** The fixed variance of covarianceType 'constant' (null for the other types). */
  readonly variance: number | null;
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
  /** Workers (see {@link GaussianMixtureOptions.workers}). */
  readonly workers: number | 'auto';
  /** Starts a Web Worker (see {@link GaussianMixtureOptions.createWorker}), or null for the default. */
  readonly createWorker: (() => Worker) | null;
  onIteration?: (info: IterationInfo) => void;
  onWarning: (message: string) => void;
  protected readonly className = CLASS;
  private readonly options: ResolvedGaussianMixtureOptions;
  private readonly threads: EmThreads;
  /** The running statistics of online EM ({@link partialFit}), or null. */
  private online: OnlineState | null = null;

  constructor(options: GaussianMixtureOptions = {}) {
    super();
    const resolved = resolveOptions(CLASS, options);
    const {onIteration, onWarning, workers, createWorker, ...serialisable} = resolved;
    this.workers = workers;
    this.createWorker = createWorker;
    this.threads = new EmThreads(createWorker);
    this.options = serialisable;
    ({
      nComponents: this.nComponents,
      covarianceType: this.covarianceType,
      variance: this.variance,
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
    const data = this.prepare(fn, X, options.sampleWeight);
    let em: EmCovariance | null = null;
    try {
      em = this.emFor(fn, data);
      const ctx = this.inMemoryContext(fn, data, em, true);
      const inits = this.initsFor();
      this.finish(fn, runProgram(ctx, this.initializationsProgram(fn, ctx, ctx, inits)), data, inits);
      return this;
    } finally {
      em?.dispose();
      data.dispose();
    }
  }

  /**
   * {@link fit} without blocking: the same EM (and, for the same data, the same result), on
   * in-memory data `X` or on a stream of batches (see {@link StreamSource}), yielding to the event
   * loop before every pass over the data so that a page stays responsive. After every iteration
   * the model holds that iteration's parameters (with `converged` false), so `onIteration` can
   * draw them (`this.means`, `this.predict(X)`); at the end, those of the best initialisation.
   *
   * A stream is read once for its size and float64 centring and scaling (and a seeded reservoir
   * sample of `initSampleSize` rows, on which `initParams` computes the start, as `fit` does on
   * its data), then once per E/M pass (an iteration takes a second pass only when a component
   * needs the exact path). Memory is bounded by the batch size, not N. With N <= initSampleSize,
   * or with `weightsInit`, `meansInit` and `precisionsInit` all given, a streamed fit equals `fit`
   * on the concatenated batches up to float32 summation order. Batches `{x, sampleWeight}` weight
   * their rows as `fit`'s `sampleWeight` does; the reservoir is uniform over rows and keeps each
   * sampled row's weight, so the start is computed with those weights (`fit`'s, for N <=
   * initSampleSize).
   *
   * `options.signal` aborts: the promise rejects with the signal's reason (an `AbortError`), no
   * tensor is leaked, and the model is left at its last complete iteration (or as it was before
   * the call, when no iteration had ended). A failure (a bad batch, a source that throws) leaves
   * it the same way. Workers (`workers`) run the passes of in-memory data and of streams (for a
   * stream, `'auto'` decides from the row count of the first pass; batch i goes to worker i mod
   * W, and the next batch is read while the workers work); the passes do not block, and an abort
   * or a failure mid-pass ends every worker.
   *
   * @param X data [N, D], or a stream source (whose batches carry their own sample weights, if
   *   any: `options.sampleWeight` is for in-memory data).
   * @returns this, once the fit has ended.
   */
  async fitAsync(X: TensorInput | StreamSource, options: FitAsyncOptions = {}): Promise<this> {
    const fn = `${CLASS}.fitAsync`;
    assertKnownKeys(fn, 'options', options, FIT_ASYNC_OPTION_KEYS);
    const guard = new AsyncGuard(fn, options.signal);
    try {
      await guard.pause();
      if (isStreamSource(X)) await this.fitStream(fn, X, options, guard);
      else await this.fitInMemoryAsync(fn, X, options, guard);
      return this;
    } finally {
      guard.dispose();
    }
  }

  private async fitInMemoryAsync(
    fn: string,
    X: TensorInput,
    options: FitAsyncOptions,
    guard: AsyncGuard,
  ): Promise<void> {
    if (options.initSampleSize !== undefined)
      fail(fn, 'options.initSampleSize applies to streams only, but X is in-memory data');
    const data = this.prepare(fn, X, options.sampleWeight);
    let em: EmCovariance | null = null;
    try {
      em = this.emFor(fn, data);
      const ctx = this.inMemoryContext(fn, data, em, false);
      const inits = this.initsFor();
      const best = await runProgramAsync(
        this.initializationsProgram(fn, ctx, ctx, inits),
        async (call) =>
          call.remote ? this.awaitWorkers(guard, call.remote.runAsync(call.request)) : runPassCall(ctx, call),
        guard,
        (end) => this.showIteration(end, data),
      );
      this.finish(fn, best, data, inits);
    } finally {
      em?.dispose();
      data.dispose();
    }
  }

  private async fitStream(
    fn: string,
    source: StreamSource,
    options: FitAsyncOptions,
    guard: AsyncGuard,
  ): Promise<void> {
    if (options.sampleWeight !== undefined)
      fail(
        fn,
        'options.sampleWeight applies to in-memory data, but X is a stream source (its batches carry their weights: {x, sampleWeight})',
      );
    const sampleSize = options.initSampleSize ?? DEFAULT_INIT_SAMPLE_SIZE;
    assertInteger(fn, 'options.initSampleSize', sampleSize, this.nComponents);
    const scan = await scanStream(fn, source, sampleSize, this.seed, guard);
    const K = this.nComponents;
    if (scan.N < K) fail(fn, `the source must yield at least nComponents = ${K} rows, but it yielded ${scan.N}`);
    if (scan.positiveRows < K)
      fail(
        fn,
        `the source's sample weights must have at least nComponents = ${K} positive entries, but got ${scan.positiveRows}`,
      );
    const samplePositive = scan.sampleWeights?.reduce((c, w) => c + (w > 0 ? 1 : 0), 0) ?? scan.sampleRows;
    if (samplePositive < K)
      fail(
        fn,
        `the initialisation sample must hold at least nComponents = ${K} rows of positive weight, but its ${scan.sampleRows} rows hold ${samplePositive}; increase options.initSampleSize (now ${sampleSize})`,
      );
    const summary = streamSummaryData(scan);
    const sample = tf.tensor2d(scan.sample, [scan.sampleRows, scan.D]);
    let startData: EmData | null = null;
    let em: EmCovariance | null = null;
    try {
      startData = prepareData(fn, 'X', sample, scan.sampleWeights, this.batchSizeOf(), scan.transform);
      em = this.emFor(fn, summary);
      const ctx = createContext(fn, summary, em, this.regCovar);
      const inits = this.initsFor();
      const chunkSize = this.batchSizeOf()(scan.D);
      // With workers, the stream's context gets their passes (which the driver awaits).
      const pool = this.threads.streamPool(fn, this.workers, scan.N, scan.D, K, scan.batches);
      if (pool) ctx.parallel = await streamWorkerPasses(fn, pool, source, ctx, scan.weighted, chunkSize, guard);
      const best = await runProgramAsync(
        this.initializationsProgram(fn, ctx, createContext(fn, startData, em, this.regCovar), inits),
        pool
          ? (call) => this.awaitWorkers(guard, call.remote!.runAsync(call.request))
          : streamPassRunner(fn, source, ctx, scan.weighted, chunkSize, guard),
        guard,
        (end) => this.showIteration(end, summary),
      );
      this.finish(fn, best, summary, inits);
    } finally {
      em?.dispose();
      startData?.dispose();
      sample.dispose();
      summary.dispose();
    }
  }

  /**
   * A pass of the workers, or a rejection as soon as the abort signal fires; an abort or a failure
   * ends every worker (they may be mid-pass; the next fit starts new ones).
   */
  private async awaitWorkers<T>(guard: AsyncGuard, pass: Promise<T>): Promise<T> {
    try {
      return await guard.race(pass);
    } catch (e) {
      this.threads.end();
      throw e;
    }
  }

  /**
   * The context of in-memory data, with the workers when `workers` asks for them; `blocking`:
   * for `fit`, which waits for them synchronously.
   */
  private inMemoryContext(fn: string, data: EmData, em: EmCovariance, blocking: boolean): EmContext {
    const ctx = createContext(fn, data, em, this.regCovar);
    ctx.parallel = this.threads.passes(fn, this.workers, ctx, this.batchSizeOf()(data.D), blocking);
    return ctx;
  }

  /** Rows per chunk: the option, or the automatic size for the covariance type. */
  private batchSizeOf(): (D: number) => number {
    return (D: number) => this.batchSize ?? autoBatchSize(featureWidth(this.covarianceType, D));
  }

  private prepare(fn: string, X: TensorInput, sampleWeight: TensorInput | undefined): EmData {
    const data = prepareData(fn, 'X', X, sampleWeight, this.batchSizeOf());
    try {
      this.checkData(fn, data);
    } catch (e) {
      data.dispose();
      throw e;
    }
    if (data.resolutionWarning) this.onWarning(data.resolutionWarning);
    return data;
  }

  /** The EM behaviour for the data (checking D against the fitted model when warm-starting). */
  private emFor(fn: string, data: EmData): EmCovariance {
    if (this.warmStart && this.fitted !== null && this.fitted.nFeatures !== data.D) {
      const D = this.fitted.nFeatures;
      fail(fn, `X must have shape [N, ${D}] to warm-start the fitted model (D = ${D}), but got [${data.N}, ${data.D}]`);
    }
    return createEmCovariance(this.covarianceType, this.nComponents, data.D, fn, this.variance ?? undefined);
  }

  private initsFor(): number {
    return this.warmStart && this.fitted !== null ? 1 : this.nInit;
  }

  /** Shows the state after an iteration as the model's parameters (fitAsync). */
  private showIteration(end: IterationEnd, data: EmData): void {
    this.setFitted(
      fromScaledState(data.transform, end.state),
      data.D,
      {converged: false, nIter: end.iteration, lowerBound: end.lowerBound, lowerBounds: end.lowerBounds},
      dataSpaceMeans(data.transform, end.state),
    );
  }

  /** Takes the best initialisation's result as the fitted model (and warns when it did not converge). */
  private finish(fn: string, best: LoopResult, data: EmData, inits: number): void {
    const params = fromScaledState(data.transform, best.state);
    const meanValues = dataSpaceMeans(data.transform, best.state);
    disposeState(best.state);
    const lowerBound = this.maxIter === 0 ? -Infinity : best.lowerBound;
    this.online = null;
    this.setFitted(
      params,
      data.D,
      {converged: best.converged, nIter: best.nIter, lowerBound, lowerBounds: best.lowerBounds},
      meanValues,
    );
    if (!best.converged && this.maxIter > 0) {
      this.onWarning(
        `${fn}: the best of ${inits} initialisation(s) did not converge within maxIter = ${this.maxIter} iterations ` +
          `(last change of the lower bound ${changeOf(best.lowerBounds)}, tol = ${this.tol}); increase maxIter or tol, ` +
          'try other initialisations, or check for degenerate data',
      );
    }
  }

  /**
   * Runs EM from `inits` starts and keeps the one with the largest lower bound (the caller owns
   * its state). `ctx` is the data EM runs on, `startCtx` the data the initialisation uses (the
   * same, or a stream's sample).
   */
  private *initializationsProgram(
    fn: string,
    ctx: EmContext,
    startCtx: EmContext,
    inits: number,
  ): EmProgram<LoopResult> {
    const warm = this.warmStart && this.fitted !== null;
    const startLowerBound = warm ? this.fitted!.lowerBound : -Infinity;
    const warmStart = warm ? this.warmState(ctx) : null;
    const rng = new SeededRandom(this.seed);
    let best: LoopResult | null = null;
    try {
      for (let init = 0; init < inits; init++) {
        const start = warmStart ?? userStart(fn, startCtx, rng, this.options);
        const result = yield* emProgram(ctx, start, {
          maxIter: this.maxIter,
          tol: this.tol,
          onIteration: this.onIteration,
          init,
          startLowerBound,
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
   * Online (stepwise) EM, Cappé and Moulines (2009) / Liang and Klein (2009): updates the model
   * with one batch. The batch's E-step statistics (per row) enter running averages with the step
   * size gamma_t = (t + learningOffset)^-learningDecay at the t-th batch, and the M-step of the
   * running statistics runs after every `mStepEvery` batches. The first call initialises from its
   * batch (`initParams` or the `*Init` options, as `fit` does; or from the current parameters
   * when the model was fitted before) and fixes the float64 centring and scaling of the stream.
   * `nIter` counts the batches, `lowerBound` is the last batch's mean log-likelihood before its
   * update, `converged` is false. `toJSON` carries the running state, so that `fromJSON` resumes
   * the stream; `fit` and `fitAsync` discard it.
   *
   * @param X a batch [B, D] (the first one with B >= nComponents).
   * @returns this.
   */
  partialFit(X: TensorInput, options: PartialFitOptions = {}): this {
    const fn = `${CLASS}.partialFit`;
    assertKnownKeys(fn, 'options', options, PARTIAL_FIT_OPTION_KEYS);
    const steps = readOnlineStepOptions(fn, options);
    const previous = this.online;
    const transform = previous ? transformOf(previous) : undefined;
    const data = prepareData(fn, 'X', X, options.sampleWeight, this.batchSizeOf(), transform);
    let em: EmCovariance | null = null;
    let current: ScaledState | null = null;
    try {
      const fitted = this.fitted;
      if (fitted && fitted.nFeatures !== data.D)
        fail(fn, `X must have shape [B, ${fitted.nFeatures}] (D seen before), but got [${data.N}, ${data.D}]`);
      if (!fitted) this.checkData(fn, data);
      em = createEmCovariance(this.covarianceType, this.nComponents, data.D, fn, this.variance ?? undefined);
      if (fitted) {
        const p = fitted.store.parameters();
        current = toScaledState(
          this.covarianceType,
          data.transform,
          p.weights,
          p.means,
          p.precisionsCholesky,
          fitted.store.meanValues,
        );
      } else {
        const ctx = createContext(fn, data, em, this.regCovar);
        current = userStart(fn, ctx, new SeededRandom(this.seed), this.options);
      }
      const update = onlineUpdate(fn, data, em, this.regCovar, current, previous, steps);
      if (update.state) {
        const params = fromScaledState(data.transform, update.state);
        const meanValues = dataSpaceMeans(data.transform, update.state);
        disposeState(update.state);
        this.setFitted(
          params,
          data.D,
          {converged: false, nIter: update.online.steps, lowerBound: update.logLikelihood, lowerBounds: []},
          meanValues,
        );
      }
      this.online = update.online;
      return this;
    } finally {
      disposeState(current);
      em?.dispose();
      data.dispose();
    }
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
    const {store} = this.fitted!;
    const p = store.parameters();
    return toScaledState(
      this.covarianceType,
      ctx.data.transform,
      p.weights,
      p.means,
      p.precisionsCholesky,
      store.meanValues,
    );
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

  /**
   * The options and fitted parameters as plain JSON (see {@link GaussianMixture.fromJSON}),
   * with the online EM state after {@link partialFit}.
   */
  toJSON(): GaussianMixtureJSON {
    const f = this.fitted;
    const json = gaussianMixtureJSON(
      this.options,
      f === null
        ? null
        : {
            nFeatures: f.nFeatures,
            arrays: {
              weights: f.store.tensor('weights').arraySync() as number[],
              means: rowsOf(f.store.meanValues, f.nFeatures),
              covariances: f.store.tensor('covariances').arraySync() as NestedNumbers,
              precisionsCholesky: f.store.tensor('precisionsCholesky').arraySync() as NestedNumbers,
            },
            diagnostics: f,
          },
    );
    if (json.fitted && this.online) json.fitted.online = JSON.parse(JSON.stringify(this.online)) as OnlineState;
    return json;
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
    return this.threads.logProb(
      fn,
      this.workers,
      values,
      N,
      D,
      parameters,
      this.covarianceType,
      this.batchSize,
      this.nComponents,
    );
  }

  /** Releases the fitted parameters and ends the worker threads; the model can be fitted again. */
  override dispose(): void {
    super.dispose();
    this.online = null;
    this.threads.end();
  }

  /** Number of workers running (0 when in-thread or after {@link dispose}). */
  get runningWorkers(): number {
    return this.threads.running;
  }

  /** Rebuilds an estimator (options and, if fitted, parameters) from {@link toJSON}'s output. */
  static fromJSON(
    json: GaussianMixtureJSON,
    callbacks: Pick<GaussianMixtureOptions, 'onIteration' | 'onWarning' | 'workers' | 'createWorker'> = {},
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
    if (json.fitted?.online) {
      const em = createEmCovariance(
        model.covarianceType,
        model.nComponents,
        model.nFeatures,
        fn,
        model.variance ?? undefined,
      );
      try {
        checkOnlineState(fn, json.fitted.online, em);
      } catch (e) {
        model.dispose();
        throw e;
      } finally {
        em.dispose();
      }
      model.online = JSON.parse(JSON.stringify(json.fitted.online)) as OnlineState;
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
    return sklearnJSONOf(this.covarianceType, f.nFeatures, f.store.parameters(), f.store.meanValues, f);
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
   * Sets fitted parameters (data space) after validating them (see {@link readConsistentParameters});
   * `names` are the fields named in messages.
   */
  private restore(
    fn: string,
    params: MixtureParametersInput,
    diagnostics: FitDiagnostics,
    names: FactorFieldNames & {argName?: string},
  ): void {
    const read = readConsistentParameters(fn, params, this.covarianceTypeBehaviour, this.nComponents, names);
    if (this.variance !== null) {
      const given = read.covariances.dataSync()[0];
      // A fitted constant model carries its variance through float32 scaling (about 1e-7 relative).
      if (!(Math.abs(given - this.variance) <= 1e-5 * this.variance)) {
        tf.dispose([read.weights, read.means, read.covariances, read.precisionsCholesky]);
        fail(
          fn,
          `${names.covariances} must be the fixed variance ${this.variance} (covarianceType 'constant' does not learn it), but got ${given}`,
        );
      }
    }
    this.setFitted(read, read.means.shape[1]!, diagnostics, float64Rows(params.means));
  }
}
