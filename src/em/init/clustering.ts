/**
 * k-means for initialising EM: k-means++ seeding (scikit-learn's greedy variant) and Lloyd
 * iterations with scikit-learn's stopping rules. Works on the prepared (centered, scaled) data.
 * The O(N D K) distance computations run on the backend (squared distances
 * |x|^2 - 2 x.c + |c|^2 from one matmul per chunk); the host reads back what the sequential
 * choices need (the closest distances for k-means++ sampling, the labels) and does the O(N D)
 * centroid sums in float64.
 */
import * as tf from '@tensorflow/tfjs-core';

import {EmData} from '../data';
import {SeededRandom, searchCumulative} from '../../util/random';

/** One-hot float rows [B, K] of int32 labels (tf.oneHot needs K >= 2). */
export function oneHotRows(labels: tf.Tensor1D, K: number): tf.Tensor2D {
  if (K === 1) return tf.ones([labels.shape[0], 1]);
  return tf.cast(tf.oneHot(labels, K), 'float32') as tf.Tensor2D;
}

/** Picks a row with probability proportional to its sample weight. */
function weightedIndex(data: EmData, rng: SeededRandom): number {
  if (!data.sampleWeights) return rng.integer(data.N);
  const cumulative = new Float64Array(data.N);
  let total = 0;
  for (let n = 0; n < data.N; n++) {
    total += data.sampleWeights[n];
    cumulative[n] = total;
  }
  return searchCumulative(cumulative, rng.uniform() * total);
}

/**
 * Per chunk, the transposed rows x^T [D, B] and their squared norms [1, B] (cached for the fit:
 * x^T is the right operand of every distance matmul, so XNNPACK packs it once).
 */
function transposedRows(data: EmData, index: number): {xT: tf.Tensor2D; norms: tf.Tensor2D} {
  const chunk = data.chunks[index];
  const xT = data.extra(`kmeans:xT:${index}`, () => tf.transpose(chunk.x)) as tf.Tensor2D;
  const norms = data.extra(`kmeans:norms:${index}`, () => tf.sum(tf.square(xT), 0, true)) as tf.Tensor2D;
  return {xT, norms};
}

/** Squared distances [C, B] of centers [C, D] to a chunk's rows, in the transposed layout. */
function squaredDistancesT(centers: tf.Tensor2D, xT: tf.Tensor2D, rowNorms: tf.Tensor2D): tf.Tensor2D {
  const centerNorms = tf.sum(tf.square(centers), -1, true); // [C, 1]
  return tf.relu(tf.add(tf.sub(rowNorms, tf.mul(tf.matMul(centers, xT), 2)), centerNorms)) as tf.Tensor2D;
}

/**
 * min(a, b) for b broadcast over a's leading axis, as b - relu(b - a): on wasm, tf.minimum with
 * broadcasting is ~17x slower than these two ops.
 */
function minimumBroadcast(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.sub(b, tf.relu(tf.sub(b, a)));
}

/**
 * k-means++ seeding, scikit-learn's greedy variant: the first center is a random row (weighted
 * by sample weight); each next one is the best, by total weighted squared distance to the
 * closest center, of 2 + floor(ln K) candidates drawn with probability proportional to
 * w * (squared distance to the closest center so far). Distances are computed in the transposed
 * layout [candidates, rows], where every broadcast runs over the leading axis.
 *
 * @returns the row indices of the centers.
 */
