/**
 * A pool of EM workers: Node worker threads (node_threads.ts) or browser Web Workers
 * (web_workers.ts), behind one endpoint interface (endpoint.ts). Requests are posted to every
 * worker; `run` blocks until each has replied (Node only: `fit` stays synchronous), `runAsync`
 * awaits the replies (`fitAsync`, everywhere).
 */
import * as tf from '@tensorflow/tfjs-core';

import {GMM_FLAGS} from '../../../ops/flags';
import {WorkerEndpoint} from './endpoint';
import {nodeThreads, startNodeWorker} from './node_threads';
import {WorkerReply, WorkerRequest} from './protocol';
import {startWebWorker} from './web_workers';

/** Number of cores (1 where unknown). */
export function coreCount(): number {
  const node = nodeThreads();
  if (!node) return (typeof navigator === 'object' && navigator.hardwareConcurrency) || 1;
  const os = node.os as typeof node.os & {availableParallelism?: () => number};
  return os.availableParallelism ? os.availableParallelism() : os.cpus().length || 1;
}

/** Whether this platform's workers can be waited for synchronously (Node's worker threads). */
export function blockingWorkersAvailable(): boolean {
  return nodeThreads() !== null;
}

/**
 * Whether the workers can read the data in shared memory: always in Node; in browsers only on a
 * cross-origin isolated page (COOP/COEP headers), else each worker gets a copy of its rows.
 */
export function sharedMemoryAvailable(): boolean {
  if (typeof SharedArrayBuffer !== 'function') return false;
  return blockingWorkersAvailable() || (globalThis as {crossOriginIsolated?: boolean}).crossOriginIsolated === true;
}

/** A pool of `size` workers on the backend kind active at creation. */
export class WorkerPool {
  readonly backend: string;
  /** Whether {@link run} can be used (else only {@link runAsync}). */
  readonly blocking = blockingWorkersAvailable();
  private endpoints: WorkerEndpoint[] = [];
  private isEnded = false;

  /**
   * @param createWorker starts one Web Worker (browsers; null in Node, where worker threads run).
   */
  constructor(
    readonly size: number,
    private readonly createWorker: (() => Worker) | null = null,
  ) {
    this.backend = tf.getBackend();
  }

  /** Starts the workers (on first use). */
  private start(fn: string): WorkerEndpoint[] {
    if (this.isEnded) throw new Error('the worker pool has been ended');
    if (this.endpoints.length > 0) return this.endpoints;
    const flags: Record<string, number | boolean | string> = {};
    for (const name of Object.keys(GMM_FLAGS)) flags[name] = tf.env().get(name);
    const create = this.createWorker;
    try {
      for (let i = 0; i < this.size; i++) {
        this.endpoints.push(
          create
            ? startWebWorker(fn, create, {kind: 'setup', backend: this.backend, flags})
            : startNodeWorker({backend: this.backend, flags}),
        );
      }
    } catch (e) {
      this.end();
      throw e;
    }
    return this.endpoints;
  }

  /**
   * Sends `requests[i]` to worker i and returns the replies, blocking until all came (Node);
   * any failing worker ends the pool and throws an Error naming `fn` and the worker's message.
   */
  run(fn: string, requests: WorkerRequest[], transfer: (i: number) => ArrayBuffer[] = () => []): WorkerReply[] {
    if (!this.blocking) throw new Error(`${fn}: these workers cannot be waited for synchronously (use fitAsync)`);
    const endpoints = this.post(fn, requests, transfer);
    return this.check(
      fn,
      requests.map((_, i) => endpoints[i].receive() as WorkerReply),
    );
  }

  /** {@link run} without blocking: the replies once every worker has answered. */
  async runAsync(
    fn: string,
    requests: WorkerRequest[],
    transfer: (i: number) => ArrayBuffer[] = () => [],
  ): Promise<WorkerReply[]> {
    const endpoints = this.post(fn, requests, transfer);
    return this.check(fn, await Promise.all(requests.map((_, i) => endpoints[i].receive())));
  }

  private post(fn: string, requests: WorkerRequest[], transfer: (i: number) => ArrayBuffer[]): WorkerEndpoint[] {
    const endpoints = this.start(fn);
    requests.forEach((request, i) => endpoints[i].post(request, transfer(i)));
    return endpoints;
  }

  private check(fn: string, replies: WorkerReply[]): WorkerReply[] {
    const failed = replies.findIndex((r) => !r.ok);
    if (failed >= 0) {
      this.end();
      const reply = replies[failed] as {ok: false; error: string};
      throw new Error(`${fn}: worker ${failed} of ${this.size} failed: ${reply.error}; every worker was ended`);
    }
    return replies;
  }

  /** Whether {@link end} ran (a failure ends the pool too). */
  get ended(): boolean {
    return this.isEnded;
  }

  /** Number of workers running. */
  get running(): number {
    return this.endpoints.length;
  }

  /** Ends every worker (idempotent). */
  end(): void {
    this.isEnded = true;
    for (const endpoint of this.endpoints) endpoint.terminate();
    this.endpoints = [];
  }
}
