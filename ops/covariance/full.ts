import * as tf from '@tensorflow/tfjs-core';

import {triangleMask} from '../linalg/matrix_utils';
import {TriangularCovariance} from './triangular';

/** One full covariance matrix per component: [K, D, D]. */
export class FullCovariance extends TriangularCovariance {
  readonly name = 'full' as const;
  readonly symbolicShape = ['K', 'D', 'D'] as const;

  parameterShape(K: number, D: number): number[] {
    return [K, D, D];
  }

  nParameters(K: number, D: number): number {
    return (K * D * (D + 1)) / 2;
  }

  identity(K: number, D: number): tf.Tensor {
    return tf.eye(D, D, [K]);
  }

  toCanonical(parameter: tf.Tensor, _K: number, D: number): tf.Tensor {
    return tf.mul(parameter, triangleMask(D, false));
  }

  fromCanonical(gradient: tf.Tensor): tf.Tensor {
    return gradient;
  }

  fromDense(dense: tf.Tensor): tf.Tensor {
    return dense;
  }

  toDense(covariances: tf.Tensor): tf.Tensor3D {
    return tf.clone(covariances) as tf.Tensor3D;
  }
}
