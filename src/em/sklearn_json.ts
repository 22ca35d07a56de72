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
import {assertBoolean, assertInteger, assertNumberArray, assertNumberOrNull} from './json_fields';
import {FittedParameters, rowsOf} from './parameters';
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

/**
 * Checks a scikit-learn JSON document field by field: types, ranges, and shapes against
 * `len(weights_)` and `n_features_in_` (or the width of `means_`), null cells and ragged rows
 * included. Consistency of the covariances with the factors is checked when they are read.
 */
export function parseSklearnJSON(fn: string, json: SklearnGaussianMixtureJSON): ParsedSklearnJSON {
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    fail(fn, `json must be an object with scikit-learn's fitted attributes, but got ${JSON.stringify(json)}`);
  // scikit-learn's four types only: the others have no scikit-learn model to come from.
  assertOneOf(fn, 'json.covariance_type', json.covariance_type, SKLEARN_COVARIANCE_TYPES);
  const type = getCovarianceType(json.covariance_type, fn, 'json.covariance_type');
  if (!Array.isArray(json.weights_) || json.weights_.length < 1)
    fail(fn, `json.weights_ must be a non-empty array, but got ${JSON.stringify(json.weights_)}`);
  const K = json.weights_.length;
  if (json.n_components !== undefined && json.n_components !== K)
    fail(fn, `json.n_components must equal len(weights_) = ${K}, but got ${JSON.stringify(json.n_components)}`);
  assertNumberArray(fn, 'json.weights_', json.weights_, [K], ['n_components']);
  if (!Array.isArray(json.means_) || !Array.isArray(json.means_[0]))
    fail(fn, `json.means_ must be an array [n_components, n_features], but got ${JSON.stringify(json.means_)}`);
  const D = json.n_features_in_ ?? json.means_[0].length;
  assertInteger(fn, 'json.n_features_in_', D, 1);
  assertNumberArray(fn, 'json.means_', json.means_, [K, D], ['n_components', 'n_features_in_']);
  const shape = type.parameterShape(K, D);
  const dims = type.symbolicShape.map((s) => (s === 'K' ? 'n_components' : 'n_features_in_'));
  const covariances = json.covariances_ ?? null;
  const precisionsCholesky = json.precisions_cholesky_ ?? null;
  if (covariances === null && precisionsCholesky === null)
    fail(fn, 'json must have covariances_ or precisions_cholesky_, but got neither');
  if (covariances !== null) assertNumberArray(fn, 'json.covariances_', covariances, shape, dims);
  if (precisionsCholesky !== null) assertNumberArray(fn, 'json.precisions_cholesky_', precisionsCholesky, shape, dims);
  if (json.converged_ !== undefined) assertBoolean(fn, 'json.converged_', json.converged_);
  if (json.n_iter_ !== undefined) assertInteger(fn, 'json.n_iter_', json.n_iter_, 0);
  if (json.lower_bound_ !== undefined) assertNumberOrNull(fn, 'json.lower_bound_', json.lower_bound_);
  return {
    covarianceType: type.name,
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

/**
 * scikit-learn's fitted attributes of a fitted model (`precisions_` computed from the factors);
 * `means_` from `meanValues`, the means in float64 (row-major).
 */
export function sklearnJSONOf(
  covarianceType: CovarianceTypeName,
  nFeatures: number,
  params: FittedParameters,
  meanValues: Float64Array,
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
    means_: rowsOf(meanValues, nFeatures),
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
