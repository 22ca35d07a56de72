/**
 * The covariance types whose canonical form is a diagonal 1 / sigma per component: `diag`
 * ([K, D] variances) and `spherical` ([K], one variance per component).
 */
import * as tf from '@tensorflow/tfjs-core';

import {Kernel} from '../kernels/kernel';
import {perSampleDiagonalKernel} from '../kernels/per_sample';
import {sharedDiagonalFeatureKernel} from '../kernels/shared_diagonal_features';
import {assertFiniteValues, fail} from '../util/args';
import {ConversionOptions, CovarianceType} from './covariance_type';

/** Index of the first entry that is not a positive finite number, or -1. */
function firstNonPositive(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) if (!(values[i] > 0) || !Number.isFinite(values[i])) return i;
  return -1;
}

/** Behaviour shared by `diag` and `spherical`. */
export abstract class DiagonalCovariance extends CovarianceType {
  readonly canonicalLayout = 'diagonal' as const;

  precisionCholeskyFromCovariance(covariances: tf.Tensor, options: ConversionOptions): tf.Tensor {
    if (options.validate) {
      const values = covariances.dataSync();
      const bad = firstNonPositive(values);
      if (bad >= 0)
        fail(
          options.caller,
          `${options.argName ?? 'covariances'} must be positive and finite, but entry ${bad} is ${values[bad]}`,
        );
    }
    return tf.rsqrt(covariances);
  }

  covarianceFromPrecisionCholesky(precisionsCholesky: tf.Tensor): tf.Tensor {
    return tf.reciprocal(tf.square(precisionsCholesky));
  }

  precisionCholeskyFromPrecision(precisions: tf.Tensor): tf.Tensor {
    return tf.sqrt(precisions);
  }

  precisionFromPrecisionCholesky(precisionsCholesky: tf.Tensor): tf.Tensor {
    return tf.square(precisionsCholesky);
  }

  factorDiagonal(factor: tf.Tensor): tf.Tensor {
    return factor;
  }

  checkPrecisions(fn: string, argName: string, precisions: tf.Tensor): void {
    const values = precisions.dataSync();
    assertFiniteValues(fn, argName, values);
    const bad = firstNonPositive(values);
    if (bad >= 0) fail(fn, `${argName} must be positive, but entry ${bad} is ${values[bad]}`);
  }

  checkPrecisionCholesky(fn: string, argName: string, factor: tf.Tensor): void {
    const values = factor.dataSync();
    assertFiniteValues(fn, argName, values);
    const bad = firstNonPositive(values);
    if (bad >= 0) {
      fail(
        fn,
        `${argName} must have a positive diagonal (the factor of a positive-definite precision), but entry ${bad} is ${values[bad]}`,
      );
    }
  }

  kernel(perSample: boolean): Kernel {
    return perSample ? perSampleDiagonalKernel : sharedDiagonalFeatureKernel;
  }

  /** (G - q) / p, with q = sum_n g y^2. */
  factorGradient(factor: tf.Tensor, cross: tf.Tensor, gSum: tf.Tensor): tf.Tensor {
    return tf.div(tf.sub(tf.expandDims(gSum, -1), cross), factor);
  }

  /** 1/2 p^2 (q - G) = 1/2 (sum g d^2 / v^2 - G / v). */
  covarianceGradient(factor: tf.Tensor, cross: tf.Tensor, gSum: tf.Tensor): tf.Tensor {
    return tf.mul(tf.mul(tf.square(factor), tf.sub(cross, tf.expandDims(gSum, -1))), 0.5);
  }

  spreadFactors(canonicalFactors: tf.Tensor): tf.Tensor {
    return tf.reciprocal(canonicalFactors);
  }

  spreadRows(z: tf.Tensor2D, rowSpreads: tf.Tensor): tf.Tensor2D {
    return tf.mul(z, rowSpreads);
  }

  whiten(d: tf.Tensor2D, componentFactor: tf.Tensor): tf.Tensor2D {
    return tf.mul(d, componentFactor);
  }

  componentFactor(canonicalFactors: tf.Tensor, f: number): tf.Tensor {
    return tf.slice(canonicalFactors, [f, 0], [1, canonicalFactors.shape[canonicalFactors.rank - 1]]);
  }

  factorDiagonalShape(nComponents: number, nFeatures: number): number[] {
    return this.parameterShape(nComponents, nFeatures);
  }

  offDiagonalShape(): null {
    return null;
  }

  assembleFactor(diagonal: tf.Tensor): tf.Tensor {
    return diagonal;
  }

  offDiagonalPart(): null {
    return null;
  }
}
