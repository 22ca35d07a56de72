import * as tf from '@tensorflow/tfjs-core';

import {diagMatrix, diagPart} from '../linalg/matrix_utils';
import {DiagonalCovariance} from './diagonal';

/** A diagonal covariance per component, stored as its variances: [K, D]. */
export class DiagCovariance extends DiagonalCovariance {
  readonly name = 'diag' as const;
  readonly symbolicShape = ['K', 'D'] as const;

  parameterShape(K: number, D: number): number[] {
    return [K, D];
  }

  nParameters(K: number, D: number): number {
    return K * D;
  }

  identity(K: number, D: number): tf.Tensor {
    return tf.ones([K, D]);
  }

  toCanonical(parameter: tf.Tensor): tf.Tensor {
    return parameter;
  }

  fromCanonical(gradient: tf.Tensor): tf.Tensor {
    return gradient;
  }

  fromDense(dense: tf.Tensor): tf.Tensor {
    return diagPart(dense);
  }

  toDense(covariances: tf.Tensor): tf.Tensor3D {
    return diagMatrix(covariances) as tf.Tensor3D;
  }
}
