/**
 * The two shapes of a per-component scatter sum_n r (x - c)(x - c)^T that the EM types work with:
 * the whole matrix ([K, D, D]: full, tied) or its diagonal ([K, D]: diag, spherical). Each EM
 * type names the one it uses; the engine calls it without knowing which.
 */
import * as tf from '@tensorflow/tfjs-core';

import {diagPart} from '../../../ops/linalg/matrix_utils';

/** The rows and the shifts an exact scatter is taken between (a chunk and an exact plan). */
export interface ExactOperands {
  /** Scaled rows x' [B, D] and their rounding residuals (see `Chunk.xLow`). */
  x: tf.Tensor2D;
  xLow: tf.Tensor2D | null;
}

/** The shifts of an exact scatter, [Kf, D], with their rounding residuals. */
export interface ExactShifts {
  shifts: tf.Tensor2D;
  shiftsLow: tf.Tensor2D | null;
}

/** Scatter operations for one shape of scatter. */
export interface ScatterShape {
  /**
   * Exact statistics of one chunk for the components of `resp`'s columns, packed: the scatter
   * sum_n r (x' - c_f)(...)^T and the first moment a_f = sum_n r (x' - c_f), with shifts c_f
   * close to the components' means ({@link packedShape}, {@link unpack}). The differences are
   * formed first, with the residuals of x' and c_f, and only products of small differences are
   * summed, so nothing cancels. One [D, B] x [B, D] matmul per component (on wasm, a batched
   * matmul would run a naive loop several times slower).
   */
  exactChunk(rows: ExactOperands, resp: tf.Tensor2D, shifts: ExactShifts): tf.Tensor;

  /** The shape of {@link exactChunk}'s packed statistics for Kf components. */
  packedShape(Kf: number, D: number): number[];

  /** The scatter ([Kf, D, D] or [Kf, D]) and the first moments [Kf, D] of packed statistics. */
  unpack(packed: tf.Tensor): {scatter: tf.Tensor; first: tf.Tensor2D};

  /**
   * Centres a scatter taken around shifts c: with a = m1 - n c and delta = c - mu,
   * sum_n r (x - mu)(x - mu)^T = S_c + a delta^T + delta a^T + n delta delta^T (or its diagonal,
   * S_c + 2 a delta + n delta^2). Exact for any c; with c = 0 (`shifts` null) it is the fast
   * moment formula, with c close to mu every term but S_c is small.
   */
  center(
    scatter: tf.Tensor,
    n: tf.Tensor1D,
    m1: tf.Tensor2D,
    means: tf.Tensor2D,
    shifts: tf.Tensor2D | null,
  ): tf.Tensor;

  /**
   * Centres an exact scatter S_c (first moment a, both around c) on the mean mu = c + t:
   * S_c - a t^T - t a^T + n t t^T (or its diagonal); with mu close to c, every term is small.
   */
  centerExact(scatter: tf.Tensor, n: tf.Tensor1D, first: tf.Tensor2D, step: tf.Tensor2D): tf.Tensor;

  /** The trace of each component's scatter, [Kf]. */
  trace(scatter: tf.Tensor): tf.Tensor1D;
}

/** x' - c_f for shift f, formed with both residuals when there are any. */
export function difference(rows: ExactOperands, shifts: ExactShifts, f: number): tf.Tensor2D {
  const D = rows.x.shape[1];
  const row = (t: tf.Tensor2D) => tf.slice(t, [f, 0], [1, D]);
  const high = tf.sub(rows.x, row(shifts.shifts)) as tf.Tensor2D;
  if (!rows.xLow && !shifts.shiftsLow) return high;
  const low = shifts.shiftsLow
    ? rows.xLow
      ? tf.sub(rows.xLow, row(shifts.shiftsLow))
      : tf.neg(row(shifts.shiftsLow))
    : rows.xLow!;
  return tf.add(high, low) as tf.Tensor2D;
}

