/**
 * Generated data for the CLI: samples from a random Gaussian mixture.
 */
import {SeededRandom, searchCumulative} from '../util/random';
import {PlainMixture} from './plot';

/** Samples with their true component, and the mixture they came from. */
export interface GeneratedData {
  x: number[][];
  labels: number[];
  truth: PlainMixture;
}

/**
 * Draws a random mixture (weights in [0.5, 1.5] normalised, means uniform in
 * [-radius, radius]^D, covariances A A^T / D scaled to unit size on average, plus 0.1 I) and
 * `samples` points from it. The same seed gives the same data.
 */
export function generateMixtureData(
  samples: number,
  components: number,
  dims: number,
  radius: number,
  seed: number,
): GeneratedData {
  const rng = new SeededRandom(seed);
  const raw = Array.from({length: components}, () => 0.5 + rng.uniform());
  const total = raw.reduce((a, b) => a + b, 0);
  const weights = raw.map((w) => w / total);
  const means = Array.from({length: components}, () =>
    Array.from({length: dims}, () => radius * (2 * rng.uniform() - 1)),
  );
  const factors = Array.from({length: components}, () => {
    const scale = 0.5 + rng.uniform();
    return Array.from({length: dims}, () => Array.from({length: dims}, () => Math.sqrt(scale / dims) * rng.normal()));
  });
  const covariances = factors.map((a) =>
    a.map((row, i) => a.map((other, j) => row.reduce((s, v, t) => s + v * other[t], 0) + (i === j ? 0.1 : 0))),
  );
  // Sampling uses the Cholesky factor of each covariance.
  const choleskyFactors = covariances.map(cholesky);
  const cumulative = Float64Array.from(weights.map((_, k) => weights.slice(0, k + 1).reduce((a, b) => a + b, 0)));
  const x: number[][] = [];
  const labels: number[] = [];
  for (let n = 0; n < samples; n++) {
    const u = rng.uniform();
    const k = searchCumulative(cumulative, u);
    const z = Array.from({length: dims}, () => rng.normal());
    const L = choleskyFactors[k];
    x.push(means[k].map((m, i) => m + L[i].reduce((s, v, j) => s + v * z[j], 0)));
    labels.push(k);
  }
  return {x, labels, truth: {weights, means, covariances}};
}

/** Lower Cholesky factor of a small SPD matrix, in float64. */
function cholesky(a: number[][]): number[][] {
  const n = a.length;
  const L = a.map(() => new Array(n).fill(0));
  for (let j = 0; j < n; j++) {
    const d = a[j][j] - L[j].slice(0, j).reduce((s, v) => s + v * v, 0);
    L[j][j] = Math.sqrt(d);
    for (let i = j + 1; i < n; i++)
      L[i][j] = (a[i][j] - L[i].slice(0, j).reduce((s, v, t) => s + v * L[j][t], 0)) / L[j][j];
  }
  return L;
}
