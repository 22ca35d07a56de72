/**
 * Small helpers for batches of square matrices stored as [..., D, D] tensors.
 */
import * as tf from '@tensorflow/tfjs-core';

import {fail, formatShape} from '../util/args';

/** Checks that `a` has rank >= 2 and square trailing dimensions; returns D. */
export function assertSquareBatch(fn: string, argName: string, a: tf.Tensor): number {
  if (a.rank < 2 || a.shape[a.rank - 1] !== a.shape[a.rank - 2]) {
    fail(fn, `${argName} must have shape [..., D, D] (a batch of square matrices), but got ${formatShape(a.shape)}`);
  }
  const D = a.shape[a.rank - 1];
  if (D < 1) fail(fn, `${argName} must have D >= 1, but got ${formatShape(a.shape)}`);
  return D;
}

/** Reshapes [..., D, D] to [B, D, D] and returns B with the batch shape. */
export function flattenBatch(a: tf.Tensor): {flat: tf.Tensor3D; batchShape: number[]; size: number} {
  const batchShape = a.shape.slice(0, -2);
  const size = batchShape.reduce((p, s) => p * s, 1);
  const D = a.shape[a.rank - 1];
  return {flat: tf.reshape(a, [size, D, a.shape[a.rank - 2]]) as tf.Tensor3D, batchShape, size};
}

/** Swaps the last two axes. */
export function transposeLast2(a: tf.Tensor): tf.Tensor {
  const perm = a.shape.map((_, i) => i);
  perm[a.rank - 1] = a.rank - 2;
  perm[a.rank - 2] = a.rank - 1;
  return tf.transpose(a, perm);
}

/**
 * A constant [D, D] 0/1 mask selecting the lower (`lower`) or upper triangle, with or without
 * the diagonal.
 */
export function triangleMask(D: number, lower: boolean, includeDiagonal = true): tf.Tensor2D {
  const values = new Float32Array(D * D);
  for (let i = 0; i < D; i++) {
    for (let j = 0; j < D; j++) {
      const inTriangle = lower ? j < i : j > i;
      values[i * D + j] = inTriangle || (includeDiagonal && i === j) ? 1 : 0;
    }
  }
  return tf.tensor2d(values, [D, D]);
}

/** The diagonals of a batch [..., D, D] as [..., D]. */
export function diagPart(a: tf.Tensor): tf.Tensor {
  const D = a.shape[a.rank - 1];
  return tf.sum(tf.mul(a, tf.eye(D)), -1);
}

/** Builds [..., D, D] diagonal matrices from [..., D] vectors. */
export function diagMatrix(v: tf.Tensor): tf.Tensor {
  const D = v.shape[v.rank - 1];
  return tf.mul(tf.expandDims(v, -1), tf.eye(D));
}

/** (A + A^T) / 2 over the last two axes. */
export function symmetrize(a: tf.Tensor): tf.Tensor {
  return tf.mul(tf.add(a, transposeLast2(a)), 0.5);
}
