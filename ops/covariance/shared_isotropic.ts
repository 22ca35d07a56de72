import * as tf from '@tensorflow/tfjs-core';

import {diagPart} from '../linalg/matrix_utils';
import {DiagonalCovariance} from './diagonal';

/**
 * One variance shared by every component and every direction (the PyTorch GMM reference's
 * `shared_isotropic`): a scalar, shape [] (per sample [N]).
 */
export class SharedIsotropicCovariance extends DiagonalCovariance {
  readonly name: 'shared_isotropic' | 'constant' = 'shared_isotropic';
  readonly symbolicShape = [] as const;

  parameterShape(): number[] {
    return [];
  }

  nParameters(): number {
    return 1;
  }

  identity(): tf.Tensor {
    return tf.scalar(1);
  }

  toCanonical(parameter: tf.Tensor, K: number, D: number): tf.Tensor {
    return tf.broadcastTo(tf.reshape(parameter, [...parameter.shape, 1, 1]), [...parameter.shape, K, D]);
  }

  fromCanonical(gradient: tf.Tensor): tf.Tensor {
    return tf.sum(gradient, [-2, -1]);
  }

  toDense(covariances: tf.Tensor, K: number, D: number): tf.Tensor3D {
    return tf.mul(tf.reshape(covariances, [1, 1, 1]), tf.eye(D, D, [K])) as tf.Tensor3D;
  }

  /** The diagonal's entries are equal over components and features: their mean. */
  fromDense(dense: tf.Tensor): tf.Tensor {
    return tf.mean(diagPart(dense), [-2, -1]);
  }
}
