/**
 * Node's worker threads: worker_threads and os loaded on first use, and the endpoint of one
 * worker (worker_entry.ts). The browser bundle replaces this module with node_threads.browser.ts
 * (Web Workers run there instead, see web_workers.ts), so that bundlers never see a Node import.
 */
import type * as os from 'os';
import type * as workerThreads from 'worker_threads';

import {WorkerEndpoint} from './endpoint';
import {WorkerReply, WorkerSetup} from './protocol';

/** How long one wait lasts before the worker's liveness is checked again (ms). */
const WAIT_SLICE_MS = 1000;

/** worker_threads and os, or null where they do not exist. */
export function nodeThreads(): {threads: typeof workerThreads; os: typeof os} | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return {threads: require('worker_threads'), os: require('os')};
  } catch {
    return null;
  }
}

/** Where the worker entry is and how to start it: the compiled .js, or the .ts source under tsx. */
function workerEntry(): {file: string; execArgv: string[]} {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const path: typeof import('path') = require('path');
  const source = __filename.endsWith('.ts');
  const file = path.join(__dirname, source ? 'worker_entry.ts' : 'worker_entry.js');
  return {file, execArgv: source ? ['--require', require.resolve('tsx/cjs')] : []};
}

/**
 * Starts a worker thread on `setup` (backend and flags). Its replies arrive on a port of its own
 * and are signalled through shared memory, so that `receive` blocks (Atomics.wait) until one
 * comes: `fit` stays synchronous. The worker is unref'd: it never keeps the process alive.
 */
export function startNodeWorker(setup: Omit<WorkerSetup, 'signal'>): WorkerEndpoint {
  const {threads} = nodeThreads()!;
  const {file, execArgv} = workerEntry();
  const channel = new threads.MessageChannel();
  const buffer = new SharedArrayBuffer(8);
  const workerData: WorkerSetup & {port: workerThreads.MessagePort} = {...setup, signal: buffer, port: channel.port1};
  const worker = new threads.Worker(file, {workerData, transferList: [channel.port1], execArgv});
  worker.unref();
  const port = channel.port2;
  port.unref();
  // Errors are reported through the replies (see worker_entry.ts); this keeps Node from
  // treating an 'error' event as unhandled.
  worker.on('error', () => {});
  const signal = new Int32Array(buffer);
  return {
    post: (request, transfer) => worker.postMessage(request, transfer),
    receive(): WorkerReply {
      for (;;) {
        const seen = Atomics.load(signal, 0);
        const got = threads.receiveMessageOnPort(port);
        if (got) return got.message as WorkerReply;
        if (Atomics.load(signal, 1) === 1) return {ok: false, error: 'the worker exited'};
        Atomics.wait(signal, 0, seen, WAIT_SLICE_MS);
      }
    },
    terminate(): void {
      void worker.terminate();
      port.close();
    },
  };
}
