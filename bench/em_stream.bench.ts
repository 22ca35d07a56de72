/**
 * `npm run bench -- --only em-stream`: a streamed fit (GaussianMixture.fitAsync over a float32
 * file read in batches, as the CLI's `--input-format f32` does) of 10,000,000 x 16 rows
 * (TFJS_GMM_STREAM_ROWS to change it), diag, K = 16, 3 EM iterations, with the peak resident
 * memory of the process (process.memoryUsage().rss sampled every 50 ms). Goal: under 600 MB.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import {GaussianMixture} from '../src';
import {f32Source} from '../src/cli/stream_input';
import {BenchRow} from './harness';

const D = 16;
const K = 16;
const ITERATIONS = 3;

/** Writes N rows of a seeded K-component mixture as float32, 65,536 rows at a time. */
function writeMixture(file: string, N: number): void {
  let state = 12345;
  const uniform = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state + 0.5) / 4294967296;
  };
  const means = Array.from({length: K}, () => Array.from({length: D}, () => (2 * uniform() - 1) * 10));
  const fd = fs.openSync(file, 'w');
  const block = new Float32Array(65536 * D);
  for (let start = 0; start < N; start += 65536) {
    const rows = Math.min(65536, N - start);
    for (let n = 0; n < rows; n++) {
      const mean = means[Math.floor(uniform() * K)];
      for (let j = 0; j < D; j++) {
        const g = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
        block[n * D + j] = mean[j] + g;
      }
    }
    fs.writeSync(fd, block, 0, rows * D * 4);
  }
  fs.closeSync(fd);
}

export async function benchEmStream(backend: string): Promise<BenchRow[]> {
  const N = Number(process.env.TFJS_GMM_STREAM_ROWS ?? 10_000_000);
  const file = path.join(os.tmpdir(), `tfjs-gmm-stream-${N}x${D}.f32`);
  if (!fs.existsSync(file) || fs.statSync(file).size !== N * D * 4) writeMixture(file, N);
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  const iterationMs: number[] = [];
  let last = Date.now();
  const started = last;
  try {
    const model = new GaussianMixture({
      nComponents: K,
      covarianceType: 'diag',
      maxIter: ITERATIONS,
      tol: 0,
      onWarning: () => {},
      onIteration: () => {
        const now = Date.now();
        iterationMs.push(now - last);
        last = now;
      },
    });
    await model.fitAsync(f32Source(file, D));
    model.dispose();
  } finally {
    clearInterval(sampler);
  }
  const perIteration = iterationMs.slice(1).reduce((s, v) => s + v, 0) / Math.max(1, iterationMs.length - 1);
  const totalS = ((Date.now() - started) / 1000).toFixed(1);
  return [
    {
      backend,
      case: `stream ${N} x ${D} f32 file, diag K=${K}: ms/iteration (first incl. scan + init: ${iterationMs[0]} ms; total ${totalS} s)`,
      oursMs: perIteration,
      baselineMs: null,
      baseline: `peak RSS ${(peak / 2 ** 20).toFixed(0)} MB (goal < 600 MB)`,
    },
  ];
}
