/**
 * `npm run bench -- --only em-stream-workers`: fitAsync over a stream of in-memory batches
 * (N x 16 rows in batches of 20,000, K = 16: diag with N = 400,000, full with N = 200,000;
 * TFJS_GMM_STREAM_ROWS sets N for both) with `workers: 2` against the in-thread streamed fit
 * (`workers: 1`) in the same run: milliseconds per EM iteration (each iteration is one pass over
 * the stream), the median of 2 alternating runs of 4 iterations each (the first iteration, which
 * follows the scan and the init, is left out).
 */
import * as tf from '@tensorflow/tfjs-core';

import {GaussianMixture} from '../src';
import {BenchRow} from './harness';

const D = 16;
const K = 16;
const BATCH = 20_000;
const ITERATIONS = 4;

/** N rows of a seeded K-component mixture (float32, row-major). */
function mixture(N: number): Float32Array {
  let state = 777;
  const uniform = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state + 0.5) / 4294967296;
  };
  const means = Array.from({length: K}, () => Array.from({length: D}, () => (2 * uniform() - 1) * 10));
  const values = new Float32Array(N * D);
  for (let n = 0; n < N; n++) {
    const mean = means[Math.floor(uniform() * K)];
    for (let j = 0; j < D; j++)
      values[n * D + j] = mean[j] + Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  }
  return values;
}

/** Mean ms per EM iteration after the first of a streamed fit with `workers`. */
async function msPerIteration(
  values: Float32Array,
  N: number,
  covarianceType: 'diag' | 'full',
  workers: number,
): Promise<number> {
  const source = async function* () {
    for (let start = 0; start < N; start += BATCH) {
      const rows = Math.min(BATCH, N - start);
      const batch = tf.tensor2d(values.subarray(start * D, (start + rows) * D), [rows, D]);
      yield batch;
      batch.dispose();
    }
  };
  const stamps: number[] = [];
  const model = new GaussianMixture({
    nComponents: K,
    covarianceType,
    maxIter: ITERATIONS,
    tol: 0,
    workers,
    onWarning: () => {},
    onIteration: () => stamps.push(performance.now()),
  });
  await model.fitAsync(source);
  model.dispose();
  return (stamps[stamps.length - 1] - stamps[0]) / (stamps.length - 1);
}

export async function benchEmStreamWorkers(backend: string): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const median = (t: number[]) => t.slice().sort((a, b) => a - b)[Math.floor(t.length / 2)];
  for (const [covarianceType, defaultN] of [
    ['diag', 400_000],
    ['full', 200_000],
  ] as const) {
    const N = Number(process.env.TFJS_GMM_STREAM_ROWS ?? defaultN);
    const values = mixture(N);
    const two: number[] = [];
    const one: number[] = [];
    for (let rep = 0; rep < 2; rep++) {
      two.push(await msPerIteration(values, N, covarianceType, 2));
      one.push(await msPerIteration(values, N, covarianceType, 1));
    }
    rows.push({
      backend,
      case: `stream ${N} x ${D} in batches of ${BATCH}, ${covarianceType} K=${K}: ms per EM pass, workers: 2`,
      oursMs: median(two),
      baselineMs: median(one),
      baseline: 'workers: 1 (in-thread stream)',
    });
  }
  return rows;
}
