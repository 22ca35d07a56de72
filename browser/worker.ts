/**
 * The entry point of an EM Web Worker (browsers), bundled with its own tfjs (core, cpu and wasm
 * backends) as dist/tfjs-gmm.worker.esm.js by scripts/build-browser.mjs: module workers have no
 * import map, and a worker needs a tfjs of its own anyway. It lives outside src/ because it is
 * no part of the CommonJS build (whose only peers are tfjs-core and tfjs-layers).
 *
 * Told the caller's backend and flags by a first `setup` message, it answers the requests of
 * src/em/parallel/pool.ts (protocol.ts) with postMessage, as worker_entry.ts does in Node.
 * Backends: wasm for a wasm caller (single-threaded: the workers are the threads), cpu for any
 * other. The wasm backend loads its .wasm files from next to this script, unless a module that
 * imports this one (an app's own worker script) calls the {@link setWasmPaths} it exports: the
 * worker's tfjs is its own, so the app's `setWasmPaths` does not reach it.
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';

import '../ops/flags';
import {WebWorkerSetup, WorkerReply, WorkerRequest} from '../src/em/parallel/protocol';
import {WorkerCore} from '../src/em/parallel/worker_core';

export {setWasmPaths} from '@tensorflow/tfjs-backend-wasm';

const scope = self as unknown as {
  onmessage: (event: MessageEvent<WebWorkerSetup | WorkerRequest>) => void;
  postMessage: (message: WorkerReply) => void;
};

async function start(setup: WebWorkerSetup): Promise<WorkerCore> {
  for (const [name, value] of Object.entries(setup.flags)) tf.env().set(name, value);
  const backend = setup.backend === 'wasm' ? 'wasm' : 'cpu';
  if (backend === 'wasm') tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} failed to initialise`);
  await tf.ready();
  return new WorkerCore();
}

let ready: Promise<WorkerCore> = Promise.reject(new Error('no setup message came first'));
ready.catch(() => {});

scope.onmessage = (event) => {
  const message = event.data;
  if (message.kind === 'setup') {
    ready = start(message);
    ready.catch(() => {});
    return;
  }
  ready.then(
    (core) => {
      try {
        scope.postMessage(core.handle(message));
      } catch (e) {
        scope.postMessage({ok: false, error: (e as Error).message});
      }
    },
    (e: Error) => scope.postMessage({ok: false, error: `the worker could not start tfjs (${e.message})`}),
  );
};
