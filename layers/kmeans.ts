/**
 * A small seeded k-means (k-means++ seeding, then Lloyd iterations) on rows held in JavaScript
 * memory, for the data-driven starts of the layers. Plain float64 loops: the layers' starts run
 * once on data of modest size, and a JavaScript loop is the same on every backend.
 */

/** mulberry32: a small seeded PRNG returning uniforms in [0, 1). */
function seededUniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A k-means solution. */
export interface KMeansResult {
  /** [K][D] cluster centres. */
  centers: number[][];
  /** [N] index of each row's nearest centre. */
  labels: Int32Array;
}

function squaredDistance(x: ArrayLike<number>, n: number, center: number[]): number {
  const D = center.length;
  let s = 0;
  for (let d = 0; d < D; d++) {
    const v = x[n * D + d] - center[d];
    s += v * v;
  }
  return s;
}

/**
 * k-means++ seeding (Arthur and Vassilvitskii 2007) followed by Lloyd iterations until the labels
 * stop changing (at most `maxIterations`). An empty cluster is re-seeded at the row farthest from
 * its centre, so every centre ends with at least one row when N >= K.
 *
 * @param x row-major [N, D] values.
 */
export function kMeans(
  x: ArrayLike<number>,
  N: number,
  D: number,
  K: number,
  seed: number,
  maxIterations = 100,
): KMeansResult {
  const uniform = seededUniform(seed);
  const row = (n: number) => Array.from({length: D}, (_, d) => x[n * D + d]);
  const centers: number[][] = [row(Math.min(N - 1, Math.floor(uniform() * N)))];
  const nearest = new Float64Array(N).map((_, n) => squaredDistance(x, n, centers[0]));
  while (centers.length < K) {
    const total = nearest.reduce((s, v) => s + v, 0);
    let pick = 0;
    if (total > 0) {
      let u = uniform() * total;
      while (pick < N - 1 && u >= nearest[pick]) u -= nearest[pick++];
    } else {
      pick = Math.min(N - 1, Math.floor(uniform() * N));
    }
    centers.push(row(pick));
    for (let n = 0; n < N; n++) nearest[n] = Math.min(nearest[n], squaredDistance(x, n, centers[centers.length - 1]));
  }
  const labels = new Int32Array(N).fill(-1);
  const distances = new Float64Array(N);
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    let changed = false;
    for (let n = 0; n < N; n++) {
      let best = 0;
      let bestDistance = Infinity;
      for (let k = 0; k < K; k++) {
        const dk = squaredDistance(x, n, centers[k]);
        if (dk < bestDistance) [best, bestDistance] = [k, dk];
      }
      distances[n] = bestDistance;
      if (labels[n] !== best) [labels[n], changed] = [best, true];
    }
    if (!changed) break;
    const sums = Array.from({length: K}, () => new Float64Array(D));
    const counts = new Float64Array(K);
    for (let n = 0; n < N; n++) {
      counts[labels[n]]++;
      for (let d = 0; d < D; d++) sums[labels[n]][d] += x[n * D + d];
    }
    for (let k = 0; k < K; k++) {
      if (counts[k] > 0) {
        centers[k] = Array.from(sums[k], (s) => s / counts[k]);
      } else {
        const farthest = distances.reduce((best, v, n) => (v > distances[best] ? n : best), 0);
        centers[k] = row(farthest);
        distances[farthest] = 0;
      }
    }
  }
  return {centers, labels};
}
