import * as tf from '@tensorflow/tfjs-core';

import {triangleMask} from '../linalg/matrix_utils';
import {TriangularCovariance} from './triangular';

/** One covariance matrix shared by all components: [D, D]. */
export class TiedCovariance extends TriangularCovariance {
  readonly name = 'tied' as const;
  readonly symbolicShape = ['D', 'D'] as const;

  parameterShape(_K: number, D: number): number[] {
    return [D, D];
  }

  nParameters(_K: number, D: number): number {
    return (D * (D + 1)) / 2;
  }

  identity(_K: number, D: number): tf.Tensor {
    return tf.eye(D);
  }

  toCanonical(parameter: tf.Tensor, K: number, D: number): tf.Tensor {
    const lead = parameter.shape.slice(0, -2);
    const masked = tf.mul(parameter, triangleMask(D, false));
    return tf.broadcastTo(tf.expandDims(masked, -3), [...lead, K, D, D]);
  }

  fromCanonical(gradient: tf.Tensor): tf.Tensor {
    return tf.sum(gradient, -3);
  }

  /** The components' matrices are equal: the first one. */
  fromDense(dense: tf.Tensor): tf.Tensor {
    const D = dense.shape[dense.rank - 1];
    const lead = dense.shape.slice(0, -3);
    return tf.reshape(tf.slice(dense, [...lead.map(() => 0), 0, 0, 0], [...lead, 1, D, D]), [...lead, D, D]);
  }

  toDense(covariances: tf.Tensor, K: number, D: number): tf.Tensor3D {
    return tf.broadcastTo(covariances, [K, D, D]) as tf.Tensor3D;
  }
}
