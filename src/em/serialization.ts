/**
 * tfjs-gmm's own JSON format of a `GaussianMixture`: its options and, when fitted, its
 * parameters and diagnostics.
 */
import {CovarianceType, CovarianceTypeName} from '../../ops/covariance/covariance_type';
import {fail} from '../../ops/util/args';
import {InitParams} from './init/methods';
import type {OnlineState} from './online/online_em';
import {
  assertBoolean,
  assertInteger,
  assertNumberArray,
  assertNumberList,
  assertNumberOrNull,
  assertObject,
} from './json_fields';
import {NestedNumbers, ResolvedGaussianMixtureOptions} from './options';

/** Serialised estimator (see `GaussianMixture.toJSON`). */
export interface GaussianMixtureJSON {
  format: 'tfjs-gmm/GaussianMixture';
  version: 1;
  options: {
    nComponents: number;
    covarianceType: CovarianceTypeName;
    /** The fixed variance, for covarianceType 'constant' only. */
    variance?: number;
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
  fitted: null | FittedJSON;
}

/** The fitted part of {@link GaussianMixtureJSON}. */
export interface FittedJSON {
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
  /** The running statistics of online EM (`partialFit`), so that a stream can resume; absent after fit. */
  online?: OnlineState;
}

/** Fit diagnostics, as a fitted model reports them. */
export interface FitDiagnostics {
  converged: boolean;
  nIter: number;
  lowerBound: number;
  lowerBounds: number[];
}

const FORMAT = 'tfjs-gmm/GaussianMixture';

/** The JSON document of a model's options and (when fitted) parameters and diagnostics. */
export function gaussianMixtureJSON(
  options: ResolvedGaussianMixtureOptions,
  fitted: null | {
    nFeatures: number;
    arrays: Pick<FittedJSON, 'weights' | 'means' | 'covariances' | 'precisionsCholesky'>;
    diagnostics: FitDiagnostics;
  },
): GaussianMixtureJSON {
  const {
    nComponents,
    covarianceType,
    variance,
    tol,
    regCovar,
    maxIter,
    nInit,
    initParams,
    weightsInit,
    meansInit,
    precisionsInit,
    warmStart,
    seed,
    batchSize,
  } = options;
  return {
    format: FORMAT,
    version: 1,
    options: {
      nComponents,
      covarianceType,
      ...(variance === null ? {} : {variance}),
      tol,
      regCovar,
      maxIter,
      nInit,
      initParams,
      weightsInit,
      meansInit,
      precisionsInit,
      warmStart,
      seed,
      batchSize,
    },
    fitted:
      fitted === null
        ? null
        : {
            nFeatures: fitted.nFeatures,
            ...fitted.arrays,
            converged: fitted.diagnostics.converged,
            nIter: fitted.diagnostics.nIter,
            lowerBound: Number.isFinite(fitted.diagnostics.lowerBound) ? fitted.diagnostics.lowerBound : null,
            lowerBounds: fitted.diagnostics.lowerBounds.slice(),
          },
  };
}

/** Checks the envelope of a document (the options and parameters are validated when they are used). */
export function checkGaussianMixtureJSON(fn: string, json: GaussianMixtureJSON): void {
  if (json === null || typeof json !== 'object' || json.format !== FORMAT) {
    const format = (json as {format?: unknown} | null)?.format;
    fail(
      fn,
      `json must be the output of GaussianMixture.toJSON() (format '${FORMAT}'), but got format ${JSON.stringify(format)}`,
    );
  }
  if (json.version !== 1) fail(fn, `json.version must be 1, but got ${JSON.stringify(json.version)}`);
}

/**
 * Checks the fitted part of a document field by field: types, ranges, and shapes against
 * `nComponents` and `nFeatures` (null cells and ragged rows included). Consistency of the
 * covariances with the factors is checked when the parameters are read.
 */
export function checkFittedJSON(fn: string, fitted: unknown, type: CovarianceType, nComponents: number): void {
  assertObject(fn, 'json.fitted', fitted);
  const f = fitted as Partial<Record<keyof FittedJSON, unknown>>;
  assertInteger(fn, 'json.fitted.nFeatures', f.nFeatures, 1);
  const D = f.nFeatures;
  assertNumberArray(fn, 'json.fitted.weights', f.weights, [nComponents], ['nComponents']);
  assertNumberArray(fn, 'json.fitted.means', f.means, [nComponents, D], ['nComponents', 'nFeatures']);
  const shape = type.parameterShape(nComponents, D);
  const dims = type.symbolicShape.map((s) => (s === 'K' ? 'nComponents' : 'nFeatures'));
  for (const name of ['covariances', 'precisionsCholesky'] as const)
    if (f[name] !== undefined && f[name] !== null) assertNumberArray(fn, `json.fitted.${name}`, f[name], shape, dims);
  assertBoolean(fn, 'json.fitted.converged', f.converged);
  assertInteger(fn, 'json.fitted.nIter', f.nIter, 0);
  assertNumberOrNull(fn, 'json.fitted.lowerBound', f.lowerBound);
  if (f.lowerBounds !== undefined) assertNumberList(fn, 'json.fitted.lowerBounds', f.lowerBounds);
}

/** The diagnostics of a fitted document. */
export function diagnosticsOf(fitted: FittedJSON): FitDiagnostics {
  return {
    converged: fitted.converged,
    nIter: fitted.nIter,
    lowerBound: fitted.lowerBound ?? -Infinity,
    lowerBounds: fitted.lowerBounds ?? [],
  };
}