/** Per-chunk exact statistics: `product(diff, r)` per component, stacked by `stack`. */
function exactChunkWith(
  rows: ExactOperands,
  resp: tf.Tensor2D,
  shifts: ExactShifts,
  product: (diff: tf.Tensor2D, r: tf.Tensor2D) => tf.Tensor,
  stack: (parts: tf.Tensor[]) => tf.Tensor,
): tf.Tensor {
  const B = rows.x.shape[0];
  const respT = tf.transpose(resp); // [Kf, B]
  const parts: tf.Tensor[] = [];
  for (let f = 0; f < shifts.shifts.shape[0]; f++) {
    parts.push(product(difference(rows, shifts, f), tf.slice(respT, [f, 0], [1, B]) as tf.Tensor2D));
  }
  return stack(parts);
}

/** The whole D x D scatter of each component (full, tied); packed as [Kf, D + 1, D]. */
export const MATRIX_SCATTER: ScatterShape = {
  exactChunk: (rows, resp, shifts) =>
    exactChunkWith(
      rows,
      resp,
      shifts,
      (diff, r) => tf.concat([tf.matMul(tf.mul(tf.transpose(diff), r), diff), tf.matMul(r, diff)], 0),
      (parts) => tf.stack(parts),
    ),

  packedShape: (Kf, D) => [Kf, D + 1, D],

  unpack(packed) {
    const [Kf, , D] = packed.shape;
    return {
      scatter: tf.slice(packed, [0, 0, 0], [Kf, D, D]),
      first: tf.reshape(tf.slice(packed, [0, D, 0], [Kf, 1, D]), [Kf, D]) as tf.Tensor2D,
    };
  },

  center(scatter, n, m1, means, shifts) {
    const [K, D] = means.shape;
    const a = shifts ? tf.sub(m1, tf.mul(tf.reshape(n, [K, 1]), shifts)) : m1;
    const delta = shifts ? tf.sub(shifts, means) : tf.neg(means);
    const outer = (u: tf.Tensor, v: tf.Tensor) => tf.mul(tf.reshape(u, [K, D, 1]), tf.reshape(v, [K, 1, D]));
    const cross = outer(a, delta);
    return tf.add(
      tf.add(scatter, tf.add(cross, tf.transpose(cross, [0, 2, 1]))),
      tf.mul(tf.reshape(n, [K, 1, 1]), outer(delta, delta)),
    );
  },

  centerExact(scatter, n, first, step) {
    const [K, D] = first.shape;
    const outer = (u: tf.Tensor, v: tf.Tensor) => tf.mul(tf.reshape(u, [K, D, 1]), tf.reshape(v, [K, 1, D]));
    const cross = outer(first, step);
    return tf.add(
      tf.sub(scatter, tf.add(cross, tf.transpose(cross, [0, 2, 1]))),
      tf.mul(tf.reshape(n, [K, 1, 1]), outer(step, step)),
    );
  },

  trace: (scatter) => tf.sum(diagPart(scatter), -1) as tf.Tensor1D,
};

/** The diagonal of each component's scatter (diag, spherical); packed as [Kf, 2D]. */
export const VECTOR_SCATTER: ScatterShape = {
  exactChunk: (rows, resp, shifts) =>
    exactChunkWith(
      rows,
      resp,
      shifts,
      (diff, r) => tf.matMul(r, tf.concat([tf.square(diff), diff], 1)),
      (parts) => tf.concat(parts, 0),
    ),

  packedShape: (Kf, D) => [Kf, 2 * D],

  unpack(packed) {
    const [Kf, twoD] = packed.shape;
    const D = twoD / 2;
    return {
      scatter: tf.slice(packed, [0, 0], [Kf, D]),
      first: tf.slice(packed, [0, D], [Kf, D]) as tf.Tensor2D,
    };
  },

  center(scatter, n, m1, means, shifts) {
    const nCol = tf.reshape(n, [means.shape[0], 1]);
    const a = shifts ? tf.sub(m1, tf.mul(nCol, shifts)) : m1;
    const delta = shifts ? tf.sub(shifts, means) : tf.neg(means);
    return tf.add(scatter, tf.add(tf.mul(tf.mul(a, delta), 2), tf.mul(nCol, tf.square(delta))));
  },

  centerExact(scatter, n, first, step) {
    const nCol = tf.reshape(n, [first.shape[0], 1]);
    return tf.add(tf.sub(scatter, tf.mul(tf.mul(first, step), 2)), tf.mul(nCol, tf.square(step)));
  },

  trace: (scatter) => tf.sum(scatter, -1) as tf.Tensor1D,
};
