/**
 * The entry point of an EM worker thread (Node's worker_threads): loads tfjs on the caller's
 * backend kind, then answers the requests of pool.ts (protocol.ts) on the port it was given,
 * signalling each reply through shared memory so that a blocked main thread wakes up.
 */
import {MessagePort, parentPort, workerData} from 'worker_threads';

import {WorkerReply, WorkerRequest, WorkerSetup} from './protocol';

const setup = workerData as WorkerSetup & {port: MessagePort};
const signal = new Int32Array(setup.signal);

function reply(message: WorkerReply): void {
  setup.port.postMessage(message);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
}

// A worker that ends (process.exit, a fatal error) tells the waiting main thread so.
process.on('exit', (code) => {
  Atomics.store(signal, 1, 1);
  reply({ok: false, error: `the worker exited (code ${code})`});
});

/**
 * Loads a module. require, not import(): under tsx (the tests run the sources) a worker has only
 * the CommonJS hooks, and the compiled package is CommonJS anyway.
 */
function load<T>(id: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(id) as T;
}

/** Loads the backend package of a backend name (cpu for anything without a Node package). */
function loadBackend(name: string): string {
  if (name === 'wasm') load('@tensorflow/tfjs-backend-wasm');
  else if (name === 'tensorflow') load('@tensorflow/tfjs-node');
  else load('@tensorflow/tfjs-backend-cpu');
  return name === 'wasm' || name === 'tensorflow' ? name : 'cpu';
}

const ready = (async () => {
  const tf = load<typeof import('@tensorflow/tfjs-core')>('@tensorflow/tfjs-core');
  const backend = loadBackend(setup.backend);
  load('../../../ops/flags');
  for (const [name, value] of Object.entries(setup.flags)) tf.env().set(name, value);
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} failed to initialise`);
  await tf.ready();
  const {WorkerCore} = load<typeof import('./worker_core')>('./worker_core');
  return new WorkerCore();
})();

parentPort!.on('message', (request: WorkerRequest | {kind: 'exit'}) => {
  // 'exit' ends the thread as a crash would (the tests of a failing worker use it).
  if (request.kind === 'exit') process.exit(70);
  ready.then(
    (core) => {
      try {
        reply(core.handle(request));
      } catch (e) {
        reply({ok: false, error: (e as Error).message});
      }
    },
    (e: Error) => reply({ok: false, error: `the worker could not start tfjs (${e.message})`}),
  );
});
