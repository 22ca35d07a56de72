/**
 * A plain float64 JavaScript implementation of the GMM log-probabilities, written independently
 * of the library (no tfjs), and central finite differences on top of it.
 */

export type CovType = 'full' | 'tied' | 'diag' | 'spherical' | 'shared_isotropic' | 'constant';
export type Nd = number | Nd[];

/** Flattens nested arrays. */
function flatten(a: Nd): number[] {
  return typeof a === 'number' ? [a] : (a as Nd[]).flatMap(flatten);
}

function shapeOf(a: Nd): number[] {
  const shape: number[] = [];
  let cur: Nd = a;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0];
  }
  return shape;
}

/** A dense float64 array with a shape. */
export class F64 {
  constructor(
    readonly data: Float64Array,
    readonly shape: number[],
  ) {}
  static from(a: Nd): F64 {
    return new F64(Float64Array.from(flatten(a)), shapeOf(a));
  }
  get size(): number {
    return this.data.length;
  }
  clone(): F64 {
    return new F64(this.data.slice(), this.shape.slice());
  }
}

/** Lower Cholesky factor in float64 (throws when a pivot is not positive). */
export function choleskyLower(a: number[][]): number[][] {
  const n = a.length;
  const L = a.map(() => new Array(n).fill(0));
  for (let j = 0; j < n; j++) {
    let s = a[j][j];
    for (let k = 0; k < j; k++) s -= L[j][k] * L[j][k];
    if (!(s > 0)) throw new Error('reference: not positive definite');
    L[j][j] = Math.sqrt(s);
    for (let i = j + 1; i < n; i++) {
      let t = a[i][j];
      for (let k = 0; k < j; k++) t -= L[i][k] * L[j][k];
      L[i][j] = t / L[j][j];
    }
  }
  return L;
}

/** log N(x | mu, Sigma) in float64 via Cholesky of the symmetric part of Sigma. */
function logNormalCov(x: number[], mu: number[], sigma: number[][]): number {
  const D = x.length;
  const sym = sigma.map((row, i) => row.map((v, j) => 0.5 * (v + sigma[j][i])));
  const L = choleskyLower(sym);
  const z = new Array(D).fill(0);
  for (let i = 0; i < D; i++) {
    let s = x[i] - mu[i];
    for (let k = 0; k < i; k++) s -= L[i][k] * z[k];
    z[i] = s / L[i][i];
  }
  let quad = 0;
  let logDet = 0;
  for (let i = 0; i < D; i++) {
    quad += z[i] * z[i];
    logDet += 2 * Math.log(L[i][i]);
  }
  return -0.5 * (quad + logDet + D * Math.log(2 * Math.PI));
}

/** log N via an upper-triangular precision factor P (entries below the diagonal ignored). */
function logNormalPrecChol(x: number[], mu: number[], P: number[][]): number {
  const D = x.length;
  let quad = 0;
  let logDet = 0;
  for (let j = 0; j < D; j++) {
    let y = 0;
    for (let i = 0; i <= j; i++) y += (x[i] - mu[i]) * P[i][j];
    quad += y * y;
    logDet += Math.log(Math.abs(P[j][j]));
  }
  return logDet - 0.5 * quad - (D / 2) * Math.log(2 * Math.PI);
}

/** Parameters of a mixture as F64 arrays (weights or logits, means, covariance or factor). */
export interface RefParams {
  x: F64;
  weights: F64;
  means: F64;
  cov: F64;
}

/** Reads component k of sample n as a full D x D matrix (covariance or precision factor). */
function matrixAt(type: CovType, cov: F64, perSample: boolean, n: number, k: number, K: number, D: number): number[][] {
  const base = perSample ? n : 0;
  const m: number[][] = [];
  for (let i = 0; i < D; i++) {
    m.push(new Array(D).fill(0));
    for (let j = 0; j < D; j++) {
      if (type === 'full') m[i][j] = cov.data[((base * K + k) * D + i) * D + j];
      else if (type === 'tied') m[i][j] = cov.data[(base * D + i) * D + j];
      else if (i !== j) continue;
      else if (type === 'diag') m[i][j] = cov.data[(base * K + k) * D + i];
      else if (type === 'spherical') m[i][j] = cov.data[base * K + k];
      else m[i][j] = cov.data[base]; // shared_isotropic, constant: one scalar
    }
  }
  return m;
}

/**
 * Per-component log-probabilities [N][K] in float64. `parameterisation` 'natural' reads weights
 * and covariances; 'precisionCholesky' reads logits and precision factors. A parameter is per
 * sample when it has one more axis than its shared shape.
 */
export function referenceLogProb(
  type: CovType,
  p: RefParams,
  parameterisation: 'natural' | 'precisionCholesky',
): number[][] {
  const xShape = p.x.shape;
  const N = xShape.length === 1 ? 1 : xShape[0];
  const D = xShape[xShape.length - 1];
  const K = p.weights.shape[p.weights.shape.length - 1];
  const sharedCovRank = {full: 3, tied: 2, diag: 2, spherical: 1, shared_isotropic: 0, constant: 0}[type];
  const wPer = p.weights.shape.length === 2;
  const mPer = p.means.shape.length === 3;
  const cPer = p.cov.shape.length === sharedCovRank + 1;
  const out: number[][] = [];
  for (let n = 0; n < N; n++) {
    const x = Array.from(p.x.data.slice(n * D, (n + 1) * D));
    const wRow = Array.from(p.weights.data.slice((wPer ? n : 0) * K, ((wPer ? n : 0) + 1) * K));
    let logW: number[];
    if (parameterisation === 'natural') {
      logW = wRow.map(Math.log);
    } else {
      const m = Math.max(...wRow);
      const lse = m + Math.log(wRow.reduce((s, v) => s + Math.exp(v - m), 0));
      logW = wRow.map((v) => v - lse);
    }
    const row: number[] = [];
    for (let k = 0; k < K; k++) {
      const mu = Array.from(p.means.data.slice(((mPer ? n : 0) * K + k) * D, ((mPer ? n : 0) * K + k + 1) * D));
      const mat = matrixAt(type, p.cov, cPer, n, k, K, D);
      const lp = parameterisation === 'natural' ? logNormalCov(x, mu, mat) : logNormalPrecChol(x, mu, mat);
      row.push(logW[k] + lp);
    }
    out.push(row);
  }
  return out;
}

/**
 * Central finite differences of sum(cotangent * f(params)) w.r.t. every entry of one parameter.
 * `step` is scaled by max(1, |value|).
 */
export function finiteDifferenceGradient(
  f: (p: RefParams) => number[][],
  params: RefParams,
  which: keyof RefParams,
  cotangent: number[][],
  step = 1e-6,
): Float64Array {
  const objective = (p: RefParams) =>
    f(p).reduce((s, row, n) => s + row.reduce((t, v, k) => t + v * cotangent[n][k], 0), 0);
  const target = params[which];
  const grad = new Float64Array(target.size);
  for (let i = 0; i < target.size; i++) {
    const original = target.data[i];
    const h = step * Math.max(1, Math.abs(original));
    target.data[i] = original + h;
    const plus = objective(params);
    target.data[i] = original - h;
    const minus = objective(params);
    target.data[i] = original;
    grad[i] = (plus - minus) / (2 * h);
  }
  return grad;
}
