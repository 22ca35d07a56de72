/**
 * Shared mixture, triangular factors (full, tied), with the backward in the quadratic-feature
 * basis: every factor, mean and weight gradient from one [F, N] x [N, K] matmul of the products
 * z_i z_j (z = [1, u], F ~ (D+1) (D+2) / 2) with the upstream gradient, instead of the [K*D, N]
 * differences g (x - mu_k) of `shared_triangular_wasm.ts` (two passes over K*D*N values and a
 * K*D-row matmul). The forward is the wasm layout's (it saves x', mu', P).
 *
 * With x' = x - c, mu' = mu - c (c: see grouped.ts), a per-feature scale r_i = max_k,j |P_k[i, j]|,
 * u = x' r (whitened by the narrowest component, so that u u^T neither overflows nor goes
 * subnormal where its |y|^2 does not), v = mu' r and P~ = P / r (rows), for upstream g [N, K]:
 *   [G, S1^T ; S1, S2] = sum_n g z z^T,
 *   C~_k = S2 - S1 v^T - v S1^T + G v v^T = r (sum_n g (x - mu_k)(x - mu_k)^T) r,
 *   sum_n g (x - mu) y^T = (C~ P~) / r,   d/dmu = P P^T (S1 - G v) / r,   sum_n g = G.
 * d/dx (only when x needs a gradient) is the wasm layout's.
 *
 * The products z_i z_(i+s mod D+1), s = 0..floor((D+1)/2), cover every pair (the upper triangle
 * in circulant order); they come from one broadcast multiply over leading axes of a periodic stack
 * of z's rows, built by concatenating rows (slicing copies its whole input on wasm). The matmul
 * has the large fresh operand on the left and g alone on the right.
 *
 * The price is quadratic cancellation in C~: its error is ~eps (m + |y|)^2 for a component m of
 * its own standard deviations from c, so grouped.ts plans this kernel with the smaller
 * conditioning limit and falls back to the linear wasm kernel otherwise, as for
 * `shared_diagonal_features.ts`.
 */
import * as tf from '@tensorflow/tfjs-core';

import {Kernel, KernelGradients} from './kernel';
import {sharedTriangularWasmKernel} from './shared_triangular_wasm';
import {wasmSymmetricMoments, wasmSymmetricMomentsAvailable} from './wasm/symmetric_moments';

/** |u| bound of the backward's products: 2^126 (their largest) stays below float32's maximum. */
const LARGEST_ENTRY = 2 ** 63;

/**
 * sum_n g_nk z_n z_n^T [K, M, M] from the upper triangle alone, in circulant order: the products
 * z_i z_(i+s mod M) for shifts s = 0..floor(M/2) cover every pair. They are one broadcast
 * multiply of a periodic stack of z's rows (block s = z rotated by s, built by concatenation: on
 * wasm, slicing copies its whole input, concatenating rows is cheap) with z, then one matmul with
 * g; the symmetric matrix is gathered from the small result.
 */
function symmetricMoments(zT: tf.Tensor, uT: tf.Tensor, ones: tf.Tensor, g: tf.Tensor2D): tf.Tensor {
  const [M, N] = zT.shape;
  const K = g.shape[1];
  const shifts = Math.floor(M / 2) + 1;
  // Blocks of M + 1 rows of the periodic sequence z_0, z_1, ..., z_(M-1), z_0, ...: block s starts
  // at row s (M + 1 = 1 mod M) and its row i is z_(s+i mod M); `shifts` whole copies and the
  // first `shifts` rows of z fill them. Row M of each block (z_s z_0 again) is unused.
  const head = tf.concat([ones, tf.slice(uT, [0, 0], [shifts - 1, N])], 0);
  const periodic = tf.reshape(tf.concat([...Array.from({length: shifts}, () => zT), head], 0), [shifts, M + 1, N]);
  const multiplier = tf.reshape(tf.concat([zT, ones], 0), [1, M + 1, N]); // z_M = z_0 = 1
  const products = tf.reshape(tf.mul(periodic, multiplier), [shifts * (M + 1), N]);
  const triangle = tf.matMul(products, g); // [shifts (M+1), K]
  const rows = new Int32Array(M * M);
  for (let a = 0; a < M; a++)
    for (let b = 0; b < M; b++) {
      const s = (b - a + M) % M;
      rows[a * M + b] = s < shifts ? s * (M + 1) + a : ((a - b + M) % M) * (M + 1) + b;
    }
  return tf.reshape(tf.transpose(tf.gather(triangle, tf.tensor1d(rows, 'int32'))), [K, M, M]);
}

/** The moments [K, D+1, D+1] (see the file comment) in tf ops. */
function momentsInTfOps(centeredX: tf.Tensor, scale: tf.Tensor, g: tf.Tensor2D): tf.Tensor {
  const N = g.shape[0];
  // Clamped so that no product overflows: a row beyond 2^63 of the narrowest standard deviations
  // from c has no finite log-probability but for components ~1e19 times wider (its g is zero).
  const uT = tf.transpose(tf.clipByValue(tf.mul(centeredX, scale), -LARGEST_ENTRY, LARGEST_ENTRY));
  const ones = tf.ones([1, N]);
  const zT = tf.concat([ones, uT], 0); // z^T = [1; u^T], [D+1, N]
  return symmetricMoments(zT, uT, ones, g);
}

export const sharedTriangularFeatureKernel: Kernel = {
  cancellation: 'quadratic',
  fallback: sharedTriangularWasmKernel,

  // The wasm layout's forward: in this basis (sum_ij A_ij u_i u_j) a point whose products u_i u_j
  // overflow gives Inf - Inf (A has entries of both signs), where the differences give Infinity;
  // and the basis saved only ~4% of the step (measured).
  forward: sharedTriangularWasmKernel.forward,

  gradients(g: tf.Tensor2D, saved: readonly tf.Tensor[]): KernelGradients {
    const [centeredX, centeredMeans, factor] = saved;
    const [N, K] = g.shape;
    const D = centeredX.shape[1]!;
    // The moments, formed up front: every gradient but d/dx needs them, and thunks run in scopes
    // of their own.
    const scale = tf.max(tf.abs(factor), [0, 2]) as tf.Tensor1D; // r [D]
    const moments = wasmSymmetricMomentsAvailable()
      ? wasmSymmetricMoments(centeredX as tf.Tensor2D, scale, g)
      : momentsInTfOps(centeredX, scale, g);
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
