/**
 * Decoding a head's packed output (layout in `spec.ts`) into the parameters of
 * gmmLogProbPrecisionCholesky: logits [N, K], means [N, K, D] and precision Cholesky factors
 * [N, K, D, D] (full), [N, K, D] (diag) or [N, K] (spherical), by the layouts of `layouts.ts`.
 * Plain tfjs ops, differentiated by autodiff; the likelihood itself goes through the op with
 * hand-written gradients.
 */
import * as tf from '@tensorflow/tfjs-core';

import {assertAllocatable} from '../util/allocation';
import {TensorInput, fail, formatShape, toFloatTensor} from '../util/args';
import {DecodedScales, MDN_LAYOUTS} from './layouts';
import {ResolvedMdnSpec} from './spec';

/** A head's output decoded into precision-Cholesky parameters, one mixture per row. */
export interface DecodedMdn extends DecodedScales {
  /** [N, K] unnormalised log-weights. */
  logits: tf.Tensor;
  /** [N, K, D]. */
  means: tf.Tensor;
}

/** Converts yPred and checks that it is [batch, P] for the spec. */
export function toPackedTensor(fn: string, yPred: TensorInput, spec: ResolvedMdnSpec, argName = 'yPred'): tf.Tensor2D {
  const t = toFloatTensor(yPred, argName, fn);
  if (t.rank !== 2 || t.shape[1] !== spec.paramsSize) {
    fail(
      fn,
      `${argName} must have shape [batch, ${spec.paramsSize}] (P = paramsSize(${spec.nComponents}, ${spec.outputDim}, '${spec.covarianceType}')), but got ${formatShape(t.shape)}`,
    );
  }
  assertMdnAllocatable(fn, spec, t.shape[0]);
  return t as tf.Tensor2D;
}

/** Per-sample covariance (or factor) shape of the spec's type for N rows. */
export function mdnCovarianceShape(spec: ResolvedMdnSpec, N: number): number[] {
  const {nComponents: K, outputDim: D, covarianceType} = spec;
  return covarianceType === 'full' ? [N, K, D, D] : covarianceType === 'diag' ? [N, K, D] : [N, K];
}

/**
 * Refuses, before allocating, the decode of N rows whose tensors exceed the allocation limit: the
 * factors, and for full heads the constant matrices that assemble them ([D (D - 1) / 2, D^2]).
 */
export function assertMdnAllocatable(fn: string, spec: ResolvedMdnSpec, N: number): void {
  const D = spec.outputDim;
  if (spec.covarianceType === 'full') assertAllocatable(fn, 'the factor assembly', [(D * (D - 1)) / 2 + D, D * D]);
  assertAllocatable(fn, 'the decoded precision factors', mdnCovarianceShape(spec, Math.max(N, 1)));
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
 * `1 / (softplus(r) + minScale)` with the gradient `dy sigmoid(r) P^2` evaluated as
 * `dy (sigmoid(r) P P)`: the factor is at most 1 / (4 minScale), so the gradient stays finite
 * wherever dy is. Autodiff of the composite multiplies dy by -1 / sigma^2 first, which overflows
 * float32 for targets far out in a tail (|y - mu| / sigma beyond ~1e18) and then meets
 * sigmoid(r) = 0 in a NaN.
 */
function precisionsFromRawScales(rawScales: tf.Tensor, minScale: number): tf.Tensor {
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const raw = args[0] as tf.Tensor;
    const save = args[1] as tf.GradSaveFunc;
    const precisions = tf.reciprocal(tf.add(tf.softplus(raw), minScale));
    save([raw, precisions]);
    return {
      value: precisions,
      gradFunc: (dy: tf.Tensor, [savedRaw, savedPrecisions]: tf.Tensor[]) =>
        tf.neg(tf.mul(dy, tf.mul(tf.mul(tf.sigmoid(savedRaw), savedPrecisions), savedPrecisions))),
    };
  });
  return op(rawScales);
}

/** Decodes yPred [N, P] (already validated). */
export function decodeMdn(yPred: tf.Tensor2D, spec: ResolvedMdnSpec): DecodedMdn {
  const {nComponents: K, outputDim: D, covarianceType, minScale, scalesSize, coefficientsSize} = spec;
  const N = yPred.shape[0];
  const pieces = [K, K * D, scalesSize, coefficientsSize].filter((s) => s > 0);
  const [logits, flatMeans, rawScales, coefficients] = splitColumns(yPred, pieces);
  const {scales, factor} = MDN_LAYOUTS[covarianceType].decode(
    tf.add(tf.softplus(rawScales), minScale),
    precisionsFromRawScales(rawScales, minScale),
    coefficients,
    N,
    K,
    D,
  );
  return {logits, means: tf.reshape(flatMeans, [N, K, D]), scales, factor};
}
