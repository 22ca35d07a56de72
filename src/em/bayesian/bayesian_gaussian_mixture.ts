/**
 * `BayesianGaussianMixture`: scikit-learn's variational Gaussian mixture on tfjs backends.
 */
import * as tf from '@tensorflow/tfjs-core';

import {gmmLogProbPrecisionCholesky} from '../../../ops/gmm_log_prob_precision_cholesky';
import {MixtureParametersInput} from '../../../ops/mixture_parameters';
import {FactorFieldNames, readConsistentParameters} from '../factor_consistency';
import {parseSklearnJSON} from '../sklearn_json';
import {TensorInput, assertFiniteValues, assertKnownKeys, assertNumber, fail} from '../../../ops/util/args';
import {SeededRandom} from '../../util/random';
import {createEmCovariance, featureWidth} from '../covariance/registry';
import {DataTransform, autoBatchSize, prepareData} from '../data';
import {createContext} from '../engine/context';
import {IterationInfo} from '../engine/loop';
import {InitParams} from '../init/methods';
import {MixtureModel} from '../mixture_model';
import {NestedNumbers} from '../options';
import {FittedParameters, fromScaledState} from '../parameters';
import {FitDiagnostics, checkFittedJSON} from '../serialization';
import {BayesianCovarianceType, checkCovariancePrior} from './covariance';
import {VariationalContext, VariationalLoopResult, runVariational} from './loop';
import {
  BAYESIAN_FIT_OPTION_KEYS,
  BayesianFitOptions,
  BayesianGaussianMixtureOptions,
  ResolvedBayesianOptions,
  WeightConcentrationPriorType,
  resolveBayesianOptions,
} from './options';
import {Posterior, disposePosterior, logProbOffset, weightsOf} from './posterior';
import {Priors, disposeScaledPriors, resolvePriors, scalePriors} from './priors';
import {
  BayesianGaussianMixtureJSON,
  PosteriorVectors,
  SklearnBayesianGaussianMixtureJSON,
  checkBayesianJSON,
  checkPosterior,
  fittedJSON,
} from './serialization';
import {GivenResponsibilities, freshPosterior, readResponsibilities, warmPosterior} from './start';

const CLASS = 'BayesianGaussianMixture';

/** The posterior vectors and priors of a fitted model, with the scoring offset they imply. */
interface Variational {
  posterior: PosteriorVectors;
  priors: Priors;
  /** logProbOffset + log K: added to log-softmax(0) + log N(x | mu_k, Sigma_k) when scoring. */
  scoringOffset: Float32Array;
}

/**
 * Variational Bayesian estimation of a Gaussian mixture, scikit-learn's
 * `sklearn.mixture.BayesianGaussianMixture` in camelCase: a Dirichlet process (stick-breaking)
 * or Dirichlet distribution prior on the weights and Gaussian-Wishart priors on the components,
 * so that components the data do not need end with weights near zero and `nComponents` need
 * only be an upper bound. Same options, methods and fitted attributes as scikit-learn's; the
 * E- and M-step run on the chunked engine of {@link GaussianMixture}. `predict`,
 * `predictProba`, `scoreSamples` and `score` use the variational expectations
 * E[log pi_k] + E[log N(x | mu_k, Lambda_k)], as scikit-learn does. Tensors returned by the
 * four parameter attributes are owned by the model; the posterior and prior attributes return
 * copies the caller owns.
 *
 * @example
 * const bgm = new BayesianGaussianMixture({nComponents: 10, seed: 0}).fit(X);
 * console.log(bgm.weights.arraySync(), bgm.lowerBound, bgm.converged);
 */
export class BayesianGaussianMixture extends MixtureModel {
  readonly nComponents: number;
  readonly covarianceType: BayesianCovarianceType;
  readonly tol: number;
  readonly regCovar: number;
  readonly maxIter: number;
  readonly nInit: number;
  readonly initParams: InitParams;
  readonly weightConcentrationPriorType: WeightConcentrationPriorType;
  readonly warmStart: boolean;
  readonly seed: number;
  readonly batchSize: number | null;
  onIteration?: (info: IterationInfo) => void;
  onWarning: (message: string) => void;
  protected readonly className = CLASS;
  private readonly options: ResolvedBayesianOptions;
  private variational: Variational | null = null;

