/**
 * Shared mixture, diagonal factors (diag, spherical), in the feature basis: two matmuls
 * [N, D] x [D, K] (of u^2 and of u) for every squared norm, and one [2D + 1, N] x [N, K] for
 * every factor and mean gradient (on host-memory backends a WebAssembly kernel, which saves the
 * transposes and the re-packing of g); no [N, K, D] or [D, K, N] tensor.
 *
 * With x' = x - c, mu' = mu - c (c: see grouped.ts), a per-feature scale r_j = max_k p_kj and
 * u = x' r (whitened by the narrowest component, so that u^2 neither overflows nor goes subnormal
 * where |y|^2 does not), a = p^2 / r^2 <= 1 and v = mu' r:
 *   |y_nk|^2 = sum_j a_kj (u_nj - v_kj)^2 = [u^2, u] [a^T ; -2 (a v)^T] + sum_j a_kj v_kj^2.
 * Backward (upstream g [N, K]), with [S2 ; S1] = [u^2, u]^T g = [sum_n g u^2 ; sum_n g u]:
 *   q = sum_n g y^2 = a (S2 - 2 v S1 + G v^2),   dMeans = (p^2 / r) (S1 - G v),
 *   dx = -r (u (g a) - g (a v)).
 * The expansion cancels quadratically: its error is ~eps (m + |y|)^2 for a component m of its
 * own standard deviations from c, so grouped.ts plans it with a smaller conditioning limit and
 * falls back to the elementwise kernel (`sharedDiagonalKernel`, linear cancellation) otherwise.
 */
import * as tf from '@tensorflow/tfjs-core';

import {Kernel, KernelForward, KernelGradients} from './kernel';
import {sharedDiagonalKernel} from './shared_diagonal';
import {wasmDiagonalMoments, wasmDiagonalMomentsAvailable} from './wasm/diagonal_moments';
import {wasmDiagonalNormsAvailable, wasmDiagonalSquaredNorms} from './wasm/diagonal_norms';

/**
 * [S2 | S1 | G] [K, 2D+1] in tf ops: one matmul with the large fresh operand on the left (fast on
 * wasm).
 */
function momentsInTfOps(u: tf.Tensor, g: tf.Tensor2D): tf.Tensor {
  const uT = tf.transpose(u);
  return tf.transpose(tf.matMul(tf.concat([tf.square(uT), uT, tf.ones([1, g.shape[0]])], 0), g));
}

export const sharedDiagonalFeatureKernel: Kernel = {
  cancellation: 'quadratic',
  fallback: sharedDiagonalKernel,

  forward(x: tf.Tensor2D, means: tf.Tensor, factor: tf.Tensor, center?: tf.Tensor): KernelForward {
    const [N] = x.shape;
    const K = means.shape[0];
    const c = center ?? tf.mean(means, 0, true);
    const scale = tf.max(factor, 0, true); // r [1, D]
    const a = tf.square(tf.div(factor, scale)); // [K, D]
    const v = tf.mul(tf.sub(means, c), scale);
    const av = tf.mul(a, v);
    const constant = tf.reshape(tf.sum(tf.mul(av, v), -1), [1, K]);
    if (wasmDiagonalNormsAvailable()) {
      const {u, squaredNorms} = wasmDiagonalSquaredNorms(x, c, scale, a, av, constant);
      return {squaredNorms, saved: [u, scale, a, v, factor]};
    }
    const u = tf.mul(tf.sub(x, c), scale);
    // Two [N, D] x [D, K] matmuls rather than one on [u^2, u]: concatenating along the last axis
    // is a row loop on wasm that costs more than both products.
    const quadratic = tf.matMul(tf.square(u), tf.transpose(a));
    const linear = tf.matMul(u, tf.mul(tf.transpose(av), -2));
    const expanded = tf.add(tf.add(quadratic, linear), constant);
    // The expansion can round a tiny |y|^2 below zero.
    const squaredNorms = tf.relu(tf.reshape(expanded, [N, K]));
    return {squaredNorms, saved: [u, scale, a, v, factor]};
  },

  gradients(g: tf.Tensor2D, saved: readonly tf.Tensor[]): KernelGradients {
    const [u, scale, a, v, factor] = saved;
    const K = g.shape[1];
    const D = u.shape[1]!;
    // [S2 | S1 | G], formed up front: every gradient but d/dx needs it, and thunks run in scopes of
    // their own.
    const m = wasmDiagonalMomentsAvailable() ? wasmDiagonalMoments(u as tf.Tensor2D, g) : momentsInTfOps(u, g);
    const s2 = tf.slice(m, [0, 0], [K, D]);
    const s1 = tf.slice(m, [0, D], [K, D]);
    const gSum = tf.reshape(tf.slice(m, [0, 2 * D], [K, 1]), [K]);
    const gSumColumn = tf.reshape(gSum, [K, 1]);
    return {
      dx: () => tf.mul(tf.sub(tf.matMul(g, tf.mul(a, v)), tf.mul(u, tf.matMul(g, a))), scale),
      dMeans: () => tf.mul(tf.div(tf.square(factor), scale), tf.sub(s1, tf.mul(gSumColumn, v))),
      cross: () => tf.mul(a, tf.add(tf.sub(s2, tf.mul(tf.mul(v, s1), 2)), tf.mul(gSumColumn, tf.square(v)))),
      gSum: () => gSum,
    };
  },
};
