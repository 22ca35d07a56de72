/**
 * The data-driven start of MixtureDensityHead.initializeFrom: the head's bias is set so that,
 * whatever the features, the predicted mixture starts as a k-means mixture of the targets (each
 * component on its own cluster, with the cluster's weight, spread and, for 'full', correlations),
 * and its kernel is scaled down so that the features only perturb that start. No component then
 * starts far from every target, where its weight's gradient vanishes.
 */
import {ResolvedMdnSpec} from '../ops/mdn/spec';
import {assertInteger, assertNumber, optionKeys} from '../ops/util/args';
import {kMeans} from './kmeans';

/** Options of `MixtureDensityHead.initializeFrom`. */
export interface MdnInitializeOptions {
  /** Seed of the k-means++ seeding (default 0). */
  seed?: number;
  /** Factor applied to the kernel (default 0.1): how much the features move the start at first. */
  kernelScale?: number;
}

/** The keys of {@link MdnInitializeOptions}. */
export const MDN_INITIALIZE_OPTION_KEYS = optionKeys<MdnInitializeOptions>({seed: true, kernelScale: true});

/** The options with defaults filled in, validated. */
export function resolveMdnInitializeOptions(fn: string, options: MdnInitializeOptions): Required<MdnInitializeOptions> {
  const {seed = 0, kernelScale = 0.1} = options;
  assertInteger(fn, 'options.seed', seed, 0);
  assertNumber(fn, 'options.kernelScale', kernelScale, {min: 0});
  return {seed, kernelScale};
}

/** softplus^-1(y) for y > 0, in float64. */
function softplusInverse(y: number): number {
  return y + Math.log(-Math.expm1(-y));
}

/** Lower Cholesky factor of a small SPD matrix (float64), or null when it is not positive definite. */
function cholesky(a: number[][]): number[][] | null {
  const D = a.length;
  const l = a.map(() => new Array<number>(D).fill(0));
  for (let j = 0; j < D; j++) {
    for (let i = j; i < D; i++) {
      let s = a[i][j];
      for (let k = 0; k < j; k++) s -= l[i][k] * l[j][k];
      if (i === j) {
        if (!(s > 0)) return null;
        l[j][j] = Math.sqrt(s);
      } else {
        l[i][j] = s / l[j][j];
      }
    }
  }
  return l;
}

/** Inverse of a lower-triangular matrix (float64). */
function lowerInverse(l: number[][]): number[][] {
  const D = l.length;
  const m = l.map(() => new Array<number>(D).fill(0));
  for (let j = 0; j < D; j++) {
    m[j][j] = 1 / l[j][j];
    for (let i = j + 1; i < D; i++) {
      let s = 0;
      for (let k = j; k < i; k++) s += l[i][k] * m[k][j];
      m[i][j] = -s / l[i][i];
    }
  }
  return m;
}

/**
 * A cluster's conditional standard deviations and autoregressive coefficients in the head's
 * layout (spec.ts): with M = L^-1 for the covariance's Cholesky factor L, row j of M (y - mu) is
 * standard normal, so sigma_j = 1 / M_jj and c_ji = -M_ji / M_ii.
 */
function autoregression(covariance: number[][]): {scales: number[]; coefficients: number[]} {
  const m = lowerInverse(cholesky(covariance)!);
  const D = covariance.length;
  const coefficients: number[] = [];
  for (let j = 1; j < D; j++) for (let i = 0; i < j; i++) coefficients.push(-m[j][i] / m[i][i]);
  return {scales: m.map((row, j) => 1 / row[j]), coefficients};
}

/**
 * The head's bias [P] for targets y (row-major [N, D], N >= 1): logits log(weight), means the
 * k-means centres, standard deviations (conditional ones and coefficients for 'full') from each
 * cluster's covariance. A cluster of one target, or of equal targets, takes the spread of all
 * targets, so every component starts with a positive width.
 */
export function mdnStartBias(y: ArrayLike<number>, N: number, spec: ResolvedMdnSpec, seed: number): Float32Array {
  const {nComponents: K, outputDim: D, covarianceType, minScale} = spec;
  const clusters = Math.min(K, N);
  const {centers, labels} = kMeans(y, N, D, clusters, seed);
  const covarianceOf = (rows: number[], centre: number[]) =>
    centre.map((ci, i) =>
      centre.map((cj, j) => rows.reduce((s, n) => s + (y[n * D + i] - ci) * (y[n * D + j] - cj), 0) / rows.length),
    );
  const all = Array.from({length: N}, (_, n) => n);
  const overallMean = Array.from({length: D}, (_, d) => all.reduce((s, n) => s + y[n * D + d], 0) / N);
  const overall = covarianceOf(all, overallMean);
  // A floor on every start variance: a small share of the overall spread, and above minScale^2.
  const floor = overall.map((row, d) => Math.max(1e-4 * row[d], 4 * minScale * minScale, 1e-12));
  const bias = new Float32Array(spec.paramsSize);
  const scalesOffset = K + K * D;
  const coefficientsOffset = scalesOffset + spec.scalesSize;
  const M = (D * (D - 1)) / 2;
  for (let k = 0; k < K; k++) {
    // Components beyond the number of targets share the clusters (only when N < K).
    const cluster = k % clusters;
    const rows = all.filter((n) => labels[n] === cluster);
    const covariance = (rows.length > 1 ? covarianceOf(rows, centers[cluster]) : overall).map((row, i) =>
      row.map((v, j) => (i === j ? v + floor[i] : v)),
    );
    bias[k] = Math.log(Math.max(rows.length, 1) / N);
    centers[cluster].forEach((v, d) => (bias[K + k * D + d] = v));
    const toRaw = (sigma: number) => softplusInverse(Math.max(sigma - minScale, minScale));
    if (covarianceType === 'spherical') {
      bias[scalesOffset + k] = toRaw(Math.sqrt(covariance.reduce((s, row, d) => s + row[d], 0) / D));
    } else if (covarianceType === 'diag') {
      covariance.forEach((row, d) => (bias[scalesOffset + k * D + d] = toRaw(Math.sqrt(row[d]))));
    } else {
      const {scales, coefficients} = autoregression(covariance);
      scales.forEach((s, d) => (bias[scalesOffset + k * D + d] = toRaw(s)));
      coefficients.forEach((c, m) => (bias[coefficientsOffset + k * M + m] = c));
    }
  }
  return bias;
}
