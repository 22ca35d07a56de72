/**
 * Inputs and float64 references of the shared kernels' WebAssembly parts (squared norms, the
 * symmetric and the diagonal moments), with the bound each float32 result is held to: for
 * test/ops/covariance_kernels.test.ts and test/ops/kernel_threads.test.ts.
 */
import {expect} from 'chai';

import {rng} from './random';

export const EPS = 2 ** -23;

/** float32 rows x [N, D], upper factors P [K, D, D] (NaN below the diagonal: never read) and shifts [K, D]. */
export function randomInputs(N: number, K: number, D: number, seed: number) {
  const random = rng(seed);
  const centered = () => Math.fround((random() - 0.5) * 4);
  const x = Float32Array.from({length: N * D}, centered);
  const factor = new Float32Array(K * D * D);
  for (let k = 0; k < K; k++)
    for (let i = 0; i < D; i++)
      for (let j = 0; j < D; j++) factor[(k * D + i) * D + j] = j < i ? NaN : i === j ? 0.5 + random() : centered();
  const shifts = Float32Array.from({length: K * D}, centered);
  return {x, factor, shifts};
}

/**
 * float64 norms and the bound each float32 result is held to: y_j's sum of j + 2 rounded terms
 * errs by at most (j + 2) eps times the sum of their magnitudes A_j, so |y|^2 errs by at most
 * ~(D + 2) eps sum_j A_j^2 (a factor 4 of slack for the squares' own rounding).
 */
export function reference(
  x: Float32Array,
  factor: Float32Array,
  shifts: Float32Array,
  N: number,
  K: number,
  D: number,
) {
  const norms = new Float64Array(N * K);
  const tolerance = new Float64Array(N * K);
  for (let n = 0; n < N; n++)
    for (let k = 0; k < K; k++) {
      let sum = 0;
      let magnitude = 0;
      for (let j = 0; j < D; j++) {
        let y = -shifts[k * D + j];
        let a = Math.abs(shifts[k * D + j]);
        for (let i = 0; i <= j; i++) {
          const term = x[n * D + i] * factor[(k * D + i) * D + j];
          y += term;
          a += Math.abs(term);
        }
        sum += y * y;
        magnitude += a * a;
      }
      norms[n * K + k] = sum;
      tolerance[n * K + k] = 4 * (D + 2) * EPS * magnitude;
    }
  return {norms, tolerance};
}

export function expectWithin(
  actual: Float32Array,
  expected: Float64Array,
  tolerance: Float64Array,
  label: string,
): void {
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= tolerance[i])) {
      expect.fail(`${label} entry ${i}: got ${actual[i]}, expected ${expected[i]} (tolerance ${tolerance[i]})`);
    }
  }
}

/** |u| bound of the moments' z (the kernel's and the tf-ops form's clamp). */
export const LARGEST_ENTRY = 2 ** 63;

/**
 * Rows x [N, D] (every 50th row at 1e30, beyond the clamp, with g = 0 there as for a row that no
 * component explains), a scale r [D] and g [N, K], as float32.
 */
export function randomMomentInputs(N: number, K: number, D: number, seed: number) {
  const random = rng(seed);
  const x = Float32Array.from({length: N * D}, () => (random() - 0.5) * 6);
  const g = Float32Array.from({length: N * K}, () => random() - 0.3);
  for (let n = 25; n < N; n += 50) {
    x.fill(1e30, n * D, (n + 1) * D);
    g.fill(0, n * K, (n + 1) * K);
  }
  const scale = Float32Array.from({length: D}, () => 0.25 + random());
  return {x, scale, g};
}

/**
 * float64 moments of the float32 z's, and the bound each float32 sum is held to: the kernel adds
 * each lane's rows of a 256-row block in turn, then the blocks' sums, so an entry errs by at most
 * ~(64 + N / 256 + 4) eps times the sum of its terms' magnitudes (a factor 2 of slack).
 */
