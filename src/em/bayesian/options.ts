/**
 * The options of `BayesianGaussianMixture` (scikit-learn's constructor arguments in camelCase),
 * their defaults and their validation. Priors that depend on the data (meanPrior,
 * degreesOfFreedomPrior, covariancePrior) are checked against it in fit (see priors.ts).
 */
import {
  TensorInput,
  assertInteger,
  assertKnownKeys,
  assertNumber,
  assertOneOf,
  fail,
  optionKeys,
  toFloatTensor,
} from '../../../ops/util/args';
import {IterationInfo} from '../engine/loop';
import {InitParams} from '../init/methods';
import {NestedNumbers, resolveEstimatorOptions} from '../options';
import {BAYESIAN_COVARIANCE_TYPES, BayesianCovarianceType} from './covariance';

/** scikit-learn's `weight_concentration_prior_type` values. */
export type WeightConcentrationPriorType = 'dirichlet_process' | 'dirichlet_distribution';

export const WEIGHT_CONCENTRATION_PRIOR_TYPES: readonly WeightConcentrationPriorType[] = [
  'dirichlet_process',
  'dirichlet_distribution',
];

/** Options of {@link BayesianGaussianMixture}, scikit-learn's constructor arguments in camelCase. */
export interface BayesianGaussianMixtureOptions {
  /** Maximum number of components K; the fit switches off the ones the data do not need (default 1). */
  nComponents?: number;
  /** 'full' (default), 'tied', 'diag' or 'spherical'. */
  covarianceType?: BayesianCovarianceType;
  /** Convergence threshold on the change of the lower bound, a total over the samples (default 1e-3). */
  tol?: number;
  /** Added to the diagonal of every component's scatter (default 1e-6). */
  regCovar?: number;
  /** Iterations per initialisation (default 100). */
  maxIter?: number;
  /** Initialisations; the one with the largest lower bound is kept (default 1). */
  nInit?: number;
  /** 'kmeans' (default), 'k-means++', 'random' or 'random_from_data': the responsibilities of the start. */
  initParams?: InitParams;
  /** 'dirichlet_process' (default: stick-breaking) or 'dirichlet_distribution'. */
  weightConcentrationPriorType?: WeightConcentrationPriorType;
  /** Dirichlet concentration of each component (> 0; default null: 1 / nComponents). */
  weightConcentrationPrior?: number | null;
  /** Precision prior of the means (> 0; default null: 1). */
  meanPrecisionPrior?: number | null;
  /** Prior of the means [D] (default null: the mean of X). */
  meanPrior?: TensorInput | null;
  /** Degrees of freedom of the Wishart prior (> D - 1; default null: D). */
  degreesOfFreedomPrior?: number | null;
  /**
   * Prior of the covariances: full and tied [D, D] (symmetric positive definite), diag [D]
   * (positive), spherical a number (> 0). Default null: the covariance of X (ddof 1), its
   * diagonal, or the mean of its diagonal.
   */
  covariancePrior?: TensorInput | number | null;
  /** Continue from the current fit on the next call of fit (default false). */
  warmStart?: boolean;
  /** Seed of every random choice (default 0: fits are reproducible). */
  seed?: number;
  /** Rows per chunk of the E- and M-step and of the scoring methods (default null: automatic). */
  batchSize?: number | null;
  /** Called after every iteration with the iteration, lower bound and its change. */
  onIteration?: (info: IterationInfo) => void;
  /** Receives warnings (non-convergence); default console.warn. */
  onWarning?: (message: string) => void;
}

export const BAYESIAN_OPTION_KEYS = optionKeys<BayesianGaussianMixtureOptions>({
  nComponents: true,
  covarianceType: true,
  tol: true,
  regCovar: true,
  maxIter: true,
  nInit: true,
  initParams: true,
  weightConcentrationPriorType: true,
  weightConcentrationPrior: true,
  meanPrecisionPrior: true,
  meanPrior: true,
  degreesOfFreedomPrior: true,
  covariancePrior: true,
  warmStart: true,
  seed: true,
  batchSize: true,
  onIteration: true,
  onWarning: true,
});

/** Options of {@link BayesianGaussianMixture.fit}. */
export interface BayesianFitOptions {
  /**
   * Responsibilities [N, K] to start from instead of `initParams` (each initialisation then
   * starts from them): one variational M-step turns them into the starting posterior, as
   * scikit-learn's `_initialize(X, resp)` does. Reproduces a scikit-learn run from its start.
   */
  initialResponsibilities?: TensorInput;
}