export function kmeansPlusPlusIndices(data: EmData, nClusters: number, rng: SeededRandom): number[] {
  const trials = 2 + Math.floor(Math.log(nClusters));
  const weights = data.sampleWeights;
  const first = weightedIndex(data, rng);
  const indices = [first];
  // Closest squared distance of every row: [1, B] per chunk on the backend, and on the host.
  const closestTo = (center: number[], previous: tf.Tensor2D[] | null): tf.Tensor2D[] =>
    data.chunks.map((_, i) =>
      tf.tidy(() => {
        const {xT, norms} = transposedRows(data, i);
        const d = squaredDistancesT(tf.tensor2d([center]), xT, norms);
        return (previous ? minimumBroadcast(d, previous[i]) : d) as tf.Tensor2D;
      }),
    );
  let closest = closestTo(data.row(first), null);
  const host = new Float64Array(data.N);
  try {
    for (let c = 1; c < nClusters; c++) {
      const cumulative = new Float64Array(data.N);
      let potential = 0;
      data.chunks.forEach((chunk, i) => {
        host.set(closest[i].dataSync(), chunk.start);
        for (let b = 0; b < chunk.size; b++) {
          const n = chunk.start + b;
          potential += (weights ? weights[n] : 1) * host[n];
          cumulative[n] = potential;
        }
      });
      const candidates = Array.from({length: trials}, () => searchCumulative(cumulative, rng.uniform() * potential));
      // One pass: every candidate's total potential sum_n w min(closest, d(candidate)).
      const candidateRows = tf.tensor2d(candidates.map((n) => data.row(n)));
      let potentials: tf.Tensor = tf.zeros([trials]);
      for (let i = 0; i < data.chunks.length; i++) {
        const chunk = data.chunks[i];
        const total = tf.tidy(() => {
          const {xT, norms} = transposedRows(data, i);
          const m = minimumBroadcast(squaredDistancesT(candidateRows, xT, norms), closest[i]); // [T, B]
          return tf.add(potentials, tf.sum(chunk.weightRow ? tf.mul(m, chunk.weightRow) : m, -1));
        });
        potentials.dispose();
        potentials = total;
      }
      const totals = potentials.dataSync();
      tf.dispose([candidateRows, potentials]);
      let best = 0;
      for (let t = 1; t < trials; t++) if (totals[t] < totals[best]) best = t;
      indices.push(candidates[best]);
      const next = closestTo(data.row(candidates[best]), closest);
      tf.dispose(closest);
      closest = next;
    }
  } finally {
    tf.dispose(closest);
  }
  return indices;
}

/** Result of {@link lloyd}. */
export interface LloydResult {
  /** Cluster of every row. */
  labels: Int32Array;
  /** Centers in the scaled space. */
  centers: number[][];
  /** Number of assignment passes. */
  nIter: number;
  /** Weighted sum of squared distances to the assigned centers (scaled space). */
  inertia: number;
  /** Whether the assignments stopped changing within maxIter passes. */
  converged: boolean;
}

/**
 * The label (closest center) of every row: per chunk one matmul of the cached [x, 1] with
 * [-2 C^T; |c|^2] (the squared distance minus |x|^2, which does not change the argmin) and an
 * argMin; only the labels are read back.
 */
export function assignLabels(data: EmData, centers: number[][]): Int32Array {
  const K = centers.length;
  const weights = tf.tidy(() => {
    const c = tf.tensor2d(centers);
    return tf.concat([tf.mul(tf.transpose(c), -2), tf.reshape(tf.sum(tf.square(c), -1), [1, K])], 0);
  });
  const labels = new Int32Array(data.N);
  try {
    data.chunks.forEach((chunk, i) => {
      const augmented = data.extra(`kmeans:augmented:${i}`, () =>
        tf.concat([chunk.x, tf.ones([chunk.size, 1])], 1),
      ) as tf.Tensor2D;
      const label = tf.tidy(() => tf.argMin(tf.matMul(augmented, weights as tf.Tensor2D), -1));
      labels.set(label.dataSync() as Int32Array, chunk.start);
      label.dispose();
    });
  } finally {
    weights.dispose();
  }
  return labels;
}

/** Weighted counts and sums of the rows per label, in float64 on the host (O(N D)). */
function clusterSums(data: EmData, labels: Int32Array, K: number): {counts: number[]; sums: number[][]} {
  const {N, D} = data;
  const counts = new Array<number>(K).fill(0);
  const sums = Array.from({length: K}, () => new Array<number>(D).fill(0));
  for (let n = 0; n < N; n++) {
    const w = data.sampleWeights ? data.sampleWeights[n] : 1;
    if (w === 0) continue;
    const k = labels[n];
    counts[k] += w;
    const sum = sums[k];
    for (let j = 0; j < D; j++) sum[j] += w * data.scaled[n * D + j];
  }
  return {counts, sums};
}

