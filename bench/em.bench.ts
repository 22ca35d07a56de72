/**
 * EM: seconds per iteration (one E-step and one M-step over all the data) at N = 100,000, D = 16,
 * K = 16, full and diag covariances, next to scikit-learn's GaussianMixture on the same data from
 * the same initialisation, in the same run (when python3 with scikit-learn is available; float64,
 * numpy's BLAS with all cores). The cpu backend (~50x slower) runs N = 10,000 instead.
 *
 * Both sides start from the same weights, means and precisions (no k-means), run with tol = 0 so
 * that every iteration runs; ours is the median time between consecutive onIteration callbacks,
 * scikit-learn's is (t(1 + n iterations) - t(1 iteration)) / n.
 *
 * `--only em-large` (opt-in, minutes): 1,000,000 x 32 points, 64 full components, with the
 * chunked E/M-steps rebuilding their features every iteration; reports time per iteration and the
 * peak memory of the wasm heap and of the process.
 */
import * as tf from '@tensorflow/tfjs-core';
import {execFileSync} from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import {GaussianMixture} from '../src';
import {SeededRandom} from '../src/util/random';
import {benchBayesian} from './bgm.bench';
import {BenchRow} from './harness';

type BenchType = 'full' | 'diag';

/** K clusters with centers ~ N(0, 3^2 I) and unit spread, seeded. */
export function generate(N: number, D: number, K: number, seed: number): Float32Array {
  const rng = new SeededRandom(seed);
  const centers = Array.from({length: K}, () => Array.from({length: D}, () => 3 * rng.normal()));
  const x = new Float32Array(N * D);
  for (let n = 0; n < N; n++) {
    const c = centers[rng.integer(K)];
    for (let j = 0; j < D; j++) x[n * D + j] = c[j] + rng.normal();
  }
  return x;
}

/** Uniform weights, K spread-out rows as means, isotropic precisions at the data's scale. */
export function initialParameters(x: Float32Array, N: number, D: number, K: number, type: BenchType) {
  let mean = 0;
  let square = 0;
  for (const v of x) {
    mean += v;
    square += v * v;
  }
  mean /= x.length;
  const precision = 1 / (square / x.length - mean * mean);
  const means = Array.from({length: K}, (_, k) =>
    Array.from(x.subarray(Math.floor((k * N) / K) * D, Math.floor((k * N) / K) * D + D)),
  );
  const eye = Array.from({length: D}, (_, i) => Array.from({length: D}, (__, j) => (i === j ? precision : 0)));
  const precisions =
    type === 'full' ? Array.from({length: K}, () => eye) : Array.from({length: K}, () => new Array(D).fill(precision));
  return {weights: new Array(K).fill(1 / K), means, precisions};
}

