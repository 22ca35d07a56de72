/**
 * k-means for initialising EM: k-means++ seeding (scikit-learn's greedy variant) and Lloyd
 * iterations until the assignments stop changing. Works on the prepared (centred, scaled) data.
 * Distances, assignments and centroid sums run on the backend (squared distances
 * |x|^2 - 2 x.c + |c|^2 from one matmul per chunk, clipped at zero); the host reads back only
 * what the sequential choices need (the closest distances for k-means++ sampling, the labels to
 * detect convergence, and [K, D]-sized sums).
 */
import * as tf from '@tensorflow/tfjs-core';

import {Chunk, EmData} from '../data';
import {SeededRandom, searchCumulative} from '../random';

/** One-hot float rows [B, K] of int32 labels (tf.oneHot needs K >= 2). */
export function oneHotRows(labels: tf.Tensor1D, K: number): tf.Tensor2D {
  if (K === 1) return tf.ones([labels.shape[0], 1]);
  return tf.cast(tf.oneHot(labels, K), 'float32') as tf.Tensor2D;
}

/** Squared distances [B, C] of the rows of x to centres given transposed ([D, C]) with norms [1, C]. */
function squaredDistances(x: tf.Tensor2D, centresT: tf.Tensor2D, centreNorms: tf.Tensor2D): tf.Tensor2D {
  const rowNorms = tf.sum(tf.square(x), -1, true);
  return tf.relu(tf.add(tf.sub(rowNorms, tf.mul(tf.matMul(x, centresT), 2)), centreNorms)) as tf.Tensor2D;
}

/** Centres given as host rows -> (transposed centres [D, C], squared norms [1, C]). */
function centreTensors(centres: number[][]): [tf.Tensor2D, tf.Tensor2D] {
  return tf.tidy(() => {
    const c = tf.tensor2d(centres);
    return [tf.transpose(c) as tf.Tensor2D, tf.reshape(tf.sum(tf.square(c), -1), [1, centres.length]) as tf.Tensor2D];
  }) as [tf.Tensor2D, tf.Tensor2D];
}

/** sum_n w_n t_n over the rows of a chunk ([B, C] -> [1, C]) as a matmul. */
function weightedColumnSums(chunk: Chunk, t: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(chunk.weightRow ?? tf.ones([1, chunk.size]), t);
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
 * k-means++ seeding, scikit-learn's greedy variant: the first centre is a random row (weighted
 * by sample weight); each next one is the best, by total weighted squared distance to the
 * closest centre, of 2 + floor(ln K) candidates drawn with probability proportional to
 * w * (squared distance to the closest centre so far).
 *
 * @returns the row indices of the centres.
 */
