/**
 * Decoding a head's packed output (layout in `spec.ts`) into the parameters of
 * gmmLogProbPrecisionCholesky: logits [N, K], means [N, K, D] and precision Cholesky factors
 * [N, K, D, D] (full), [N, K, D] (diag) or [N, K] (spherical). Plain tfjs ops, differentiated by
 * autodiff; the likelihood itself goes through the op with hand-written gradients.
 */
import * as tf from '@tensorflow/tfjs-core';

import {TensorInput, fail, formatShape, toFloatTensor} from '../util/args';
import {ResolvedMdnSpec} from './spec';

/** A head's output decoded into precision-Cholesky parameters, one mixture per row. */
export interface DecodedMdn {
  /** [N, K] unnormalised log-weights. */
  logits: tf.Tensor;
  /** [N, K, D]. */
  means: tf.Tensor;
  /** Standard deviations (conditional ones for full): [N, K, D] (diag, full) or [N, K] (spherical). */
  scales: tf.Tensor;
  /** Precision Cholesky factors in gmmLogProbPrecisionCholesky's per-sample shape. */
  factor: tf.Tensor;
}

/** Converts yPred and checks that it is [batch, P] for the spec. */
export function toPackedTensor(fn: string, yPred: TensorInput, spec: ResolvedMdnSpec, argName = 'yPred'): tf.Tensor2D {
  const t = toFloatTensor(yPred, argName, fn);
  if (t.rank !== 2 || t.shape[1] !== spec.paramsSize) {
    fail(fn, `${argName} must have shape [batch, ${spec.paramsSize}] (P = paramsSize(${spec.nComponents}, ${spec.outputDim}, '${spec.covarianceType}')), but got ${formatShape(t.shape)}`);
  }
  return t as tf.Tensor2D;
}

/** Constant 0/1 matrices that assemble the full factor P = diag(1 / sigma) (I - C). */
interface FullAssembly {
  /** [D, M]: copies 1/sigma_i onto every coefficient c[j][i] (entry P[i][j] of row i). */
  rowScales: tf.Tensor2D;
  /** [D, D*D]: places 1/sigma_j at P[j][j]. */
  diagonal: tf.Tensor2D;
  /** [M, D*D]: places -c[j][i] / sigma_i at P[i][j]. */
  offDiagonal: tf.Tensor2D;
}

function fullAssembly(D: number): FullAssembly {
  const M = (D * (D - 1)) / 2;
  const rowScales = new Float32Array(D * M);
  const diagonal = new Float32Array(D * D * D);
  const offDiagonal = new Float32Array(M * D * D);
  for (let j = 0; j < D; j++) diagonal[j * D * D + j * D + j] = 1;
  for (let j = 1; j < D; j++) {
    for (let i = 0; i < j; i++) {
      const m = (j * (j - 1)) / 2 + i;
      rowScales[i * M + m] = 1;
      offDiagonal[m * D * D + i * D + j] = -1;
    }
  }
  return {
    rowScales: tf.tensor2d(rowScales, [D, M]),
    diagonal: tf.tensor2d(diagonal, [D, D * D]),
    offDiagonal: tf.tensor2d(offDiagonal, [M, D * D]),
  };
}

/**
 * Splits [N, P] into column blocks [N, size_i]. Column blocks of a row-major tensor are strided;
 * the cpu backend slices strided blocks element by element through index arithmetic (~7x slower
 * than two transposes at N = 4096, P = 40), while row blocks of the transpose are contiguous
 * copies on every backend. Autodiff runs the same steps backwards.
 */
function splitColumns(x: tf.Tensor2D, sizes: number[]): tf.Tensor[] {
  return tf.split(tf.transpose(x), sizes, 0).map((rows) => tf.transpose(rows));
}

/**
 * Decodes yPred [N, P] (already validated). The full factor is assembled by matmuls of
 * [N K, D]-shaped rows with small constant 0/1 matrices, which every backend runs as one dense
 * kernel (gathers and scatters lack fast kernels on cpu and wasm).
 */
export function decodeMdn(yPred: tf.Tensor2D, spec: ResolvedMdnSpec): DecodedMdn {
  const {nComponents: K, outputDim: D, covarianceType, minScale, scalesSize, coefficientsSize} = spec;
  const N = yPred.shape[0];
  const pieces = [K, K * D, scalesSize, coefficientsSize].filter((s) => s > 0);
  const [logits, flatMeans, rawScales, coefficients] = splitColumns(yPred, pieces);
  const means = tf.reshape(flatMeans, [N, K, D]);
  const flatScales = tf.add(tf.softplus(rawScales), minScale);
  const inverse = tf.reciprocal(flatScales);
  if (covarianceType === 'spherical') return {logits, means, scales: flatScales, factor: inverse};
  const scales = tf.reshape(flatScales, [N, K, D]);
  if (covarianceType === 'diag') return {logits, means, scales, factor: tf.reshape(inverse, [N, K, D])};
  const rows = tf.reshape(inverse, [N * K, D]);
  const assembly = fullAssembly(D);
  let flatFactor = tf.matMul(rows, assembly.diagonal);
  if (D > 1) {
    const scaled = tf.mul(tf.reshape(coefficients, [N * K, coefficientsSize / K]), tf.matMul(rows, assembly.rowScales));
    flatFactor = tf.add(flatFactor, tf.matMul(scaled, assembly.offDiagonal));
  }
  return {logits, means, scales, factor: tf.reshape(flatFactor, [N, K, D, D])};
}