  constructor(options: BayesianGaussianMixtureOptions = {}) {
    super();
    const {onIteration, onWarning, ...serialisable} = resolveBayesianOptions(CLASS, options);
    this.options = serialisable;
    ({
      nComponents: this.nComponents,
      covarianceType: this.covarianceType,
      tol: this.tol,
      regCovar: this.regCovar,
      maxIter: this.maxIter,
      nInit: this.nInit,
      initParams: this.initParams,
      weightConcentrationPriorType: this.weightConcentrationPriorType,
      warmStart: this.warmStart,
      seed: this.seed,
      batchSize: this.batchSize,
    } = serialisable);
    this.onIteration = onIteration;
    this.onWarning = onWarning;
  }

  // ---- fitting ----------------------------------------------------------------------------

  /**
   * Estimates the variational posterior: `nInit` initialisations (one when warm-starting a
   * fitted model), each iterated until the lower bound changes by less than `tol` or for
   * `maxIter` iterations; the initialisation with the largest lower bound is kept. The priors are
   * resolved from X on every call, as scikit-learn does.
   *
   * @param X data [N, D] with N >= nComponents.
   * @returns this.
   */
  fit(X: TensorInput, options: BayesianFitOptions = {}): this {
    const fn = `${CLASS}.fit`;
    assertKnownKeys(fn, 'options', options, BAYESIAN_FIT_OPTION_KEYS);
    const width = (D: number) => autoBatchSize(featureWidth(this.covarianceType, D));
    const data = prepareData(fn, 'X', X, null, this.batchSize ?? width);
    let em: ReturnType<typeof createEmCovariance> | null = null;
    let vc: VariationalContext | null = null;
    try {
      const K = this.nComponents;
      if (data.N < K)
        fail(fn, `X must have at least nComponents = ${K} samples, but got ${data.N} (shape [${data.N}, ${data.D}])`);
      const warm = this.warmStart && this.fitted !== null;
      if (warm && this.fitted!.nFeatures !== data.D) {
        const D = this.fitted!.nFeatures;
        fail(
          fn,
          `X must have shape [N, ${D}] to warm-start the fitted model (D = ${D}), but got [${data.N}, ${data.D}]`,
        );
      }
      const priors = resolvePriors(fn, this.options, data);
      em = createEmCovariance(this.covarianceType, K, data.D, fn);
      vc = {
        ctx: createContext(fn, data, em, this.regCovar),
        type: this.covarianceType,
        priorType: this.weightConcentrationPriorType,
        priors: scalePriors(priors, data),
      };
      const given =
        options.initialResponsibilities === undefined
          ? null
          : readResponsibilities(fn, options.initialResponsibilities, data, K);
      const inits = warm ? 1 : this.nInit;
      const best = this.bestOfInitializations(vc, inits, warm, given);
      this.setPosterior(data.transform, best, priors);
      if (!best.converged && this.maxIter > 0) {
        const last = best.lowerBounds.slice(-2);
        const change = last.length === 2 ? (last[1] - last[0]).toPrecision(3) : 'n/a';
        this.onWarning(
          `${fn}: the best of ${inits} initialisation(s) did not converge within maxIter = ${this.maxIter} iterations ` +
            `(last change of the lower bound ${change}, tol = ${this.tol}); increase maxIter or tol, ` +
            'try other initialisations, or check for degenerate data',
        );
      }
      return this;
    } finally {
      if (vc) disposeScaledPriors(vc.priors);
      em?.dispose();
      data.dispose();
    }
  }