export function referenceMoments(
  x: Float32Array,
  scale: Float32Array,
  g: Float32Array,
  N: number,
  K: number,
  D: number,
) {
  const M = D + 1;
  const moments = new Float64Array(K * M * M);
  const magnitude = new Float64Array(K * M * M);
  const z = new Float64Array(M);
  for (let n = 0; n < N; n++) {
    z[0] = 1;
    for (let i = 0; i < D; i++) {
      const u = Math.fround(x[n * D + i] * scale[i]);
      z[i + 1] = Math.min(Math.max(u, -LARGEST_ENTRY), LARGEST_ENTRY);
    }
    for (let k = 0; k < K; k++)
      for (let a = 0; a < M; a++)
        for (let b = 0; b < M; b++) {
          const term = g[n * K + k] * z[a] * z[b];
          moments[(k * M + a) * M + b] += term;
          magnitude[(k * M + a) * M + b] += Math.abs(term);
        }
  }
  const tolerance = magnitude.map((m) => 2 * (64 + N / 256 + 4) * EPS * m);
  return {moments, tolerance};
}

/** float64 [sum g u^2, sum g u, sum g] of float32 rows, and the summation bound (as for the moments). */
export function referenceDiagonalMoments(u: Float32Array, g: Float32Array, N: number, K: number, D: number) {
  const F = 2 * D + 1;
  const moments = new Float64Array(K * F);
  const magnitude = new Float64Array(K * F);
  for (let n = 0; n < N; n++)
    for (let k = 0; k < K; k++) {
      const gk = g[n * K + k];
      for (let j = 0; j < D; j++) {
        const v = u[n * D + j];
        moments[k * F + j] += gk * v * v;
        magnitude[k * F + j] += Math.abs(gk * v * v);
        moments[k * F + D + j] += gk * v;
        magnitude[k * F + D + j] += Math.abs(gk * v);
      }
      moments[k * F + 2 * D] += gk;
      magnitude[k * F + 2 * D] += Math.abs(gk);
    }
  const tolerance = magnitude.map((m) => 2 * (64 + N / 256 + 4) * EPS * m);
  return {moments, tolerance};
}

/**
 * float64 whitened rows u = (x - c) r (each rounded to float32, as the kernel forms them) and
 * squared norms max(0, sum_j a u^2 - 2 a v u + b) of float32 inputs, with the bound each float32
 * norm is held to: 2D + 1 rounded terms summed, each with up to three roundings, so ~(2D + 4)
 * eps times the sum of their magnitudes (a factor 2 of slack).
 */
export function referenceDiagonalNorms(
  inputs: {x: Float32Array; center: Float32Array; scale: Float32Array; a: Float32Array; v: Float32Array},
  N: number,
  K: number,
  D: number,
) {
  const {x, center, scale, a, v} = inputs;
  const u = new Float64Array(N * D);
  for (let n = 0; n < N; n++)
    for (let j = 0; j < D; j++) u[n * D + j] = Math.fround(Math.fround(x[n * D + j] - center[j]) * scale[j]);
  const constant = Float32Array.from({length: K}, (_, k) => {
    let b = 0;
    for (let j = 0; j < D; j++) b += a[k * D + j] * v[k * D + j] * v[k * D + j];
    return b;
  });
  const norms = new Float64Array(N * K);
  const tolerance = new Float64Array(N * K);
  for (let n = 0; n < N; n++)
    for (let k = 0; k < K; k++) {
      let sum = constant[k];
      let magnitude = Math.abs(constant[k]);
      for (let j = 0; j < D; j++) {
        const w = u[n * D + j];
        const terms = [a[k * D + j] * w * w, -2 * a[k * D + j] * v[k * D + j] * w];
        for (const t of terms) {
          sum += t;
          magnitude += Math.abs(t);
        }
      }
      norms[n * K + k] = Math.max(sum, 0);
      tolerance[n * K + k] = 2 * (2 * D + 4) * EPS * magnitude;
    }
  return {u, constant, norms, tolerance};
}
