/**
 * Browser Web Workers as EM workers (browser/worker.ts, bundled as dist/tfjs-gmm.worker.esm.js).
 * A browser's main thread cannot block, so their replies are awaited: they serve `fitAsync`.
 */
import {fail} from '../../../ops/util/args';
import {WorkerEndpoint} from './endpoint';
import {WebWorkerSetup, WorkerReply} from './protocol';

/** Whether this platform has Web Workers. */
export function webWorkersExist(): boolean {
  return typeof Worker === 'function';
}

/**
 * Starts the worker `create()` returns and sends it `setup`. A worker that fails (its script
 * did not load, it threw) answers every waiting and later request with the failure.
 */
export function startWebWorker(fn: string, create: () => Worker, setup: WebWorkerSetup): WorkerEndpoint {
  const worker = create() as unknown;
  const w = worker as Partial<Worker> | null;
  if (w === null || typeof w !== 'object' || typeof w.postMessage !== 'function' || typeof w.terminate !== 'function')
    fail(
      fn,
      `createWorker must return a Worker (with postMessage and terminate), but it returned ${worker === null ? 'null' : typeof worker}`,
    );
  const web = worker as Worker;
  const replies: WorkerReply[] = [];
  const waiting: Array<(reply: WorkerReply) => void> = [];
  let failure: string | null = null;
  const deliver = (reply: WorkerReply) => {
    const next = waiting.shift();
    if (next) next(reply);
    else replies.push(reply);
  };
  web.onmessage = (event: MessageEvent) => deliver(event.data as WorkerReply);
  web.onerror = (event: ErrorEvent) => {
    event.preventDefault();
    failure = event.message
      ? `the worker failed: ${event.message}`
      : 'the worker script could not be started (check the URL createWorker uses, and that it is served as JavaScript)';
    while (waiting.length > 0) deliver({ok: false, error: failure});
  };
  web.onmessageerror = () => deliver({ok: false, error: 'a reply of the worker could not be read'});
  web.postMessage(setup);
  return {
    post: (request, transfer) => web.postMessage(request, transfer),
    receive(): Promise<WorkerReply> {
      const reply = replies.shift();
      if (reply) return Promise.resolve(reply);
      if (failure !== null) return Promise.resolve({ok: false, error: failure});
      return new Promise((resolve) => waiting.push(resolve));
    },
    terminate: () => web.terminate(),
  };
}
