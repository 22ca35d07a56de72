/**
 * The four covariance types and their registry.
 */
import * as tf from '@tensorflow/tfjs-core';

import {covarianceFromPrecisionCholesky, precisionCholeskyFromCovariance} from '../linalg/spd';
import {triangleMask} from '../linalg/matrix_utils';
import {assertOneOf} from '../util/args';
import {CovarianceType, CovarianceTypeName} from './covariance_type';

/** Types whose canonical form is a triangular precision factor per component (full, tied). */
abstract class TriangularCovariance extends CovarianceType {
  readonly form = 'triangular' as const;
  precisionCholeskyFromCovariance(covariances: tf.Tensor, options: {validate?: boolean; caller: string}): tf.Tensor {
    return precisionCholeskyFromCovariance(covariances, {...options, argName: 'covariances'});
  }
  covarianceFromPrecisionCholesky(precisionsCholesky: tf.Tensor): tf.Tensor {
    return covarianceFromPrecisionCholesky(precisionsCholesky);
  }
}

/** Types whose canonical form is a diagonal 1/sigma per component (diag, spherical). */
abstract class DiagonalCovariance extends CovarianceType {
  readonly form = 'diagonal' as const;
  precisionCholeskyFromCovariance(covariances: tf.Tensor, options: {validate?: boolean; caller: string}): tf.Tensor {
    if (options.validate) {
      const values = covariances.dataSync();
      const bad = values.findIndex((v) => !(v > 0) || !Number.isFinite(v));
      if (bad >= 0) throw new Error(`${options.caller}: covariances must be positive and finite, but entry ${bad} is ${values[bad]}`);
    }
    return tf.rsqrt(covariances);
  }
  covarianceFromPrecisionCholesky(precisionsCholesky: tf.Tensor): tf.Tensor {
    return tf.reciprocal(tf.square(precisionsCholesky));
  }
}

/** One full covariance matrix per component: [K, D, D]. */
export class FullCovariance extends TriangularCovariance {
  readonly name = 'full' as const;
  readonly symbolicShape = ['K', 'D', 'D'] as const;
  parameterShape(K: number, D: number): number[] { return [K, D, D]; }
  nParameters(K: number, D: number): number { return (K * D * (D + 1)) / 2; }
  identity(K: number, D: number): tf.Tensor { return tf.eye(D, D, [K]); }
  toCanonical(parameter: tf.Tensor, _K: number, D: number): tf.Tensor {
    return tf.mul(parameter, triangleMask(D, false));
  }
  fromCanonical(gradient: tf.Tensor): tf.Tensor { return gradient; }
}

/** One covariance matrix shared by all components: [D, D]. */
export class TiedCovariance extends TriangularCovariance {
  readonly name = 'tied' as const;
  readonly symbolicShape = ['D', 'D'] as const;
  parameterShape(_K: number, D: number): number[] { return [D, D]; }
  nParameters(_K: number, D: number): number { return (D * (D + 1)) / 2; }
  identity(_K: number, D: number): tf.Tensor { return tf.eye(D); }
  toCanonical(parameter: tf.Tensor, K: number, D: number): tf.Tensor {
    const lead = parameter.shape.slice(0, -2);
    const masked = tf.mul(parameter, triangleMask(D, false));
    return tf.broadcastTo(tf.expandDims(masked, -3), [...lead, K, D, D]);
  }
  fromCanonical(gradient: tf.Tensor): tf.Tensor { return tf.sum(gradient, -3); }
}

/** A diagonal covariance per component, stored as its variances: [K, D]. */
export class DiagCovariance extends DiagonalCovariance {
  readonly name = 'diag' as const;
  readonly symbolicShape = ['K', 'D'] as const;
  parameterShape(K: number, D: number): number[] { return [K, D]; }
  nParameters(K: number, D: number): number { return K * D; }
  identity(K: number, D: number): tf.Tensor { return tf.ones([K, D]); }
  toCanonical(parameter: tf.Tensor): tf.Tensor { return parameter; }
  fromCanonical(gradient: tf.Tensor): tf.Tensor { return gradient; }
}

/** One variance per component, the same in every direction: [K]. */
export class SphericalCovariance extends DiagonalCovariance {
  readonly name = 'spherical' as const;
  readonly symbolicShape = ['K'] as const;
  parameterShape(K: number): number[] { return [K]; }
  nParameters(K: number): number { return K; }
  identity(K: number): tf.Tensor { return tf.ones([K]); }
  toCanonical(parameter: tf.Tensor, K: number, D: number): tf.Tensor {
    const lead = parameter.shape.slice(0, -1);
    return tf.broadcastTo(tf.expandDims(parameter, -1), [...lead, K, D]);
  }
  fromCanonical(gradient: tf.Tensor): tf.Tensor { return tf.sum(gradient, -1); }
}

const REGISTRY = new Map<string, CovarianceType>();

/** Names of the registered covariance types, in registration order. */
export const COVARIANCE_TYPES: readonly CovarianceTypeName[] = ['full', 'tied', 'diag', 'spherical'];

for (const type of [new FullCovariance(), new TiedCovariance(), new DiagCovariance(), new SphericalCovariance()]) {
  REGISTRY.set(type.name, type);
}

/**
 * Looks up a covariance type by name, failing with a message that lists the valid names.
 *
 * @param name one of `'full'`, `'tied'`, `'diag'`, `'spherical'`.
 * @param caller function name used as the error prefix.
 */
export function getCovarianceType(name: unknown, caller = 'getCovarianceType', argName = 'covarianceType'): CovarianceType {
  assertOneOf(caller, argName, name, COVARIANCE_TYPES);
  return REGISTRY.get(name)!;
}
