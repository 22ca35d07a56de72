/**
 * Runs a suite once per backend. `TFJS_GMM_BACKENDS=cpu` (comma-separated) narrows the set.
 */
import * as tf from '@tensorflow/tfjs-core';

export const BACKENDS: readonly string[] = (process.env.TFJS_GMM_BACKENDS ?? 'cpu,wasm')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);

/** `describe(title)` once per backend, with the backend active for every hook and test inside. */
export function describeOnBackends(title: string, body: (backend: string) => void): void {
  for (const backend of BACKENDS) {
    describe(`${title} [${backend}]`, function () {
      before(async function () {
        const ok = await tf.setBackend(backend);
        if (!ok) throw new Error(`backend ${backend} failed to initialise`);
        await tf.ready();
      });
      body(backend);
    });
  }
}
