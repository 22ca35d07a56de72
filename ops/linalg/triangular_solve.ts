/**
 * Batched triangular solves and inverses built from portable tfjs ops.
 */
import * as tf from '@tensorflow/tfjs-core';

import {assertAllocatable} from '../util/allocation';
import {TensorInput, assertKnownKeys, assertShape, fail, formatShape, optionKeys, toFloatTensor} from '../util/args';
import {assertSquareBatch, transposeLast2} from './matrix_utils';

/** Options of {@link triangularSolve}. */
export interface TriangularSolveOptions {
  /** `a` is lower triangular (default true); otherwise upper. Only that triangle is read. */
  lower?: boolean;
  /** Solve `a^T x = b` instead of `a x = b` (default false). */
  transposeA?: boolean;
}

const TRIANGULAR_SOLVE_OPTION_KEYS = optionKeys<TriangularSolveOptions>({lower: true, transposeA: true});

/**
 * Solves `a x = b` (or `a^T x = b`) for triangular `a`, batched.
 *
 * Substitution runs D steps, each vectorised over the batch and the right-hand sides.
 *
 * @param a triangular matrices [..., D, D].
 * @param b right-hand sides [..., D, M] with the same batch shape as `a`.
 * @returns x with the shape of `b`.
 */
export function triangularSolve(a: TensorInput, b: TensorInput, options: TriangularSolveOptions = {}): tf.Tensor {
  const fn = 'triangularSolve';
  assertKnownKeys(fn, 'options', options, TRIANGULAR_SOLVE_OPTION_KEYS);
  return tf.tidy(() => {
    const A = toFloatTensor(a, 'a', fn);
    const Bm = toFloatTensor(b, 'b', fn);
    const D = assertSquareBatch(fn, 'a', A);
    if (Bm.rank !== A.rank)
      fail(fn, `b must have rank ${A.rank} ([..., ${D}, M]) like a, but got ${formatShape(Bm.shape)}`);
    assertShape(fn, 'b', Bm.shape, [[...A.shape.slice(0, -1), null]], [[...A.shape.slice(0, -1).map(String), 'M']]);
    assertAllocatable(fn, 'a', A.shape);
    assertAllocatable(fn, 'b', Bm.shape);
    if (Bm.size === 0) return tf.zeros(Bm.shape);
    const lower = options.lower ?? true;
    const effective = options.transposeA ? transposeLast2(A) : A;
    const effectiveLower = options.transposeA ? !lower : lower;
    return substitute(effective, Bm, effectiveLower);
  });
}

/** Forward (lower) or backward (upper) substitution; reads only the relevant triangle. */
function substitute(A: tf.Tensor, Bm: tf.Tensor, lower: boolean): tf.Tensor {
  const D = A.shape[A.rank - 1];
  const M = Bm.shape[Bm.rank - 1];
  const batchShape = A.shape.slice(0, -2);
  const size = batchShape.reduce((p, s) => p * s, 1);
  const a3 = tf.reshape(A, [size, D, D]);
  let remaining: tf.Tensor = tf.reshape(Bm, [size, D, M]);
  const rows: tf.Tensor[] = new Array(D);
  for (let step = 0; step < D; step++) {
    const j = lower ? step : D - 1 - step;
    const m = D - step; // rows still unsolved
    const localRow = lower ? 0 : m - 1;
    const row = tf.slice(remaining, [0, localRow, 0], [size, 1, M]);
    const x = tf.div(row, tf.slice(a3, [0, j, j], [size, 1, 1]));
    rows[j] = x;
    if (m > 1) {
      // Eliminate x_j from the rows that are still unsolved.
      const colStart = lower ? j + 1 : 0;
      const column = tf.slice(a3, [0, colStart, j], [size, m - 1, 1]);
      const rest = tf.slice(remaining, [0, lower ? 1 : 0, 0], [size, m - 1, M]);
      remaining = tf.sub(rest, tf.mul(column, x));
    }
  }
  return tf.reshape(tf.concat(rows, 1), Bm.shape);
}

/**
 * Inverse of triangular matrices [..., D, D]; the result is triangular on the same side.
 */
export function triangularInverse(a: TensorInput, options: {lower?: boolean} = {}): tf.Tensor {
  const fn = 'triangularInverse';
  assertKnownKeys(fn, 'options', options, ['lower']);
  return tf.tidy(() => {
    const A = toFloatTensor(a, 'a', fn);
    const D = assertSquareBatch(fn, 'a', A);
    assertAllocatable(fn, 'a', A.shape);
    if (A.size === 0) return tf.zeros(A.shape);
    const identity = tf.broadcastTo(tf.eye(D), A.shape);
    return substitute(A, identity, options.lower ?? true);
  });
}