  /** Runs `inits` starts and keeps the one with the largest lower bound (the caller owns its posterior). */
  private bestOfInitializations(
    vc: VariationalContext,
    inits: number,
    warm: boolean,
    given: GivenResponsibilities | null,
  ): VariationalLoopResult {
    const rng = new SeededRandom(this.seed);
    let best: VariationalLoopResult | null = null;
    try {
      for (let init = 0; init < inits; init++) {
        const start = warm
          ? warmPosterior(
              this.covarianceType,
              vc.ctx.data,
              this.fitted!.store.parameters(),
              this.variational!.posterior,
            )
          : freshPosterior(vc, this.initParams, given, rng);
        const result = runVariational(vc, start, {
          maxIter: this.maxIter,
          tol: this.tol,
          onIteration: this.onIteration,
          init,
          startLowerBound: warm ? this.fitted!.lowerBound : -Infinity,
        });
        // scikit-learn: keep the largest lower bound (with maxIter = 0, the last initialisation).
        if (best === null || this.maxIter === 0 || result.lowerBound > best.lowerBound) {
          if (best) disposePosterior(best.posterior);
          best = result;
        } else {
          disposePosterior(result.posterior);
        }
      }
    } catch (e) {
      if (best) disposePosterior(best.posterior);
      throw e;
    }
    return best!;
  }

  /** Takes ownership of a fit's posterior (scaled space) and stores it in the data space. */
  private setPosterior(transform: DataTransform, best: VariationalLoopResult, priors: Priors): void {
    const p: Posterior = best.posterior;
    try {
      const weights = tf.tensor1d(
        Float32Array.from(weightsOf(this.weightConcentrationPriorType, p.weightConcentration)),
      );
      const params = fromScaledState(transform, {
        weights,
        means: p.means,
        covariances: p.covariances,
        precisionsCholesky: p.precisionsCholesky,
      });
      weights.dispose();
      const vectors: PosteriorVectors = {
        weightConcentration: p.weightConcentration.map((v) => Array.from(v)),
        meanPrecision: Array.from(p.meanPrecision),
        degreesOfFreedom: Array.from(p.degreesOfFreedom),
      };
      this.store(params, transform.center.length, vectors, priors, {
        converged: best.converged,
        nIter: best.nIter,
        lowerBound: this.maxIter === 0 ? -Infinity : best.lowerBound,
        lowerBounds: best.lowerBounds,
      });
    } finally {
      disposePosterior(p);
    }
  }

  private store(
    params: FittedParameters,
    nFeatures: number,
    posterior: PosteriorVectors,
    priors: Priors,
    diagnostics: FitDiagnostics,
  ): void {
    const K = this.nComponents;
    const offset = logProbOffset(
      this.weightConcentrationPriorType,
      {
        weightConcentration: posterior.weightConcentration.map((v) => Float64Array.from(v)),
        meanPrecision: Float64Array.from(posterior.meanPrecision),
        degreesOfFreedom: Float64Array.from(posterior.degreesOfFreedom),
      },
      nFeatures,
    );
    this.setFitted(params, nFeatures, diagnostics);
    this.variational = {posterior, priors, scoringOffset: Float32Array.from(offset, (c) => c + Math.log(K))};
  }

  /**
   * Fits the model and returns the label of every sample under the fitted posterior
   * (int32 [N], owned by the caller), as `fit(X).predict(X)`.
   */
  fitPredict(X: TensorInput, options: BayesianFitOptions = {}): tf.Tensor1D {
    assertKnownKeys(`${CLASS}.fitPredict`, 'options', options, BAYESIAN_FIT_OPTION_KEYS);
    return this.fit(X, options).predict(X);
  }

  /** E[log pi_k] + E[log N(x | mu_k, Lambda_k)] (scikit-learn's `_estimate_weighted_log_prob`). */
  protected override componentLogProb(x: tf.Tensor2D, p: FittedParameters, components: number[] | null): tf.Tensor2D {
    const all = this.variational!.scoringOffset;
    const offset = components ? Float64Array.from(components, (k) => all[k]) : all;
    const K = offset.length;
    // log-softmax of zero logits is -log K, which the offset adds back (with K of this call).
    const gauss = gmmLogProbPrecisionCholesky(x, tf.zeros([K]), p.means, p.precisionsCholesky, this.covarianceType);
    return tf.add(
      gauss,
      tf.tensor2d(
        Float32Array.from(offset, (v) => v - Math.log(this.nComponents / K)),
        [1, K],
      ),
    ) as tf.Tensor2D;
  }

