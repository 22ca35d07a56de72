import * as tf from '@tensorflow/tfjs-core';

import {diagPart} from '../linalg/matrix_utils';
import {DiagonalCovariance} from './diagonal';

/** One variance per component, the same in every direction: [K]. */
export class SphericalCovariance extends DiagonalCovariance {
  readonly name = 'spherical' as const;
  readonly symbolicShape = ['K'] as const;

  parameterShape(K: number): number[] {
    return [K];
  }

  nParameters(K: number): number {
    return K;
  }

  identity(K: number): tf.Tensor {
    return tf.ones([K]);
  }

  toCanonical(parameter: tf.Tensor, K: number, D: number): tf.Tensor {
    const lead = parameter.shape.slice(0, -1);
    return tf.broadcastTo(tf.expandDims(parameter, -1), [...lead, K, D]);
  }

  fromCanonical(gradient: tf.Tensor): tf.Tensor {
    return tf.sum(gradient, -1);
  }

  /** The diagonal's entries are equal: their mean. */
  fromDense(dense: tf.Tensor): tf.Tensor {
    return tf.mean(diagPart(dense), -1);
  }

  toDense(covariances: tf.Tensor, _K: number, D: number): tf.Tensor3D {
    return tf.mul(tf.reshape(covariances, [-1, 1, 1]), tf.eye(D)) as tf.Tensor3D;
  }
}
