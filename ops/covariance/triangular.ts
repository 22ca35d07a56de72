/**
 * The covariance types whose canonical form is a triangular precision factor per component:
 * `full` ([K, D, D]) and `tied` ([D, D], shared by the components).
 */
import * as tf from '@tensorflow/tfjs-core';

import {cholesky} from '../linalg/cholesky';
import {diagMatrix, diagPart, symmetrize, transposeLast2, triangleMask} from '../linalg/matrix_utils';
import {covarianceFromPrecisionCholesky, precisionCholeskyFromCovariance} from '../linalg/spd';
import {triangularInverse} from '../linalg/triangular_solve';
import {Kernel} from '../kernels/kernel';
import {perSampleTriangularKernel} from '../kernels/per_sample';
import {sharedTriangularKernel} from '../kernels/select';
import {assertFiniteValues, fail} from '../util/args';
import {ConversionOptions, CovarianceType} from './covariance_type';

/** Relative tolerance of the symmetry check of user-given precision matrices. */
const SYMMETRY_TOLERANCE = 1e-6;

/** Behaviour shared by `full` and `tied`. */
export abstract class TriangularCovariance extends CovarianceType {
  readonly canonicalLayout = 'triangular' as const;

  /** Of the symmetric part (S + S^T) / 2, as the ops document (the Cholesky alone reads the lower triangle). */
  precisionCholeskyFromCovariance(covariances: tf.Tensor, options: ConversionOptions): tf.Tensor {
    return tf.tidy(() =>
      precisionCholeskyFromCovariance(symmetrize(covariances), {
        ...options,
        argName: options.argName ?? 'covariances',
      }),
    );
  }

  covarianceFromPrecisionCholesky(precisionsCholesky: tf.Tensor): tf.Tensor {
    return covarianceFromPrecisionCholesky(precisionsCholesky);
  }

  /** P = J chol(J Lambda J) J with J the reversal of the axes: the upper factor of Lambda = P P^T. */
  precisionCholeskyFromPrecision(precisions: tf.Tensor, options: ConversionOptions): tf.Tensor {
    return tf.tidy(() => {
      const axes = [precisions.rank - 2, precisions.rank - 1];
      const reversed = tf.reverse(precisions, axes);
      return tf.reverse(
        cholesky(reversed, {validate: options.validate, caller: options.caller, argName: options.argName}),
        axes,
      );
    });
  }

  /** P P^T (with an explicit transpose: matMul's transpose flags run a naive loop on wasm). */
  precisionFromPrecisionCholesky(precisionsCholesky: tf.Tensor): tf.Tensor {
    return tf.matMul(precisionsCholesky, transposeLast2(precisionsCholesky));
  }

  override isDiagonalEntry(flatIndex: number, D: number): boolean {
    return Math.floor(flatIndex / D) % D === flatIndex % D;
  }

  factorDiagonal(factor: tf.Tensor): tf.Tensor {
    return diagPart(factor);
  }

  checkPrecisions(fn: string, argName: string, precisions: tf.Tensor): void {
    const values = precisions.dataSync();
    assertFiniteValues(fn, argName, values);
    const D = precisions.shape[precisions.rank - 1];
    for (let m = 0; m < values.length / (D * D); m++) {
      for (let i = 0; i < D; i++) {
        for (let j = i + 1; j < D; j++) {
          const a = values[m * D * D + i * D + j];
          const b = values[m * D * D + j * D + i];
          if (Math.abs(a - b) > SYMMETRY_TOLERANCE * Math.max(1, Math.abs(a), Math.abs(b))) {
            fail(fn, `${argName} must be symmetric, but matrix ${m} has [${i}, ${j}] = ${a} and [${j}, ${i}] = ${b}`);
          }
        }
      }
    }
  }

  checkPrecisionCholesky(fn: string, argName: string, factor: tf.Tensor): void {
    const values = factor.dataSync();
    assertFiniteValues(fn, argName, values);
    const D = factor.shape[factor.rank - 1];
    for (let i = 0; i < values.length; i++) {
      const onDiagonal = Math.floor(i / D) % D === i % D;
      if (onDiagonal && !(values[i] > 0)) {
        fail(
          fn,
          `${argName} must have a positive diagonal (the factor of a positive-definite precision), but entry ${i} is ${values[i]}`,
        );
      }
    }
  }

  kernel(perSample: boolean): Kernel {
    return perSample ? perSampleTriangularKernel : sharedTriangularKernel();
  }

  /** upper(-M) + diag(G / P_ii), with M = sum_n g (x - mu) y^T. */
  factorGradient(factor: tf.Tensor, cross: tf.Tensor, gSum: tf.Tensor): tf.Tensor {
    const D = factor.shape[factor.rank - 1];
    const logDetPart = diagMatrix(tf.div(tf.expandDims(gSum, -1), diagPart(factor)));
    return tf.add(tf.mul(tf.neg(cross), triangleMask(D, false)), logDetPart);
  }

  /** 1/2 P (S - G I) P^T with S = sum_n g y y^T = P^T M, symmetrised. */
  covarianceGradient(factor: tf.Tensor, cross: tf.Tensor, gSum: tf.Tensor): tf.Tensor {
    const D = factor.shape[factor.rank - 1];
    const S = symmetrize(tf.matMul(transposeLast2(factor), cross));
    const inner = tf.sub(S, tf.mul(tf.reshape(gSum, [...gSum.shape, 1, 1]), tf.eye(D)));
    return symmetrize(tf.mul(tf.matMul(tf.matMul(factor, inner), transposeLast2(factor)), 0.5));
  }

  spreadFactors(canonicalFactors: tf.Tensor): tf.Tensor {
    return triangularInverse(canonicalFactors, {lower: false});
  }

  /** z_m S_m as batched [1, D] x [D, D] products. */
  spreadRows(z: tf.Tensor2D, rowSpreads: tf.Tensor): tf.Tensor2D {
    const [M, D] = z.shape;
    return tf.reshape(tf.matMul(tf.reshape(z, [M, 1, D]), rowSpreads as tf.Tensor3D), [M, D]);
  }

  whiten(d: tf.Tensor2D, componentFactor: tf.Tensor): tf.Tensor2D {
    return tf.matMul(d, componentFactor as tf.Tensor2D);
  }

  componentFactor(canonicalFactors: tf.Tensor, f: number): tf.Tensor {
    const D = canonicalFactors.shape[canonicalFactors.rank - 1];
    return tf.reshape(tf.slice(canonicalFactors, [f, 0, 0], [1, D, D]), [D, D]);
  }

  factorDiagonalShape(nComponents: number, nFeatures: number): number[] {
    return this.parameterShape(nComponents, nFeatures).slice(0, -1);
  }

  offDiagonalShape(nComponents: number, nFeatures: number): number[] {
    return this.parameterShape(nComponents, nFeatures);
  }

  assembleFactor(diagonal: tf.Tensor, offDiagonal: tf.Tensor | null): tf.Tensor {
    const D = diagonal.shape[diagonal.rank - 1];
    if (offDiagonal === null) return diagMatrix(diagonal);
    return tf.add(diagMatrix(diagonal), tf.mul(offDiagonal, triangleMask(D, false, false)));
  }

  offDiagonalPart(factor: tf.Tensor): tf.Tensor {
    return tf.mul(factor, triangleMask(factor.shape[factor.rank - 1], false, false));
  }
}
