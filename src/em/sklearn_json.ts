/**
 * scikit-learn's fitted attributes of `GaussianMixture` as JSON, so that a model fitted in
 * Python can be scored in JavaScript and the other way round. The Python side of both directions
 * is in the README ("Models from and to scikit-learn", run by test/docs/readme.test.ts) and in the
 * API reference's index.
 */
import * as tf from '@tensorflow/tfjs-core';

import {CovarianceTypeName} from '../../ops/covariance/covariance_type';
import {SKLEARN_COVARIANCE_TYPES, getCovarianceType} from '../../ops/covariance/registry';
import {assertOneOf, fail} from '../../ops/util/args';
import {FittedParameters} from './parameters';
import {FitDiagnostics} from './serialization';

/** Nested arrays of numbers. */
type Nested = number | Nested[];

/** scikit-learn's fitted attributes, by their Python names. */
export interface SklearnGaussianMixtureJSON {
  covariance_type: CovarianceTypeName;
  n_components?: number;
  n_features_in_?: number;
  weights_: number[];
  means_: number[][];
  /** At least one of covariances_ and precisions_cholesky_ is required on import. */
  covariances_?: Nested;
  precisions_cholesky_?: Nested;
  /** Exported for completeness (precision matrices / precisions); ignored on import. */
  precisions_?: Nested;
  converged_?: boolean;
  n_iter_?: number;
  lower_bound_?: number | null;
}

/** Validated content of a scikit-learn JSON document. */
export interface ParsedSklearnJSON {
  covarianceType: CovarianceTypeName;
  nComponents: number;
  weights: number[];
  means: number[][];
  covariances: Nested | null;
  precisionsCholesky: Nested | null;
  converged: boolean;
  nIter: number;
  lowerBound: number;
}

/** Checks the structure of a scikit-learn JSON document (shapes are checked when it is loaded). */
export function parseSklearnJSON(fn: string, json: SklearnGaussianMixtureJSON): ParsedSklearnJSON {
  if (json === null || typeof json !== 'object')
    fail(fn, `json must be an object with scikit-learn's fitted attributes, but got ${String(json)}`);
  // scikit-learn's four types only: the others have no scikit-learn model to come from.
  assertOneOf(fn, 'json.covariance_type', json.covariance_type, SKLEARN_COVARIANCE_TYPES);
  const type = getCovarianceType(json.covariance_type, fn, 'json.covariance_type').name;
  if (!Array.isArray(json.weights_) || json.weights_.length < 1)
    fail(fn, `json.weights_ must be a non-empty array, but got ${JSON.stringify(json.weights_)}`);
  if (!Array.isArray(json.means_))
    fail(fn, `json.means_ must be an array [K, D], but got ${JSON.stringify(json.means_)}`);
  const K = json.weights_.length;
  if (json.n_components !== undefined && json.n_components !== K)
    fail(fn, `json.n_components must equal len(weights_) = ${K}, but got ${json.n_components}`);
  const covariances = json.covariances_ ?? null;
  const precisionsCholesky = json.precisions_cholesky_ ?? null;
  if (covariances === null && precisionsCholesky === null)
    fail(fn, 'json must have covariances_ or precisions_cholesky_, but got neither');
  return {
    covarianceType: type,
    nComponents: K,
    weights: json.weights_,
    means: json.means_,
    covariances,
    precisionsCholesky,
    converged: json.converged_ ?? true,
    nIter: json.n_iter_ ?? 0,
    lowerBound: typeof json.lower_bound_ === 'number' ? json.lower_bound_ : -Infinity,
  };
}

/** scikit-learn's fitted attributes of a fitted model (`precisions_` computed from the factors). */
export function sklearnJSONOf(
  covarianceType: CovarianceTypeName,
  nFeatures: number,
  params: FittedParameters,
  diagnostics: FitDiagnostics,
): SklearnGaussianMixtureJSON {
  if (!(SKLEARN_COVARIANCE_TYPES as readonly string[]).includes(covarianceType))
    fail(
      'GaussianMixture.toSklearnJSON',
      `covarianceType '${covarianceType}' has no scikit-learn equivalent (scikit-learn knows ${SKLEARN_COVARIANCE_TYPES.map((t) => `'${t}'`).join(', ')}); use toJSON`,
    );
  const precisions = tf.tidy(() =>
    getCovarianceType(covarianceType).precisionFromPrecisionCholesky(params.precisionsCholesky),
  );
  const json: SklearnGaussianMixtureJSON = {
    covariance_type: covarianceType,
    n_components: params.weights.shape[0],
    n_features_in_: nFeatures,
    weights_: params.weights.arraySync() as number[],
    means_: params.means.arraySync() as number[][],
    covariances_: params.covariances.arraySync() as Nested,
    precisions_cholesky_: params.precisionsCholesky.arraySync() as Nested,
    precisions_: precisions.arraySync() as Nested,
    converged_: diagnostics.converged,
    n_iter_: diagnostics.nIter,
    lower_bound_: Number.isFinite(diagnostics.lowerBound) ? diagnostics.lowerBound : null,
  };
  precisions.dispose();
  return json;
}