  // ---- attributes -------------------------------------------------------------------------

  private requireVariational(name: string): Variational {
    this.require(name);
    return this.variational!;
  }

  /**
   * scikit-learn's `lower_bound_` of this estimator: its variational lower bound with the
   * constant terms dropped, a total over the samples (not per sample), of the best
   * initialisation (-Infinity when maxIter is 0).
   */
  override get lowerBound(): number {
    return super.lowerBound;
  }

  /**
   * Posterior concentration of the weights (`weight_concentration_`): dirichlet_process [2, K],
   * the Beta parameters of the sticks (scikit-learn's two arrays); dirichlet_distribution [K].
   * A copy owned by the caller.
   */
  get weightConcentration(): tf.Tensor {
    const wc = this.requireVariational('weightConcentration').posterior.weightConcentration;
    return wc.length === 1 ? tf.tensor1d(wc[0]) : tf.tensor2d(wc);
  }

  /** Posterior precisions of the means (`mean_precision_`), [K]. A copy owned by the caller. */
  get meanPrecision(): tf.Tensor1D {
    return tf.tensor1d(this.requireVariational('meanPrecision').posterior.meanPrecision);
  }

  /**
   * Posterior degrees of freedom of the Wisharts (`degrees_of_freedom_`), [K]; tied shares one
   * value (scikit-learn's scalar), repeated. A copy owned by the caller.
   */
  get degreesOfFreedom(): tf.Tensor1D {
    return tf.tensor1d(this.requireVariational('degreesOfFreedom').posterior.degreesOfFreedom);
  }

  /** The resolved prior concentration of the weights (`weight_concentration_prior_`). */
  get weightConcentrationPrior(): number {
    return this.requireVariational('weightConcentrationPrior').priors.weightConcentrationPrior;
  }

  /** The resolved precision prior of the means (`mean_precision_prior_`). */
  get meanPrecisionPrior(): number {
    return this.requireVariational('meanPrecisionPrior').priors.meanPrecisionPrior;
  }

  /** The resolved prior of the means (`mean_prior_`), [D]. A copy owned by the caller. */
  get meanPrior(): tf.Tensor1D {
    return tf.tensor1d(this.requireVariational('meanPrior').priors.meanPrior);
  }

  /** The resolved degrees of freedom of the Wishart prior (`degrees_of_freedom_prior_`). */
  get degreesOfFreedomPrior(): number {
    return this.requireVariational('degreesOfFreedomPrior').priors.degreesOfFreedomPrior;
  }

  /**
   * The resolved covariance prior (`covariance_prior_`): full and tied [D, D], diag [D],
   * spherical a scalar tensor. A copy owned by the caller.
   */
  get covariancePrior(): tf.Tensor {
    return tf.tensor(this.requireVariational('covariancePrior').priors.covariancePrior as number[]);
  }

  override dispose(): void {
    super.dispose();
    this.variational = null;
  }

  // ---- serialisation ----------------------------------------------------------------------

  /** The options and (when fitted) parameters, posterior and priors as plain JSON (see {@link fromJSON}). */
  toJSON(): BayesianGaussianMixtureJSON {
    const f = this.fitted;
    const v = this.variational;
    return {
      format: 'tfjs-gmm/BayesianGaussianMixture',
      version: 1,
      options: structuredClone(this.options),
      fitted:
        f === null || v === null
          ? null
          : fittedJSON(
              f.nFeatures,
              {
                weights: f.store.tensor('weights').arraySync() as number[],
                means: f.store.tensor('means').arraySync() as number[][],
                covariances: f.store.tensor('covariances').arraySync() as NestedNumbers,
                precisionsCholesky: f.store.tensor('precisionsCholesky').arraySync() as NestedNumbers,
              },
              v.posterior,
              v.priors,
              f,
            ),
    };
  }