export const BAYESIAN_FIT_OPTION_KEYS = optionKeys<BayesianFitOptions>({initialResponsibilities: true});

/** The serialisable options with their defaults filled in (array options as nested numbers). */
export interface ResolvedBayesianOptions {
  nComponents: number;
  covarianceType: BayesianCovarianceType;
  tol: number;
  regCovar: number;
  maxIter: number;
  nInit: number;
  initParams: InitParams;
  weightConcentrationPriorType: WeightConcentrationPriorType;
  weightConcentrationPrior: number | null;
  meanPrecisionPrior: number | null;
  meanPrior: number[] | null;
  degreesOfFreedomPrior: number | null;
  covariancePrior: NestedNumbers | null;
  warmStart: boolean;
  seed: number;
  batchSize: number | null;
}

/** The callbacks, defaults filled in. */
export interface BayesianCallbacks {
  onIteration?: (info: IterationInfo) => void;
  onWarning: (message: string) => void;
}

function readNested(fn: string, value: TensorInput, name: string): NestedNumbers {
  const t = toFloatTensor(value, name, fn);
  const copy = t.arraySync() as NestedNumbers;
  if (t !== value) t.dispose();
  return copy;
}

function optionalPositive(fn: string, name: string, value: unknown): number | null {
  if (value === undefined || value === null) return null;
  assertNumber(fn, name, value, {min: 0, exclusiveMin: true});
  return value;
}

/** Validates the options and fills in the defaults. */
export function resolveBayesianOptions(
  fn: string,
  options: BayesianGaussianMixtureOptions,
): ResolvedBayesianOptions & BayesianCallbacks {
  if (options === null || typeof options !== 'object')
    fail(fn, `options must be an object, but got ${String(options)}`);
  assertKnownKeys(fn, 'options', options, BAYESIAN_OPTION_KEYS);
  const nComponents = options.nComponents ?? 1;
  assertInteger(fn, 'nComponents', nComponents, 1);
  const covarianceType = options.covarianceType ?? 'full';
  assertOneOf(fn, 'covarianceType', covarianceType, BAYESIAN_COVARIANCE_TYPES);
  const {tol, regCovar, maxIter, nInit, initParams, warmStart, seed, batchSize} = resolveEstimatorOptions(fn, options);
  const weightConcentrationPriorType = options.weightConcentrationPriorType ?? 'dirichlet_process';
  assertOneOf(fn, 'weightConcentrationPriorType', weightConcentrationPriorType, WEIGHT_CONCENTRATION_PRIOR_TYPES);
  const degreesOfFreedomPrior = options.degreesOfFreedomPrior ?? null;
  if (degreesOfFreedomPrior !== null) assertNumber(fn, 'degreesOfFreedomPrior', degreesOfFreedomPrior);
  let covariancePrior: NestedNumbers | null = null;
  if (options.covariancePrior !== undefined && options.covariancePrior !== null) {
    if (covarianceType === 'spherical') {
      if (typeof options.covariancePrior !== 'number')
        fail(
          fn,
          `covariancePrior must be a number > 0 for covarianceType 'spherical', but got ${JSON.stringify(options.covariancePrior)}`,
        );
      assertNumber(fn, 'covariancePrior', options.covariancePrior, {min: 0, exclusiveMin: true});
      covariancePrior = options.covariancePrior;
    } else {
      covariancePrior = readNested(fn, options.covariancePrior as TensorInput, 'covariancePrior');
    }
  }
  const meanPrior =
    options.meanPrior === undefined || options.meanPrior === null
      ? null
      : (readNested(fn, options.meanPrior, 'meanPrior') as number[]);
  return {
    nComponents,
    covarianceType,
    tol,
    regCovar,
    maxIter,
    nInit,
    initParams,
    weightConcentrationPriorType,
    weightConcentrationPrior: optionalPositive(fn, 'weightConcentrationPrior', options.weightConcentrationPrior),
    meanPrecisionPrior: optionalPositive(fn, 'meanPrecisionPrior', options.meanPrecisionPrior),
    meanPrior,
    degreesOfFreedomPrior,
    covariancePrior,
    warmStart,
    seed,
    batchSize,
    onIteration: options.onIteration,
    onWarning: options.onWarning ?? ((message: string) => console.warn(message)),
  };
}
