/**
 * `--only em-scale` (opt-in): EM on worker threads. Seconds per iteration at N = 100,000, D = 16,
 * K = 16 (cpu: N = 10,000), full and diag, with workers = 1 (in-thread) and 2, next to
 * scikit-learn (float64, its BLAS on every core) from the same start, in the same run; and the
 * speed-up from 1 to 2 workers (the row's baseline is the 1-worker time). Same data, start and
 * timing rule as the `em` section (median time between iterations, first excluded), over 20
 * iterations on wasm: a new worker's first two or three passes run while V8 still compiles its
 * WebAssembly to the optimising tier (~30 ms once per pool, measured with `--no-liftoff` as the
 * control), which 8 iterations let into the median.
 */
import * as tf from '@tensorflow/tfjs-core';

import {generate, initialParameters, oursMsPerIteration, sklearnMsPerIteration} from './em.bench';
import {BenchRow} from './harness';

export function benchEmScale(backend: string): BenchRow[] {
  const N = backend === 'cpu' ? 10000 : 100000;
  const D = 16;
  const K = 16;
  const iterations = backend === 'cpu' ? 4 : 20;
  const x = generate(N, D, K, 1);
  const X = tf.tensor2d(x, [N, D]);
  const rows: BenchRow[] = [];
  try {
    for (const type of ['full', 'diag'] as const) {
      const init = initialParameters(x, N, D, K, type);
      const sklearn = sklearnMsPerIteration(x, N, D, K, type, init, iterations);
      const baseline = {
        baselineMs: sklearn ? sklearn.ms : null,
        baseline: sklearn ? sklearn.label : 'scikit-learn not available',
      };
      const ms: Record<number, number> = {};
      for (const workers of [1, 2]) {
        ms[workers] = oursMsPerIteration(X, K, type, init, iterations, workers);
        rows.push({
          backend,
          case: `EM iteration, ${type}, N=${N} D=${D} K=${K}, workers=${workers}`,
          oursMs: ms[workers],
          ...baseline,
        });
      }
      rows.push({
        backend,
        case: `EM iteration, ${type}: speed-up from 1 to 2 workers`,
        oursMs: ms[2],
        baselineMs: ms[1],
        baseline: 'workers=1 (in-thread)',
      });
    }
  } finally {
    X.dispose();
  }
  return rows;
}