export function kmeansPlusPlusIndices(data: EmData, nClusters: number, rng: SeededRandom): number[] {
  const trials = 2 + Math.floor(Math.log(nClusters));
  const weights = data.sampleWeights;
  const first = weightedIndex(data, rng);
  const indices = [first];
  // Closest squared distance of every row, on the backend ([B, 1] per chunk) and on the host.
  let closest: tf.Tensor2D[] = [];
  const host = new Float64Array(data.N);
  const [firstT, firstNorm] = centreTensors([data.row(first)]);
  for (const chunk of data.chunks) closest.push(tf.tidy(() => squaredDistances(chunk.x, firstT, firstNorm)));
  tf.dispose([firstT, firstNorm]);
  try {
    for (let c = 1; c < nClusters; c++) {
      const cumulative = new Float64Array(data.N);
      let potential = 0;
      data.chunks.forEach((chunk, i) => {
        const values = closest[i].dataSync();
        for (let b = 0; b < chunk.size; b++) {
          const n = chunk.start + b;
          host[n] = values[b];
          potential += (weights ? weights[n] : 1) * values[b];
          cumulative[n] = potential;
        }
      });
      const candidates = Array.from({length: trials}, () => searchCumulative(cumulative, rng.uniform() * potential));
      // One pass: every candidate's updated closest distances and total potential.
      const [candT, candNorms] = centreTensors(candidates.map((n) => data.row(n)));
      const updated: tf.Tensor2D[] = [];
      let potentials: tf.Tensor = tf.zeros([1, trials]);
      for (let i = 0; i < data.chunks.length; i++) {
        const chunk = data.chunks[i];
        const [m, total] = tf.tidy(() => {
          const m = tf.minimum(squaredDistances(chunk.x, candT, candNorms), closest[i]) as tf.Tensor2D;
          return [m, tf.add(potentials, weightedColumnSums(chunk, m))];
        });
        updated.push(m as tf.Tensor2D);
        potentials.dispose();
        potentials = total;
      }
      const totals = potentials.dataSync();
      tf.dispose([candT, candNorms, potentials]);
      let best = 0;
      for (let t = 1; t < trials; t++) if (totals[t] < totals[best]) best = t;
      indices.push(candidates[best]);
      const next = updated.map((m, i) => tf.tidy(() => tf.slice(m, [0, best], [data.chunks[i].size, 1]) as tf.Tensor2D));
      tf.dispose([...updated, ...closest]);
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
  /** Centres in the scaled space. */
  centres: number[][];
  /** Number of assignment passes. */
  nIter: number;
  /** Weighted sum of squared distances to the assigned centres (scaled space). */
  inertia: number;
  /** Whether the assignments stopped changing within maxIter passes. */
  converged: boolean;
}

/** One pass: labels, distances to the closest centre, and per-cluster [count, sum of rows]. */
function assignAndSum(data: EmData, centres: number[][]): {labels: Int32Array; distances: Float64Array; sums: Float32Array} {
  const K = centres.length;
  const [centresT, norms] = centreTensors(centres);
  const labels = new Int32Array(data.N);
  const distances = new Float64Array(data.N);
  let sums: tf.Tensor = tf.zeros([K, data.D + 1]);
  try {
    for (const chunk of data.chunks) {
      const [label, distance, total] = tf.tidy(() => {
        const d = squaredDistances(chunk.x, centresT, norms);
        const label = tf.argMin(d, -1) as tf.Tensor1D;
        let oneHot: tf.Tensor = oneHotRows(label, K);
        if (chunk.weightColumn) oneHot = tf.mul(oneHot, chunk.weightColumn);
        const augmented = tf.concat([tf.ones([chunk.size, 1]), chunk.x], 1);
        return [label, tf.min(d, -1), tf.add(sums, tf.matMul(tf.transpose(oneHot), augmented))];
      });
      labels.set(label.dataSync() as Int32Array, chunk.start);
      distances.set(distance.dataSync(), chunk.start);
      tf.dispose([label, distance, sums]);
      sums = total;
    }
    return {labels, distances, sums: sums.dataSync() as Float32Array};
  } finally {
    tf.dispose([centresT, norms, sums]);
  }
}

/**
 * Lloyd iterations from `initial` centres until the assignments stop changing (or `maxIter`
 * passes). An empty cluster is moved to the row farthest from its own centre, as scikit-learn
 * relocates empty clusters.
 */
export function lloyd(data: EmData, initial: number[][], maxIter: number): LloydResult {
  const {N, D} = data;
  const K = initial.length;
  let centres = initial.map((c) => c.slice());
  let previous: Int32Array | null = null;
  let labels: Int32Array = new Int32Array(N);
  let distances: Float64Array = new Float64Array(N);
  let nIter = 0;
  let converged = false;
  while (nIter < maxIter) {
    const pass = assignAndSum(data, centres);
    ({labels, distances} = pass);
    nIter++;
    if (previous && previous.every((v, n) => v === labels[n])) {
      converged = true;
      break;
    }
    previous = labels;
    const counts = Array.from({length: K}, (_, k) => pass.sums[k * (D + 1)]);
    const sums = Array.from({length: K}, (_, k) => Array.from(pass.sums.subarray(k * (D + 1) + 1, (k + 1) * (D + 1))));
    const empty = Array.from({length: K}, (_, k) => k).filter((k) => !(counts[k] > 0));
    if (empty.length) relocateEmpty(data, empty, labels, distances, counts, sums);
    centres = sums.map((s, k) => (counts[k] > 0 ? s.map((v) => v / counts[k]) : centres[k]));
  }
  let inertia = 0;
  for (let n = 0; n < N; n++) inertia += (data.sampleWeights ? data.sampleWeights[n] : 1) * distances[n];
  return {labels, centres, nIter, inertia, converged};
}

/** Moves each empty cluster onto one of the rows farthest from their centres (host side, rare). */
function relocateEmpty(data: EmData, empty: number[], labels: Int32Array, distances: Float64Array, counts: number[], sums: number[][]): void {
  const {N, D} = data;
  const weightOf = (n: number) => (data.sampleWeights ? data.sampleWeights[n] : 1);
  const far = Array.from({length: N}, (_, n) => n).filter((n) => weightOf(n) > 0)
    .sort((a, b) => distances[b] - distances[a]).slice(0, empty.length);
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

/** Labels of the closest centre for every row. */
export function nearestLabels(data: EmData, centres: number[][]): Int32Array {
  return assignAndSum(data, centres).labels;
}

/** scikit-learn's `KMeans(n_init=1)`: k-means++ seeding, then Lloyd until the labels are stable. */
export function kmeansOnData(data: EmData, nClusters: number, rng: SeededRandom, maxIter = 300): LloydResult {
  const seeds = kmeansPlusPlusIndices(data, nClusters, rng).map((n) => data.row(n));
  return lloyd(data, seeds, maxIter);
}
