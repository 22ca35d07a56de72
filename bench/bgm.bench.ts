/**
 * BayesianGaussianMixture: ms per variational iteration (E-step, M-step, lower bound) at the
 * `em` section's size (N = 100,000, D = 16, K = 16; the cpu backend N = 10,000), full and diag,
 * next to scikit-learn's BayesianGaussianMixture on the same data from the same start (the same
 * one-hot responsibilities, through scikit-learn's `_initialize(X, resp)`), in the same run.
 * Ours is the median time between consecutive onIteration callbacks; scikit-learn's is
 * (t(1 + n iterations) - t(1 iteration)) / n, tol = 0 on both sides.
 */
import * as tf from '@tensorflow/tfjs-core';
import {execFileSync} from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import {BayesianGaussianMixture} from '../src';
import {SeededRandom} from '../src/util/random';
import {BenchRow} from './harness';

type BenchType = 'full' | 'diag';

/** K clusters with centers ~ N(0, 3^2 I) and unit spread, seeded (as em.bench.ts). */
function generate(N: number, D: number, K: number, seed: number): Float32Array {
  const rng = new SeededRandom(seed);
  const centers = Array.from({length: K}, () => Array.from({length: D}, () => 3 * rng.normal()));
  const x = new Float32Array(N * D);
  for (let n = 0; n < N; n++) {
    const c = centers[rng.integer(K)];
    for (let j = 0; j < D; j++) x[n * D + j] = c[j] + rng.normal();
  }
  return x;
}

/** The start: every row labelled with the nearest of K spread-out rows. */
function startLabels(x: Float32Array, N: number, D: number, K: number): Int32Array {
  const seeds = Array.from({length: K}, (_, k) => Math.floor((k * N) / K));
  const labels = new Int32Array(N);
  for (let n = 0; n < N; n++) {
    let best = Infinity;
    for (let k = 0; k < K; k++) {
      let d = 0;
      for (let j = 0; j < D; j++) d += (x[n * D + j] - x[seeds[k] * D + j]) ** 2;
      if (d < best) {
        best = d;
        labels[n] = k;
      }
    }
  }
  return labels;
}

const SKLEARN = `
import json, sys, time, warnings
import numpy as np
import sklearn
from sklearn.mixture import BayesianGaussianMixture
warnings.filterwarnings("ignore")
prefix, n, d, k, cov_type, iters = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], int(sys.argv[6])
x = np.fromfile(prefix + ".bin", dtype=np.float32).reshape(n, d).astype(np.float64)
resp = np.eye(k)[np.fromfile(prefix + ".labels", dtype=np.int32)]
class FromResponsibilities(BayesianGaussianMixture):
    def _initialize_parameters(self, X, random_state, **kwargs):  # newer scikit-learn passes xp
        self._initialize(X, resp)
def run(max_iter):
    bgm = FromResponsibilities(n_components=k, covariance_type=cov_type, max_iter=max_iter, tol=0)
    t = time.perf_counter()
    bgm.fit(x)
    return time.perf_counter() - t
run(1)
per_iteration = min((run(1 + iters) - run(1)) / iters for _ in range(2))
try:
    from threadpoolctl import threadpool_info
    threads = max(i["num_threads"] for i in threadpool_info())
except Exception:
    threads = None
print(json.dumps({"ms": 1000 * per_iteration, "version": sklearn.__version__, "threads": threads}))
`;

/** A python with scikit-learn: python3 on the PATH, else the system's, else null. */
function pythonWithSklearn(): string | null {
  for (const python of ['python3', '/usr/bin/python3']) {
    try {
      execFileSync(python, ['-c', 'import sklearn'], {stdio: 'ignore'});
      return python;
    } catch {
      // try the next one
    }
  }
  return null;
}

function sklearnMsPerIteration(
  x: Float32Array,
  labels: Int32Array,
  N: number,
  D: number,
  K: number,
  type: BenchType,
  iterations: number,
): {ms: number; label: string} | null {
  const python = pythonWithSklearn();
  if (python === null) return null;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-gmm-bench-bgm-'));
  try {
    const prefix = path.join(dir, 'data');
    fs.writeFileSync(`${prefix}.bin`, Buffer.from(x.buffer, x.byteOffset, x.byteLength));
    fs.writeFileSync(`${prefix}.labels`, Buffer.from(labels.buffer, labels.byteOffset, labels.byteLength));
    const out = JSON.parse(
      execFileSync(python, ['-c', SKLEARN, prefix, String(N), String(D), String(K), type, String(iterations)], {
        encoding: 'utf8',
      }),
    );
    return {
      ms: out.ms,
      label: `scikit-learn ${out.version} BayesianGaussianMixture (float64${out.threads ? `, ${out.threads} BLAS threads` : ''})`,
    };
  } finally {
    fs.rmSync(dir, {recursive: true, force: true});
  }
}

/** Median ms between consecutive iterations of one fit (the first, which builds the features, excluded). */
function oursMsPerIteration(X: tf.Tensor2D, resp: tf.Tensor2D, K: number, type: BenchType, iterations: number): number {
  const stamps: number[] = [];
  const bgm = new BayesianGaussianMixture({
    nComponents: K,
    covarianceType: type,
    maxIter: iterations + 1,
    tol: 0,
    onWarning: () => {},
    onIteration: () => stamps.push(performance.now()),
  }).fit(X, {initialResponsibilities: resp});
  bgm.dispose();
  const deltas = stamps
    .slice(1)
    .map((t, i) => t - stamps[i])
    .sort((a, b) => a - b);
  return deltas[Math.floor(deltas.length / 2)];
}

export function benchBayesian(backend: string): BenchRow[] {
  const N = backend === 'cpu' ? 10000 : 100000;
  const D = 16;
  const K = 16;
  const iterations = backend === 'cpu' ? 4 : 10;
  const x = generate(N, D, K, 1);
  const labels = startLabels(x, N, D, K);
  const X = tf.tensor2d(x, [N, D]);
  const resp = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), K), 'float32') as tf.Tensor2D);
  const rows: BenchRow[] = [];
  for (const type of ['full', 'diag'] as const) {
    const oursMs = oursMsPerIteration(X, resp, K, type, iterations);
    const sklearn = sklearnMsPerIteration(x, labels, N, D, K, type, iterations);
    rows.push({
      backend,
      case: `BayesianGaussianMixture iteration (E+M+bound), ${type}, N=${N} D=${D} K=${K}`,
      oursMs,
      baselineMs: sklearn ? sklearn.ms : null,
      baseline: sklearn ? sklearn.label : 'scikit-learn not available',
    });
  }
  tf.dispose([X, resp]);
  return rows;
}
