/**
 * Shared mixture, triangular factors (full, tied), with the backward in the quadratic-feature
 * basis: every factor, mean and weight gradient from one [(D+1)^2, N] x [N, K] matmul of the
 * products z z^T (z = [1, u]) with the upstream gradient, instead of the [K*D, N] differences
 * g (x - mu_k) of `shared_triangular_wasm.ts`.
 *
 * Forward: the wasm layout's (x' = x - c, mu' = mu - c, c: see grouped.ts; it saves x', mu', P).
 * Backward (upstream g [N, K]), with a per-feature scale r_i = max_k,j |P_k[i, j]| and u = x' r
 * (whitened by the narrowest component, so that u u^T neither overflows nor goes subnormal where
 * |y|^2 does not), v = mu' r, P~ = P / r (rows):
 *   [G, S1^T ; S1, S2] = sum_n g z z^T,   z = [1, u],
 *   C~_k = S2 - S1 v^T - v S1^T + G v v^T = r (sum_n g (x - mu_k)(x - mu_k)^T) r,
 *   sum_n g (x - mu) y^T = (C~ P~) / r,   d/dmu = P P^T (S1 - G v) / r,   sum_n g = G.
 * d/dx (only when x needs a gradient) is the wasm layout's.
 *
 * Why: the matmul's left operand is built by one broadcast multiply over leading axes (fast on
 * wasm) and the right operand is g [N, K] alone; the [K*D, N] differences and their weighting
 * (two passes over K*D*N values) are gone. The price is quadratic cancellation in C~ (its error
 * is ~eps (m + |y|)^2 for a component m of its own standard deviations from c), so grouped.ts
 * plans this kernel with the smaller conditioning limit and falls back to the linear wasm kernel
 * otherwise, as for `shared_diagonal_features.ts`.
 */
import * as tf from '@tensorflow/tfjs-core';

import {Kernel, KernelGradients} from './kernel';
import {sharedTriangularWasmKernel} from './shared_triangular_wasm';

export const sharedTriangularFeatureKernel: Kernel = {
  cancellation: 'quadratic',
  fallback: sharedTriangularWasmKernel,

  // The forward is the wasm layout's (measured: a bias fused into the matmul is slower on wasm).
  forward: sharedTriangularWasmKernel.forward,

  gradients(g: tf.Tensor2D, saved: readonly tf.Tensor[]): KernelGradients {
    const [centeredX, centeredMeans, factor] = saved;
    const [N, K] = g.shape;
    const D = centeredX.shape[1]!;
    const M = D + 1;
    // The moments, formed up front: every gradient but d/dx needs them, and thunks run in scopes
    // of their own.
    const scale = tf.max(tf.abs(factor), [0, 2]); // r [D]
    const zT = tf.concat([tf.ones([1, N]), tf.transpose(tf.mul(centeredX, scale))], 0); // [1; u^T], [M, N]
    const products = tf.reshape(tf.mul(tf.reshape(zT, [M, 1, N]), tf.reshape(zT, [1, M, N])), [M * M, N]);
    const moments = tf.reshape(tf.transpose(tf.matMul(products, g)), [K, M, M]);
    const gSum = tf.reshape(tf.slice(moments, [0, 0, 0], [K, 1, 1]), [K]);
    const s1 = tf.reshape(tf.slice(moments, [0, 0, 1], [K, 1, D]), [K, D]); // sum_n g u
    const s2 = tf.slice(moments, [0, 1, 1], [K, D, D]); // sum_n g u u^T
    const v = tf.mul(centeredMeans, scale);
    const gSumColumn = tf.reshape(gSum, [K, 1]);
    const gdScaled = tf.sub(s1, tf.mul(gSumColumn, v)); // r sum_n g (x - mu)
    const precision = tf.matMul(factor, tf.transpose(factor, [0, 2, 1])); // P P^T = Sigma^-1
    return {
      dx: () => {
        const outer = tf.reshape(tf.mul(tf.reshape(g, [N, K, 1]), tf.reshape(centeredX, [N, 1, D])), [N, K * D]);
        const precisionMeans = tf.reshape(tf.matMul(precision, tf.reshape(centeredMeans, [K, D, 1])), [K, D]);
        return tf.sub(tf.matMul(g, precisionMeans), tf.matMul(outer, tf.reshape(precision, [K * D, D])));
      },
      dMeans: () => tf.reshape(tf.matMul(precision, tf.reshape(tf.div(gdScaled, scale), [K, D, 1])), [K, D]),
      cross: () => {
        const vColumn = tf.reshape(v, [K, D, 1]);
        const s1Row = tf.reshape(s1, [K, 1, D]);
        // C~ = S2 - S1 v^T - v S1^T + G v v^T, regrouped as S2 - (S1 - G v) v^T - v S1^T.
        const scatter = tf.sub(
          tf.sub(s2, tf.mul(tf.reshape(gdScaled, [K, D, 1]), tf.reshape(v, [K, 1, D]))),
          tf.mul(vColumn, s1Row),
        );
        const scaledFactor = tf.div(factor, tf.reshape(scale, [D, 1]));
        return tf.div(tf.matMul(scatter, scaledFactor), tf.reshape(scale, [D, 1]));
      },
      gSum: () => gSum,
    };
  },
};
