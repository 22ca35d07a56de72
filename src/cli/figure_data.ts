/**
 * What --visualize draws of large data: a seeded sample of the rows, and the two axes of the
 * plane, found without a D x D matrix when D is large.
 */
import {SeededRandom} from '../util/random';
import {symmetricEigen} from './eigen';

/** At most this many points are drawn; larger data are sampled (seeded by --seed). */
export const MAX_PLOT_POINTS = 5000;

/** Up to this D the plane comes from the data's D x D covariance; above, from subspace iteration. */
const DENSE_AXES_MAX_DIMS = 64;

/** Rows to draw: all of them, or MAX_PLOT_POINTS of them drawn without replacement (sorted). */
export function plotSample(N: number, seed: number): number[] {
  if (N <= MAX_PLOT_POINTS) return Array.from({length: N}, (_, i) => i);
  return new SeededRandom(seed).choiceWithoutReplacement(N, MAX_PLOT_POINTS).sort((a, b) => a - b);
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** The sample covariance times v, without forming the covariance: sum_n r_n (r_n . v) / n. */
function covarianceTimes(centered: Float64Array[], v: Float64Array): Float64Array {
  const out = new Float64Array(v.length);
  for (const r of centered) {
    const c = dot(r, v) / centered.length;
    for (let i = 0; i < out.length; i++) out[i] += c * r[i];
  }
  return out;
}

function orthonormalize(u: Float64Array, w: Float64Array): void {
  const nu = Math.sqrt(dot(u, u)) || 1;
  for (let i = 0; i < u.length; i++) u[i] /= nu;
  const c = dot(u, w);
  for (let i = 0; i < w.length; i++) w[i] -= c * u[i];
  const nw = Math.sqrt(dot(w, w)) || 1;
  for (let i = 0; i < w.length; i++) w[i] /= nw;
}

/**
 * The data's first two principal axes (unit vectors of length D, D > 2): eigenvectors of the
 * sample covariance for D <= 64, else 100 steps of seeded subspace iteration followed by a
 * Rayleigh-Ritz rotation (O(rows x D) memory and work per step).
 */
export function principalAxes(x: number[][], seed: number): [number[], number[]] {
  const D = x[0].length;
  const mean = new Float64Array(D);
  for (const r of x) for (let j = 0; j < D; j++) mean[j] += r[j] / x.length;
  const centered = x.map((r) => Float64Array.from(r, (v, j) => v - mean[j]));
  if (D <= DENSE_AXES_MAX_DIMS) {
    const cov = Array.from({length: D}, (_, i) =>
      Array.from({length: D}, (__, j) => centered.reduce((s, r) => s + r[i] * r[j], 0) / x.length),
    );
    const [u, w] = symmetricEigen(cov).vectors;
    return [u, w];
  }
  const rng = new SeededRandom(seed);
  let u: Float64Array = Float64Array.from({length: D}, () => rng.normal());
  let w: Float64Array = Float64Array.from({length: D}, () => rng.normal());
  orthonormalize(u, w);
  for (let step = 0; step < 100; step++) {
    [u, w] = [covarianceTimes(centered, u), covarianceTimes(centered, w)];
    orthonormalize(u, w);
  }
  const [cu, cw] = [covarianceTimes(centered, u), covarianceTimes(centered, w)];
  const {vectors} = symmetricEigen([
    [dot(u, cu), dot(u, cw)],
    [dot(w, cu), dot(w, cw)],
  ]);
  const rotate = (a: number, b: number) => Array.from(u, (ui, i) => a * ui + b * w[i]);
  return [rotate(vectors[0][0], vectors[0][1]), rotate(vectors[1][0], vectors[1][1])];
}
