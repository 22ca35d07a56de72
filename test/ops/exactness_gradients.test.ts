/**
 * Per-component exactness of the gradients of gmmLogProb and gmmLogProbPrecisionCholesky, on the
 * narrow-and-far mixtures of exactness.test.ts, against closed-form float64 gradients of
 * log pi_k + log N(x | mu_k, Sigma_k) on the same float32-rounded inputs:
 *   d/dx = -Sigma^-1 d,  d/dmu = Sigma^-1 d,  d/dSigma = 1/2 (Sigma^-1 d d^T Sigma^-1 - Sigma^-1),
 *   d/dP = upper(diag(1 / P_ii) - d y^T) with y = P^T d,  d/dw = 1/w,  d/dlogits = e_k - softmax.
 * Each component's gradient is taken alone (a one-hot cotangent), so that no other component's
 * larger gradient can hide its error.
 */
import * as tf from '@tensorflow/tfjs-core';
import {expect} from 'chai';

import {gmmLogProb, gmmLogProbPrecisionCholesky} from '../../src';
import {TriangularLayout} from '../../ops/flags';
import {describeOnBackends} from '../helpers/backends';
import {setGmmFlag} from '../helpers/flags';
import {CovType, choleskyLower} from '../helpers/reference_f64';

const EPS = 2 ** -23;
/**
 * Tolerance as a multiple of eps times the gradient's magnitude (each row of d/dx alone, each
 * parameter array as a whole) plus its scale at one standard deviation: products with P of
 * condition up to ~4 and sums over the rows cost a few hundred eps.
 */
const BOUND = 1024;
const f32 = Math.fround;
type Mat = number[][];

const matVec = (A: Mat, v: number[]) => A.map((row) => row.reduce((s, a, j) => s + a * v[j], 0));
const transpose = (A: Mat) => A[0].map((_, j) => A.map((row) => row[j]));

/** (Sigma^-1, upper P) in float64 from Sigma. */
function inverseAndFactor(sigma: Mat): {precision: Mat; P: Mat} {
  const L = choleskyLower(sigma);
  const D = L.length;
  const Linv: Mat = L.map(() => new Array(D).fill(0));
  for (let j = 0; j < D; j++) {
    Linv[j][j] = 1 / L[j][j];
    for (let i = j + 1; i < D; i++) {
      let s = 0;
      for (let k = j; k < i; k++) s -= L[i][k] * Linv[k][j];
      Linv[i][j] = s / L[i][i];
    }
  }
  const P = transpose(Linv);
  return {precision: P.map((row) => P.map((other) => row.reduce((s, a, i) => s + a * other[i], 0))), P};
}

interface Mixture {
  x: Mat;
  weights: number[];
  means: Mat;
  /** Dense matrices per component as the type reads them: covariances or upper P (float32 values). */
  matrices: Mat[];
  nearRows: number[][];
}

function mixture(
  type: CovType,
  parameterisation: 'natural' | 'precisionCholesky',
  narrow: number,
  far: number,
  scale: number,
): Mixture {
  const D = 2;
  const cov = (sd: number): Mat => [
    [f32((sd * scale) ** 2), f32(0.5 * (sd * scale) ** 2)],
    [f32(0.5 * (sd * scale) ** 2), f32(1.25 * (sd * scale) ** 2)],
  ];
  let dense = [cov(narrow), cov(1), cov(2)];
  if (type === 'tied') dense = dense.map(() => dense[0]);
  if (type === 'diag') dense = dense.map((m) => m.map((row, i) => row.map((v, j) => (i === j ? v : 0))));
  if (type === 'spherical') dense = dense.map((m) => m.map((row, i) => row.map((_, j) => (i === j ? m[0][0] : 0))));
  const sds = type === 'tied' ? [narrow, narrow, narrow] : [narrow, 1, 2];
  const means = [
    [0, 0],
    [f32(far * scale), f32(1.1 * far * scale)],
    [f32(-far * scale), f32(-0.95 * far * scale)],
  ];
  const near = (k: number, t: number) => means[k].map((m, j) => f32(m + t * sds[k] * scale * (j ? -1 : 1)));
  const x = [near(0, 0.7), near(0, 3), near(0, 1e4), near(0, 1e5), near(1, 0.3), near(2, 1.5)];
  const matrices =
    parameterisation === 'natural' ? dense : dense.map((m) => inverseAndFactor(m).P.map((r) => r.map(f32)));
  const weights =
    parameterisation === 'natural' ? [0.2, 0.5, 0.3].map(f32) : [0.2, 0.5, 0.3].map((w) => f32(Math.log(w)));
  return {x, weights, means, matrices, nearRows: [[0, 1], [4], [5]].map((r) => r.slice(0, D + 1))};
}

