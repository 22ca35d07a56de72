/**
 * The JSON forms of a `BayesianGaussianMixture`: tfjs-gmm's own (options and, when fitted,
 * parameters, posterior, priors and diagnostics) and scikit-learn's fitted attributes by their
 * Python names, with the checks of the posterior both imports share.
 */
import {fail} from '../../../ops/util/args';
import {NestedNumbers} from '../options';
import {FitDiagnostics} from '../serialization';
import {BayesianCovarianceType} from './covariance';
import {ResolvedBayesianOptions, WeightConcentrationPriorType} from './options';
import {Priors} from './priors';

export const BAYESIAN_FORMAT = 'tfjs-gmm/BayesianGaussianMixture';

/** The posterior's K-vectors on the host. */
export interface PosteriorVectors {
  /** dirichlet_process: [a, b]; dirichlet_distribution: [alpha]. */
  weightConcentration: number[][];
  meanPrecision: number[];
  /** [K] (tied: K copies of the shared value). */
  degreesOfFreedom: number[];
}

/** Serialised estimator (see `BayesianGaussianMixture.toJSON`). */
export interface BayesianGaussianMixtureJSON {
  format: typeof BAYESIAN_FORMAT;
  version: 1;
  options: ResolvedBayesianOptions;
  fitted: null | BayesianFittedJSON;
}

/** The fitted part of {@link BayesianGaussianMixtureJSON}. */
export interface BayesianFittedJSON extends PosteriorVectors {
  nFeatures: number;
  weights: number[];
  means: number[][];
  covariances: NestedNumbers;
  precisionsCholesky: NestedNumbers;
  priors: Priors;
  converged: boolean;
  nIter: number;
  /** null stands for -Infinity (maxIter = 0). */
  lowerBound: number | null;
  lowerBounds: number[];
}

/** scikit-learn's fitted attributes of `BayesianGaussianMixture`, by their Python names. */
export interface SklearnBayesianGaussianMixtureJSON {
  covariance_type: BayesianCovarianceType;
  weight_concentration_prior_type: WeightConcentrationPriorType;
  n_components?: number;
  n_features_in_?: number;
  weights_: number[];
  means_: number[][];
  /** At least one of covariances_ and precisions_cholesky_ is required on import. */
  covariances_?: NestedNumbers;
  precisions_cholesky_?: NestedNumbers;
  /** Exported for completeness; ignored on import. */
  precisions_?: NestedNumbers;
  /** dirichlet_process: the tuple of two arrays as [[...], [...]]; dirichlet_distribution: [K]. */
  weight_concentration_: number[] | number[][];
  mean_precision_: number[];
  /** [K]; a number for tied (scikit-learn's shape). */
  degrees_of_freedom_: number[] | number;
  weight_concentration_prior_: number;
  mean_precision_prior_: number;
  mean_prior_: number[];
  degrees_of_freedom_prior_: number;
  covariance_prior_: NestedNumbers;
  converged_?: boolean;
  n_iter_?: number;
  lower_bound_?: number | null;
}

/** The fitted document of a model. */
export function fittedJSON(
  nFeatures: number,
  arrays: Pick<BayesianFittedJSON, 'weights' | 'means' | 'covariances' | 'precisionsCholesky'>,
  posterior: PosteriorVectors,
  priors: Priors,
  diagnostics: FitDiagnostics,
): BayesianFittedJSON {
  return {
    nFeatures,
    ...arrays,
    weightConcentration: posterior.weightConcentration.map((v) => v.slice()),
    meanPrecision: posterior.meanPrecision.slice(),
    degreesOfFreedom: posterior.degreesOfFreedom.slice(),
    priors: structuredClone(priors),
    converged: diagnostics.converged,
    nIter: diagnostics.nIter,
    lowerBound: Number.isFinite(diagnostics.lowerBound) ? diagnostics.lowerBound : null,
    lowerBounds: diagnostics.lowerBounds.slice(),
  };
}

/** Checks the envelope of a document (parameters are validated when they are loaded). */
export function checkBayesianJSON(fn: string, json: BayesianGaussianMixtureJSON): void {
  if (json === null || typeof json !== 'object' || json.format !== BAYESIAN_FORMAT) {
    const format = (json as {format?: unknown} | null)?.format;
    fail(
      fn,
      `json must be the output of BayesianGaussianMixture.toJSON() (format '${BAYESIAN_FORMAT}'), but got format ${JSON.stringify(format)}`,
    );
  }
  if (json.version !== 1) fail(fn, `json.version must be 1, but got ${JSON.stringify(json.version)}`);
}

function positiveVector(fn: string, name: string, value: unknown, K: number, min = 0): number[] {
  const valid = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > min;
  if (!Array.isArray(value) || value.length !== K || !value.every(valid))
    fail(fn, `${name} must be an array of ${K} finite numbers > ${min}, but got ${JSON.stringify(value)}`);
  return value as number[];
}

/** Validates the posterior vectors of K components and D features (`names`: how the document calls them). */
export function checkPosterior(
  fn: string,
  names: {weightConcentration: string; meanPrecision: string; degreesOfFreedom: string},
  priorType: WeightConcentrationPriorType,
  posterior: PosteriorVectors,
  K: number,
  D: number,
): PosteriorVectors {
  const wc = posterior.weightConcentration;
  const rows = priorType === 'dirichlet_process' ? 2 : 1;
  if (!Array.isArray(wc) || wc.length !== rows)
    fail(
      fn,
      `${names.weightConcentration} must hold ${rows} array(s) of ${K} numbers for '${priorType}', but got ${JSON.stringify(wc)}`,
    );
  return {
    weightConcentration: wc.map((row, i) => positiveVector(fn, `${names.weightConcentration}[${i}]`, row, K)),
    meanPrecision: positiveVector(fn, names.meanPrecision, posterior.meanPrecision, K),
    degreesOfFreedom: positiveVector(fn, names.degreesOfFreedom, posterior.degreesOfFreedom, K, D - 1),
  };
}