  /** Rebuilds an estimator (options and, if fitted, its posterior) from {@link toJSON}'s output. */
  static fromJSON(
    json: BayesianGaussianMixtureJSON,
    callbacks: Pick<BayesianGaussianMixtureOptions, 'onIteration' | 'onWarning'> = {},
  ): BayesianGaussianMixture {
    const fn = `${CLASS}.fromJSON`;
    checkBayesianJSON(fn, json);
    const model = new BayesianGaussianMixture({...json.options, ...callbacks});
    const f = json.fitted;
    if (f !== null && f !== undefined) {
      checkFittedJSON(fn, f, model.covarianceTypeBehaviour, model.nComponents);
      model.restore(
        fn,
        f,
        f,
        f.priors,
        {
          converged: f.converged,
          nIter: f.nIter,
          lowerBound: f.lowerBound ?? -Infinity,
          lowerBounds: f.lowerBounds ?? [],
        },
        {
          weightConcentration: 'json.fitted.weightConcentration',
          meanPrecision: 'json.fitted.meanPrecision',
          degreesOfFreedom: 'json.fitted.degreesOfFreedom',
          covariances: 'json.fitted.covariances',
          precisionsCholesky: 'json.fitted.precisionsCholesky',
        },
      );
    }
    return model;
  }

  /**
   * scikit-learn's fitted attributes (`weights_`, `means_`, `covariances_`,
   * `precisions_cholesky_`, `weight_concentration_`, `mean_precision_`, `degrees_of_freedom_`,
   * the resolved priors `*_prior_`, ...) as JSON by their Python names.
   */
  toSklearnJSON(): SklearnBayesianGaussianMixtureJSON {
    const f = this.require('toSklearnJSON');
    const v = this.variational!;
    const p = f.store.parameters();
    const precisions = tf.tidy(() => this.covarianceTypeBehaviour.precisionFromPrecisionCholesky(p.precisionsCholesky));
    const wc = v.posterior.weightConcentration;
    const json: SklearnBayesianGaussianMixtureJSON = {
      covariance_type: this.covarianceType,
      weight_concentration_prior_type: this.weightConcentrationPriorType,
      n_components: this.nComponents,
      n_features_in_: f.nFeatures,
      weights_: p.weights.arraySync() as number[],
      means_: p.means.arraySync() as number[][],
      covariances_: p.covariances.arraySync() as NestedNumbers,
      precisions_cholesky_: p.precisionsCholesky.arraySync() as NestedNumbers,
      precisions_: precisions.arraySync() as NestedNumbers,
      weight_concentration_: wc.length === 1 ? wc[0].slice() : wc.map((row) => row.slice()),
      mean_precision_: v.posterior.meanPrecision.slice(),
      degrees_of_freedom_:
        this.covarianceType === 'tied' ? v.posterior.degreesOfFreedom[0] : v.posterior.degreesOfFreedom.slice(),
      weight_concentration_prior_: v.priors.weightConcentrationPrior,
      mean_precision_prior_: v.priors.meanPrecisionPrior,
      mean_prior_: v.priors.meanPrior.slice(),
      degrees_of_freedom_prior_: v.priors.degreesOfFreedomPrior,
      covariance_prior_: structuredClone(v.priors.covariancePrior),
      converged_: f.converged,
      n_iter_: f.nIter,
      lower_bound_: Number.isFinite(f.lowerBound) ? f.lowerBound : null,
    };
    precisions.dispose();
    return json;
  }

