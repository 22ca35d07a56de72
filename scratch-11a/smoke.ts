import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import {GaussianMixture} from '../src';
(async () => {
  await tf.setBackend(process.env.B ?? 'cpu');
  const N = 20000, D = 4;
  let seed = 1; const r = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  const x = Array.from({length: N}, (_, n) => Array.from({length: D}, () => r() + r() + r() + (n % 3) * 2));
  for (const covarianceType of ['full', 'diag'] as const) {
    let t = Date.now();
    const a = new GaussianMixture({nComponents: 4, covarianceType, maxIter: 20, tol: 0, onWarning: () => {}}).fit(x);
    const t1 = Date.now() - t; t = Date.now();
    const b = new GaussianMixture({nComponents: 4, covarianceType, maxIter: 20, tol: 0, workers: 2, onWarning: () => {}}).fit(x);
    const t2 = Date.now() - t;
    console.log(covarianceType, a.lowerBound, b.lowerBound, t1, t2, b.runningWorkers);
    const s = b.score(x); console.log('score', a.score(x), s);
    b.dispose(); a.dispose();
    console.log('after dispose', b.runningWorkers, tf.memory().numTensors);
  }
})();
