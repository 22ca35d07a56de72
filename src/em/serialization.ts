/**
 * tfjs-gmm's own JSON format of a `GaussianMixture`: its options and, when fitted, its
 * parameters and diagnostics.
 */
import {CovarianceTypeName} from '../../ops/covariance/covariance_type';
import {fail} from '../../ops/util/args';
import {InitParams} from './init/methods';
import type {OnlineState} from './online/online_em';
import {NestedNumbers, ResolvedGaussianMixtureOptions} from './options';

/** Serialised estimator (see `GaussianMixture.toJSON`). */
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

/** The diagnostics of a fitted document. */
export function diagnosticsOf(fitted: FittedJSON): FitDiagnostics {
  return {
    converged: fitted.converged,
    nIter: fitted.nIter,
    lowerBound: fitted.lowerBound ?? -Infinity,
    lowerBounds: fitted.lowerBounds ?? [],
  };
}
