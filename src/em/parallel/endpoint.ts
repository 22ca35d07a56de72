/**
 * One EM worker as the pool (pool.ts) sees it, whatever runs it: a Node worker thread
 * (node_threads.ts) or a browser Web Worker (web_workers.ts). Both run worker_core.ts.
 */
import {WorkerReply, WorkerRequest} from './protocol';

export interface WorkerEndpoint {
  /** Sends a request, moving (not copying) the buffers of `transfer`. */
  post(request: WorkerRequest, transfer: ArrayBuffer[]): void;
  /**
   * The next reply. A blocking endpoint (Node: Atomics.wait) returns it; the others (Web
   * Workers: a browser's main thread cannot block) return a promise of it.
   */
  receive(): WorkerReply | Promise<WorkerReply>;
  /** Ends the worker. */
  terminate(): void;
}
