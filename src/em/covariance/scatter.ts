/**
 * The two shapes of a per-component scatter sum_n r (x - c)(x - c)^T that the EM types work with:
 * the whole matrix ([K, D, D]: full, tied) or its diagonal ([K, D]: diag, spherical). Each EM
 * type names the one it uses; the engine calls it without knowing which.
 */
import * as tf from '@tensorflow/tfjs-core';

import {diagPart} from '../../../ops/linalg/matrix_utils';

/** Scatter operations for one shape of scatter. */
export interface ScatterShape {
  /**
   * Exact scatter of one chunk for the components of `resp`'s columns: sum_n r (x' - c_f)(...)^T
   * ([Kf, D, D] or [Kf, D]), with shifts c_f [Kf, D] close to the components' means. Only
   * products of small differences are summed, so there is no cancellation. One [D, B] x [B, D]
   * matmul per component (on wasm, a batched matmul would run a naive loop several times slower).
   */
  exactChunk(x: tf.Tensor2D, resp: tf.Tensor2D, shifts: tf.Tensor2D): tf.Tensor;

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

  /** The trace of each component's scatter, [Kf]. */
  trace(scatter: tf.Tensor): tf.Tensor1D;
}

/** Per-chunk exact scatter: `product(diff, r)` per component, stacked by `stack`. */
function exactChunkWith(
  x: tf.Tensor2D,
  resp: tf.Tensor2D,
  shifts: tf.Tensor2D,
  product: (diff: tf.Tensor2D, r: tf.Tensor2D) => tf.Tensor,
  stack: (parts: tf.Tensor[]) => tf.Tensor,
): tf.Tensor {
  const [B, D] = x.shape;
  const respT = tf.transpose(resp); // [Kf, B]
  const parts: tf.Tensor[] = [];
  for (let f = 0; f < shifts.shape[0]; f++) {
    const diff = tf.sub(x, tf.slice(shifts, [f, 0], [1, D])) as tf.Tensor2D; // [B, D]
    parts.push(product(diff, tf.slice(respT, [f, 0], [1, B]) as tf.Tensor2D));
  }
  return stack(parts);
}

/** The whole D x D scatter of each component (full, tied). */
export const MATRIX_SCATTER: ScatterShape = {
  exactChunk: (x, resp, shifts) =>
    exactChunkWith(
      x,
      resp,
      shifts,
      (diff, r) => tf.matMul(tf.mul(tf.transpose(diff), r), diff),
      (parts) => tf.stack(parts),
    ),

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

  trace: (scatter) => tf.sum(diagPart(scatter), -1) as tf.Tensor1D,
};

/** The diagonal of each component's scatter (diag, spherical). */
export const VECTOR_SCATTER: ScatterShape = {
  exactChunk: (x, resp, shifts) =>
    exactChunkWith(
      x,
      resp,
      shifts,
      (diff, r) => tf.matMul(r, tf.square(diff)),
      (parts) => tf.concat(parts, 0),
    ),

  center(scatter, n, m1, means, shifts) {
    const nCol = tf.reshape(n, [means.shape[0], 1]);
    const a = shifts ? tf.sub(m1, tf.mul(nCol, shifts)) : m1;
    const delta = shifts ? tf.sub(shifts, means) : tf.neg(means);
    return tf.add(scatter, tf.add(tf.mul(tf.mul(a, delta), 2), tf.mul(nCol, tf.square(delta))));
  },

  trace: (scatter) => tf.sum(scatter, -1) as tf.Tensor1D,
};