  /**
   * A fitted estimator from scikit-learn's fitted attributes (see {@link toSklearnJSON}): needs
   * `covariance_type`, `weight_concentration_prior_type`, `weights_`, `means_`, `covariances_`
   * and/or `precisions_cholesky_`, the posterior (`weight_concentration_`, `mean_precision_`,
   * `degrees_of_freedom_`) and the resolved priors. `options` sets the other options.
   */
  static fromSklearnJSON(
    json: SklearnBayesianGaussianMixtureJSON,
    options: Omit<
      BayesianGaussianMixtureOptions,
      'nComponents' | 'covarianceType' | 'weightConcentrationPriorType'
    > = {},
  ): BayesianGaussianMixture {
    const fn = `${CLASS}.fromSklearnJSON`;
    // The fields GaussianMixture's documents share: types, ranges, shapes against K and D.
    const parsed = parseSklearnJSON(fn, json);
    const K = parsed.nComponents;
    const model = new BayesianGaussianMixture({
      ...options,
      nComponents: K,
      covarianceType: json.covariance_type,
      weightConcentrationPriorType: json.weight_concentration_prior_type,
    });
    const wc = json.weight_concentration_;
    const dof = json.degrees_of_freedom_;
    model.restore(
      fn,
      {
        weights: parsed.weights,
        means: parsed.means,
        covariances: parsed.covariances ?? undefined,
        precisionsCholesky: parsed.precisionsCholesky ?? undefined,
      } as MixtureParametersInput,
      {
        weightConcentration: (Array.isArray(wc) && Array.isArray(wc[0]) ? wc : [wc]) as number[][],
        meanPrecision: json.mean_precision_,
        degreesOfFreedom: typeof dof === 'number' ? new Array<number>(K).fill(dof) : dof,
      },
      {
        weightConcentrationPrior: json.weight_concentration_prior_,
        meanPrecisionPrior: json.mean_precision_prior_,
        meanPrior: json.mean_prior_,
        degreesOfFreedomPrior: json.degrees_of_freedom_prior_,
        covariancePrior: json.covariance_prior_,
      },
      {converged: parsed.converged, nIter: parsed.nIter, lowerBound: parsed.lowerBound, lowerBounds: []},
      {
        weightConcentration: 'json.weight_concentration_',
        meanPrecision: 'json.mean_precision_',
        degreesOfFreedom: 'json.degrees_of_freedom_',
        covariances: 'json.covariances_',
        precisionsCholesky: 'json.precisions_cholesky_',
      },
      'json.',
    );
    return model;
  }

  /**
   * Sets a fitted state after validating parameters (with the consistency of covariances and
   * factors), posterior and priors.
   */
  private restore(
    fn: string,
    params: MixtureParametersInput,
    posterior: PosteriorVectors,
    priors: Priors,
    diagnostics: FitDiagnostics,
    names: Parameters<typeof checkPosterior>[1] & FactorFieldNames,
    priorPrefix = 'json.fitted.priors.',
  ): void {
    const read = readConsistentParameters(fn, params, this.covarianceTypeBehaviour, this.nComponents, names);
    try {
      const D = read.means.shape[1]!;
      const vectors = checkPosterior(fn, names, this.weightConcentrationPriorType, posterior, this.nComponents, D);
      const checked = checkPriors(fn, priorPrefix, this.covarianceType, priors, D);
      this.store(read, D, vectors, checked, diagnostics);
    } catch (e) {
      tf.dispose(Object.values(read));
      throw e;
    }
  }
}

/** Validates imported priors against D. */
function checkPriors(fn: string, prefix: string, type: BayesianCovarianceType, priors: Priors, D: number): Priors {
  if (priors === null || typeof priors !== 'object') fail(fn, `${prefix.slice(0, -1)} must be an object`);
  const name = (n: string) =>
    prefix === 'json.' ? `json.${n.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase())}_` : prefix + n;
  assertNumber(fn, name('weightConcentrationPrior'), priors.weightConcentrationPrior, {min: 0, exclusiveMin: true});
  assertNumber(fn, name('meanPrecisionPrior'), priors.meanPrecisionPrior, {min: 0, exclusiveMin: true});
  assertNumber(fn, name('degreesOfFreedomPrior'), priors.degreesOfFreedomPrior, {min: D - 1, exclusiveMin: true});
  if (!Array.isArray(priors.meanPrior) || priors.meanPrior.length !== D)
    fail(fn, `${name('meanPrior')} must be an array of D = ${D} numbers, but got ${JSON.stringify(priors.meanPrior)}`);
  assertFiniteValues(fn, name('meanPrior'), priors.meanPrior);
  tf.tidy(() => checkCovariancePrior(fn, type, tf.tensor(priors.covariancePrior as number[]), D));
  return structuredClone(priors);
}
