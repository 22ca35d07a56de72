import * as tf from '@tensorflow/tfjs-core';

import {MixtureParameters} from './mixture_parameters';
import {assertBackendRegistered, assertInteger} from './util/args';
import {assertAllocatable} from './util/allocation';
import {CovarianceTypeName} from './covariance/covariance_type';
import {getCovarianceType} from './covariance/registry';

/**
 * A deterministic starting mixture: uniform weights, zero means and identity covariances, in the
 * shapes of `covarianceType`.
 *
 * @param nComponents K >= 1.
 * @param nFeatures D >= 1.
 */
export function gmmInit(
  nComponents: number,
  nFeatures: number,
  covarianceType: CovarianceTypeName = 'full',
): MixtureParameters {
  const fn = 'gmmInit';
  assertInteger(fn, 'nComponents', nComponents, 1);
  assertInteger(fn, 'nFeatures', nFeatures, 1);
  const type = getCovarianceType(covarianceType, fn);
  assertAllocatable(fn, 'means', [nComponents, nFeatures]);
  assertAllocatable(fn, 'covariances', type.parameterShape(nComponents, nFeatures));
  assertBackendRegistered(fn);
  return {
    weights: tf.fill([nComponents], 1 / nComponents) as tf.Tensor1D,
    means: tf.zeros([nComponents, nFeatures]) as tf.Tensor2D,
    covariances: type.identity(nComponents, nFeatures),
  };
}
