/**
 * Batched Cholesky factorisation built from portable tfjs ops.
 */
import * as tf from '@tensorflow/tfjs-core';

import {assertAllocatable} from '../util/allocation';
import {TensorInput, assertKnownKeys, optionKeys, toFloatTensor} from '../util/args';
import {assertSquareBatch, flattenBatch, triangleMask, transposeLast2} from './matrix_utils';

/** Options of {@link cholesky}. */
export interface CholeskyOptions {
  /**
   * Read the pivots back and throw a descriptive error when a matrix is not positive definite.
   * This synchronises with the backend; without it, such matrices give NaN entries.
   */
  validate?: boolean;
  /** Name used in error messages (default `'cholesky'`). */
  caller?: string;
  /** Name of the argument in error messages (default `'a'`). */
  argName?: string;
}

const CHOLESKY_OPTION_KEYS = optionKeys<CholeskyOptions>({validate: true, caller: true, argName: true});

/**
 * Lower-triangular Cholesky factor `L` of symmetric positive-definite matrices, `A = L L^T`.
 *
 * Only the lower triangle of `a` is read (as LAPACK's `potrf` with `uplo='L'`). Works on any
 * backend: a right-looking column loop of D steps, each step vectorised over the whole batch,
 * so the cost in kernel launches does not grow with the batch size. The loop is differentiable
 * with tfjs autodiff.
 *
 * @param a symmetric positive-definite matrices, shape [..., D, D].
 * @returns lower-triangular factors, shape [..., D, D].
 */
export function cholesky(a: TensorInput, options: CholeskyOptions = {}): tf.Tensor {
  assertKnownKeys('cholesky', 'options', options, CHOLESKY_OPTION_KEYS);
  const fn = options.caller ?? 'cholesky';
  const argName = options.argName ?? 'a';
  let pivotValues: Float32Array | undefined;
  let batchShape: number[] = [];
  const L = tf.tidy(() => {
    const input = toFloatTensor(a, argName, fn);
    const D = assertSquareBatch(fn, argName, input);
    assertAllocatable(fn, argName, input.shape);
    if (input.size === 0) return tf.zeros(input.shape);
    const flat = flattenBatch(input);
    batchShape = flat.batchShape;
    const B = flat.size;
    // Mirror the lower triangle so the update below sees a symmetric matrix.
    const lowerPart = tf.mul(flat.flat, triangleMask(D, true));
    const strictLower = tf.mul(flat.flat, triangleMask(D, true, false));
    let trailing: tf.Tensor = tf.add(lowerPart, transposeLast2(strictLower));
    const columns: tf.Tensor[] = [];
    const pivots: tf.Tensor[] = [];
    for (let j = 0; j < D; j++) {
      const m = D - j;
      const column = tf.slice(trailing, [0, 0, 0], [B, m, 1]);
      const pivot = tf.slice(column, [0, 0, 0], [B, 1, 1]);
      pivots.push(pivot);
      const l = tf.div(column, tf.sqrt(pivot));
      columns.push(
        j === 0
          ? l
          : tf.pad(l, [
              [0, 0],
              [j, 0],
              [0, 0],
            ]),
      );
      if (m > 1) {
        const rest = tf.slice(l, [0, 1, 0], [B, m - 1, 1]);
        const sub = tf.slice(trailing, [0, 1, 1], [B, m - 1, m - 1]);
        trailing = tf.sub(sub, tf.mul(rest, tf.reshape(rest, [B, 1, m - 1])));
      }
    }
    if (options.validate) pivotValues = tf.concat(pivots, 1).dataSync() as Float32Array;
    return tf.reshape(tf.concat(columns, 2), input.shape);
  });
  if (pivotValues) {
    const D = L.shape[L.rank - 1];
    const bad = pivotValues.findIndex((p) => !(p > 0));
    if (bad >= 0) {
      L.dispose();
      const matrix = Math.floor(bad / D);
      const where = batchShape.length ? ` (matrix ${matrix} of a batch of shape [${batchShape.join(', ')}])` : '';
      throw new Error(`${fn}: ${argName} is not positive definite${where}: pivot ${bad % D} is ${pivotValues[bad]}`);
    }
  }
  return L;
}