function typeParameter(type: CovType, matrices: Mat[]) {
  if (type === 'full') return matrices;
  if (type === 'tied') return matrices[0];
  if (type === 'diag') return matrices.map((m) => m.map((row, i) => row[i]));
  return matrices.map((m) => m[0][0]);
}

/** Closed-form float64 gradients of sum_{n in rows} (log pi_k + log N_k(x_n)). */
function referenceGradients(
  type: CovType,
  parameterisation: 'natural' | 'precisionCholesky',
  m: Mixture,
  k: number,
  rows: number[],
) {
  const D = m.means[0].length;
  const K = m.means.length;
  const {precision, P} =
    parameterisation === 'natural'
      ? inverseAndFactor(m.matrices[k])
      : {
          P: m.matrices[k],
          precision: m.matrices[k].map((row) => m.matrices[k].map((r2) => row.reduce((s, a, i) => s + a * r2[i], 0))),
        };
  const x = m.x.map(() => new Array(D).fill(0));
  const means = m.means.map(() => new Array(D).fill(0));
  const dense: Mat[] = m.means.map(() => Array.from({length: D}, () => new Array(D).fill(0)));
  for (const n of rows) {
    const d = m.x[n].map((v, j) => v - m.means[k][j]);
    const pd = matVec(precision, d);
    for (let j = 0; j < D; j++) {
      x[n][j] -= pd[j];
      means[k][j] += pd[j];
    }
    const y = matVec(transpose(P), d);
    for (let i = 0; i < D; i++)
      for (let j = 0; j < D; j++) {
        if (parameterisation === 'natural') dense[k][i][j] += 0.5 * (pd[i] * pd[j] - precision[i][j]);
        else if (j >= i) dense[k][i][j] += (i === j ? 1 / P[i][i] : 0) - d[i] * y[j];
      }
  }
  const count = rows.length;
  const weights =
    parameterisation === 'natural'
      ? m.weights.map((w, j) => (j === k ? count / w : 0))
      : (() => {
          const e = m.weights.map(Math.exp);
          const total = e.reduce((a, b) => a + b, 0);
          return e.map((v, j) => count * ((j === k ? 1 : 0) - v / total));
        })();
  let covariance: number[] | Mat | Mat[];
  if (type === 'full') covariance = dense;
  else if (type === 'tied') covariance = dense[k];
  else if (type === 'diag') covariance = dense.map((mm) => mm.map((row, i) => row[i]));
  else covariance = dense.map((mm) => mm.reduce((s, row, i) => s + row[i], 0));
  return {x, weights, means, covariance, K};
}

function expectWithin(actual: ArrayLike<number>, expected: number[], floor: number, label: string): void {
  const magnitude = expected.reduce((s, v) => Math.max(s, Math.abs(v)), 0) + floor;
  for (let i = 0; i < expected.length; i++) {
    const error = Math.abs(actual[i] - expected[i]);
    expect(error / (EPS * magnitude), `${label} entry ${i}: ${actual[i]} vs ${expected[i]}`).to.be.at.most(BOUND);
  }
}