const SKLEARN = `
import json, sys, time, warnings
import numpy as np
import sklearn
from sklearn.mixture import GaussianMixture
warnings.filterwarnings("ignore")
prefix, n, d, k, cov_type, iters = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], int(sys.argv[6])
x = np.fromfile(prefix + ".bin", dtype=np.float32).reshape(n, d).astype(np.float64)
init = json.load(open(prefix + ".json"))
def run(max_iter):
    gm = GaussianMixture(k, covariance_type=cov_type, weights_init=init["weights"], means_init=init["means"],
                         precisions_init=np.array(init["precisions"]), max_iter=max_iter, tol=0)
    t = time.perf_counter()
    gm.fit(x)
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

/** scikit-learn's ms per iteration on the same data, or null without python3 + scikit-learn. */
export function sklearnMsPerIteration(
  x: Float32Array,
  N: number,
  D: number,
  K: number,
  type: BenchType,
  init: object,
  iterations: number,
): {ms: number; label: string} | null {
  try {
    execFileSync('python3', ['-c', 'import sklearn'], {stdio: 'ignore'});
  } catch {
    return null;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-gmm-bench-'));
  try {
    const prefix = path.join(dir, 'data');
    fs.writeFileSync(`${prefix}.bin`, Buffer.from(x.buffer, x.byteOffset, x.byteLength));
    fs.writeFileSync(`${prefix}.json`, JSON.stringify(init));
    const out = JSON.parse(
      execFileSync('python3', ['-c', SKLEARN, prefix, String(N), String(D), String(K), type, String(iterations)], {
        encoding: 'utf8',
      }),
    );
    return {
      ms: out.ms,
      label: `scikit-learn ${out.version} (float64${out.threads ? `, ${out.threads} BLAS threads` : ''})`,
    };
  } finally {
    fs.rmSync(dir, {recursive: true, force: true});
  }
}

/** Median ms between consecutive EM iterations of one fit (the first, which builds the features, excluded). */
export function oursMsPerIteration(
  X: tf.Tensor2D,
  K: number,
  type: BenchType,
  init: ReturnType<typeof initialParameters>,
  iterations: number,
  workers: number | 'auto' = 1,
): number {
  const stamps: number[] = [];
  const gm = new GaussianMixture({
    nComponents: K,
    covarianceType: type,
    maxIter: iterations + 1,
    tol: 0,
    onWarning: () => {},
    weightsInit: init.weights,
    meansInit: init.means,
    precisionsInit: init.precisions,
    onIteration: () => stamps.push(performance.now()),
    workers,
  }).fit(X);
  gm.dispose();
  const deltas = stamps
    .slice(1)
    .map((t, i) => t - stamps[i])
    .sort((a, b) => a - b);
  return deltas[Math.floor(deltas.length / 2)];
}

export function benchEm(backend: string): BenchRow[] {
  const N = backend === 'cpu' ? 10000 : 100000;
  const D = 16;
  const K = 16;
  const iterations = backend === 'cpu' ? 4 : 10;
  const x = generate(N, D, K, 1);
  const X = tf.tensor2d(x, [N, D]);
  const rows: BenchRow[] = [];
  for (const type of ['full', 'diag'] as const) {
    const init = initialParameters(x, N, D, K, type);
    const oursMs = oursMsPerIteration(X, K, type, init, iterations);
    const sklearn = sklearnMsPerIteration(x, N, D, K, type, init, iterations);
    rows.push({
      backend,
      case: `EM iteration (E+M), ${type}, N=${N} D=${D} K=${K}`,
      oursMs,
      baselineMs: sklearn ? sklearn.ms : null,
      baseline: sklearn ? sklearn.label : 'scikit-learn not available',
    });
    // The posterior's WebAssembly kernel against its tf-ops form (a softmax and two row maxima).
    const previous = tf.env().get('GMM_POSTERIOR_WASM_KERNEL');
    tf.env().set('GMM_POSTERIOR_WASM_KERNEL', false);
    const tfOpsMs = oursMsPerIteration(X, K, type, init, iterations);
    tf.env().set('GMM_POSTERIOR_WASM_KERNEL', previous);
    rows.push({
      backend,
      case: `EM iteration (E+M), ${type}, N=${N} D=${D} K=${K}`,
      oursMs: oursMsPerIteration(X, K, type, init, iterations),
      baselineMs: tfOpsMs,
      baseline: 'same, GMM_POSTERIOR_WASM_KERNEL = false (tf-ops posterior)',
    });
  }
  X.dispose();
  return [...rows, ...benchBayesian(backend)];
}

/** Size of the wasm heap in bytes (it only grows, so this is its peak), or 0 on other backends. */
function wasmHeapBytes(): number {
  const backend = tf.backend() as unknown as {wasm?: {HEAPU8?: Uint8Array}};
  return backend.wasm?.HEAPU8?.length ?? 0;
}

export function benchEmLarge(backend: string): BenchRow[] {
  const N = 1000000;
  const D = 32;
  const K = 64;
  const iterations = 3;
  const start = performance.now();
  const x = generate(N, D, K, 2);
  const X = tf.tensor2d(x, [N, D]);
  let peakRss = process.memoryUsage().rss;
  const stamps: number[] = [];
  const fitStart = performance.now();
  const gm = new GaussianMixture({
    nComponents: K,
    covarianceType: 'full',
    maxIter: iterations,
    tol: 0,
    onWarning: () => {},
    onIteration: () => {
      stamps.push(performance.now());
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    },
  }).fit(X);
  const initMs = stamps[0] - fitStart;
  const deltas = stamps.slice(1).map((t, i) => t - stamps[i]);
  const perIteration = deltas.reduce((a, b) => a + b, 0) / deltas.length;
  const gib = (b: number) => (b / 2 ** 30).toFixed(2);
  console.log(
    `  em-large: ${N} x ${D}, K = ${K} full on ${backend}: data generation ${((fitStart - start) / 1000).toFixed(1)} s, ` +
      `k-means init + first iteration ${(initMs / 1000).toFixed(1)} s, ${(perIteration / 1000).toFixed(1)} s per further iteration; ` +
      `peak wasm heap ${gib(wasmHeapBytes())} GiB, peak process RSS ${gib(peakRss)} GiB`,
  );
  gm.dispose();
  X.dispose();
  return [
    {
      backend,
      case: `EM iteration (E+M), full, N=${N} D=${D} K=${K} (chunked, features rebuilt per iteration)`,
      oursMs: perIteration,
      baselineMs: null,
      baseline: 'not run (minutes per iteration)',
    },
  ];
}
