/**
 * Runs a suite once per backend (and per form of an op). `TFJS_GMM_BACKENDS=cpu`
 * (comma-separated) narrows the set.
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

/**
 * `describeOnBackends` once per form of the mixture-density loss: the WebAssembly kernel
 * (ops/mdn/fused_kernel.ts) and its tf-ops form, switched by GMM_MDN_WASM_KERNEL.
 */
export function describeOnMdnLossForms(title: string, body: (backend: string) => void): void {
  for (const kernel of [true, false]) {
    describeOnBackends(`${title} (${kernel ? 'WebAssembly kernel' : 'tf ops'})`, (backend) => {
      let previous: boolean;
      before(() => {
        previous = tf.env().get('GMM_MDN_WASM_KERNEL') as boolean;
        tf.env().set('GMM_MDN_WASM_KERNEL', kernel);
      });
      after(() => tf.env().set('GMM_MDN_WASM_KERNEL', previous));
      body(backend);
    });
  }
}

/** How many times the backend reads a tensor back while `fn` runs. */
export function countReads(fn: () => void): number {
  const backend = tf.backend();
  const readSync = backend.readSync.bind(backend);
  let reads = 0;
  backend.readSync = (dataId) => {
    reads++;
    return readSync(dataId);
  };
  try {
    fn();
  } finally {
    backend.readSync = readSync;
  }
  return reads;
}