/** Squared distance of every row to its assigned center, in float64 on the host (O(N D)). */
function assignedDistances(data: EmData, labels: Int32Array, centers: number[][]): Float64Array {
  const {N, D} = data;
  const out = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    const c = centers[labels[n]];
    let d = 0;
    for (let j = 0; j < D; j++) d += (data.scaled[n * D + j] - c[j]) ** 2;
    out[n] = d;
  }
  return out;
}

/**
 * Lloyd iterations from `initial` centers, stopping as scikit-learn's KMeans does: when the
 * assignments no longer change, or when the total squared shift of the centers falls to
 * `tol` times the mean variance of the features (1 in the scaled space EM uses), after which
 * the rows are assigned once more to the final centers. An empty cluster is moved to the row
 * farthest from its own center, as scikit-learn relocates empty clusters.
 */
export function lloyd(data: EmData, initial: number[][], maxIter: number, tol = 1e-4): LloydResult {
  const {N} = data;
  const K = initial.length;
  let centers = initial.map((c) => c.slice());
  let previous: Int32Array | null = null;
  let labels: Int32Array = new Int32Array(N);
  let nIter = 0;
  let converged = false;
  while (nIter < maxIter) {
    labels = assignLabels(data, centers);
    nIter++;
    if (previous && previous.every((v, n) => v === labels[n])) {
      converged = true;
      break;
    }
    previous = labels;
    const {counts, sums} = clusterSums(data, labels, K);
    const empty = Array.from({length: K}, (_, k) => k).filter((k) => !(counts[k] > 0));
    if (empty.length) relocateEmpty(data, empty, labels, assignedDistances(data, labels, centers), counts, sums);
    const next = sums.map((sum, k) => (counts[k] > 0 ? sum.map((v) => v / counts[k]) : centers[k]));
    const shift = next.reduce((t, c, k) => t + c.reduce((u, v, j) => u + (v - centers[k][j]) ** 2, 0), 0);
    centers = next;
    if (shift <= tol) {
      labels = assignLabels(data, centers);
      converged = true;
      break;
    }
  }
  const distances = assignedDistances(data, labels, centers);
  let inertia = 0;
  for (let n = 0; n < N; n++) inertia += (data.sampleWeights ? data.sampleWeights[n] : 1) * distances[n];
  return {labels, centers, nIter, inertia, converged};
}

/** Moves each empty cluster onto one of the rows farthest from their centers (host side, rare). */
function relocateEmpty(
  data: EmData,
  empty: number[],
  labels: Int32Array,
  distances: Float64Array,
  counts: number[],
  sums: number[][],
): void {
  const {N, D} = data;
  const weightOf = (n: number) => (data.sampleWeights ? data.sampleWeights[n] : 1);
  const far = Array.from({length: N}, (_, n) => n)
    .filter((n) => weightOf(n) > 0)
    .sort((a, b) => distances[b] - distances[a])
    .slice(0, empty.length);
  empty.forEach((k, i) => {
    const n = far[i];
    if (n === undefined) return;
    const w = weightOf(n);
    const from = labels[n];
    const row = data.row(n);
    counts[from] -= w;
    counts[k] = w;
    for (let j = 0; j < D; j++) {
      sums[from][j] -= w * row[j];
      sums[k][j] = w * row[j];
    }
  });
}

/**
 * scikit-learn's `KMeans(n_init=1)`: k-means++ seeding, then Lloyd iterations until the labels
 * are stable or the centers move less than `tol` (relative to the data's variance).
 */
export function kmeansOnData(
  data: EmData,
  nClusters: number,
  rng: SeededRandom,
  maxIter = 300,
  tol = 1e-4,
): LloydResult {
  const seeds = kmeansPlusPlusIndices(data, nClusters, rng).map((n) => data.row(n));
  return lloyd(data, seeds, maxIter, tol);
}