describeOnBackends('per-component exactness of the gradients', () => {
  const scenarios: Array<[number, number, number]> = [
    [1e-3, 1e6, 1],
    [1e-4, 1e4, 1],
    [1e-3, 1e2, 1e-12],
    [1e-3, 1e4, 1e12],
    // Components a few sd apart: one group, the feature-basis kernels (diag/spherical; full/tied on
    // the features layout).
    [1, 3, 1],
    [0.5, 2, 1e12],
  ];
  // Each triangular layout on every backend (the default picks one per backend); 'auto' also runs
  // the diagonal types.
  // The last run forces the tf-ops forms of the shared kernels' WebAssembly parts.
  const runs: Array<[number, TriangularLayout, boolean]> = [
    [32, 'auto', true],
    [0, 'auto', true],
    [32, 'generic', true],
    [32, 'wasm', true],
    [32, 'features', true],
    [32, 'auto', false],
  ];
  for (const [limit, layout, wasmKernels] of runs)
    it(`${limit === 0 ? 'exact path forced' : 'planned (default)'}, ${layout} triangular layout${wasmKernels ? '' : ', tf-ops forms'}: x, weights, means and covariance gradients of ${layout === 'auto' ? 'every type' : 'full and tied'}`, () => {
      const previous = setGmmFlag('GMM_KERNEL_EXACT_LIMIT', limit);
      const previousLayout = setGmmFlag('GMM_TRIANGULAR_LAYOUT', layout);
      const previousTriangular = setGmmFlag('GMM_TRIANGULAR_WASM_KERNELS', wasmKernels);
      const previousDiagonal = setGmmFlag('GMM_DIAGONAL_WASM_KERNEL', wasmKernels);
      const types: CovType[] = layout === 'auto' ? ['full', 'tied', 'diag', 'spherical'] : ['full', 'tied'];
      try {
        for (const [narrow, far, scale] of scenarios)
          for (const type of types)
            for (const parameterisation of ['natural', 'precisionCholesky'] as const) {
              const m = mixture(type, parameterisation, narrow, far, scale);
              const op = parameterisation === 'natural' ? gmmLogProb : gmmLogProbPrecisionCholesky;
              const N = m.x.length;
              for (let k = 0; k < 3; k++) {
                const label = `sd ${narrow}, far ${far}, scale ${scale}, ${type}, ${parameterisation}, component ${k}`;
                const cotangent = (rows: number[]) =>
                  tf.tensor2d(
                    Array.from({length: N}, (_, n) => [0, 1, 2].map((j) => (j === k && rows.includes(n) ? 1 : 0))),
                  );
                const grads = (rows: number[]) =>
                  tf.tidy(() => {
                    const c = cotangent(rows);
                    return tf
                      .grads((x: tf.Tensor, w: tf.Tensor, mu: tf.Tensor, cov: tf.Tensor) =>
                        tf.sum(tf.mul(op(x, w, mu, cov, type), c)),
                      )([
                        tf.tensor(m.x),
                        tf.tensor(m.weights),
                        tf.tensor(m.means),
                        tf.tensor(typeParameter(type, m.matrices) as number[]),
                      ])
                      .map((g) => Array.from(g.dataSync()));
                  });
                const sdScale = 1 / ((type === 'tied' ? narrow : [narrow, 1, 2][k]) * scale);
                // d/dx over every row (far rows included), each row against its own magnitude.
                const allRows = Array.from({length: N}, (_, n) => n);
                const [gx] = grads(allRows);
                const refAll = referenceGradients(type, parameterisation, m, k, allRows);
                refAll.x.forEach((row, n) =>
                  expectWithin(gx.slice(2 * n, 2 * n + 2), row, sdScale, `${label}: d/dx row ${n}`),
                );
                // Parameters from the rows near component k.
                const rows = m.nearRows[k];
                const [, gw, gmu, gcov] = grads(rows);
                const ref = referenceGradients(type, parameterisation, m, k, rows);
                expectWithin(gw, ref.weights, 1, `${label}: weights`);
                expectWithin(gmu, ref.means.flat(), rows.length * sdScale, `${label}: means`);
                const covScale = rows.length * (parameterisation === 'natural' ? sdScale ** 2 : 1 / sdScale);
                expectWithin(gcov, [ref.covariance].flat(3) as number[], covScale, `${label}: covariance`);
              }
            }
      } finally {
        setGmmFlag('GMM_KERNEL_EXACT_LIMIT', previous);
        setGmmFlag('GMM_TRIANGULAR_LAYOUT', previousLayout);
        setGmmFlag('GMM_TRIANGULAR_WASM_KERNELS', previousTriangular);
        setGmmFlag('GMM_DIAGONAL_WASM_KERNEL', previousDiagonal);
      }
    });
});
