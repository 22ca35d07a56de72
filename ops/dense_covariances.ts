import * as tf from '@tensorflow/tfjs-core';

import {CovarianceTypeName} from './covariance/covariance_type';
import {getCovarianceType} from './covariance/registry';
import {TensorInput, assertInteger, assertShape, toFloatTensor} from './util/args';

/**
 * Every component's covariance as a D x D matrix, from covariances in the shape of any covariance
 * type (`full` [K, D, D], `tied` [D, D], `diag` [K, D], `spherical` [K]): for reports, plots and
 * code that handles one matrix per component.
 *
 * @returns [K, D, D], owned by the caller.
 *
 * @example
 * denseCovariances([0.5, 2], 'spherical', 2, 3); // two 3 x 3 diagonal matrices
 */
export function denseCovariances(
  covariances: TensorInput,
  covarianceType: CovarianceTypeName,
  nComponents: number,
  nFeatures: number,
): tf.Tensor3D {
  const fn = 'denseCovariances';
  assertInteger(fn, 'nComponents', nComponents, 1);
  assertInteger(fn, 'nFeatures', nFeatures, 1);
  const type = getCovarianceType(covarianceType, fn);
  return tf.tidy(() => {
    const c = toFloatTensor(covariances, 'covariances', fn);
    assertShape(fn, 'covariances', c.shape, [type.parameterShape(nComponents, nFeatures)], [type.symbolicShape]);
    return type.toDense(c, nComponents, nFeatures);
  });
}
