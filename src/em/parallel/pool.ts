/**
 * A pool of EM worker threads (Node). Two ways to talk to them: `run` posts requests to every
 * worker and blocks (Atomics.wait on a shared counter) until each has replied on its port, so
 * that `fit` stays synchronous; `request` posts to one worker and resolves when its reply arrives
 * (a listener on the port: the event loop keeps running), for `fitAsync` over streams. Workers
 * are unref'd: they never keep the process alive (a port is ref'd only while an async request
 * waits on it).
 */
import type {MessagePort, Worker} from 'worker_threads';

import * as tf from '@tensorflow/tfjs-core';

import {GMM_FLAGS} from '../../../ops/flags';
import {nodeThreads, workerEntry} from './node_threads';
import {WorkerReply, WorkerRequest, WorkerSetup} from './protocol';

interface Slot {
  worker: Worker;
  port: MessagePort;
  signal: Int32Array;
  /** The async requests waiting for a reply, oldest first (replies come in request order). */
  pending: Array<{resolve: (reply: WorkerReply) => void; reject: (e: Error) => void}>;
  /** The port's listener while async requests are pending (null otherwise). */
  listener: ((reply: WorkerReply) => void) | null;
}

/** How long one wait lasts before the worker's liveness is checked again (ms). */
const WAIT_SLICE_MS = 1000;

/** Number of cores (1 where unknown). */
export function coreCount(): number {
  const node = nodeThreads();
  if (!node) return 1;
  const os = node.os as typeof node.os & {availableParallelism?: () => number};
  return os.availableParallelism ? os.availableParallelism() : os.cpus().length || 1;
}

/** Whether this platform can run EM workers. */
export function workersAvailable(): boolean {
  return nodeThreads() !== null;
}

/** A pool of `size` workers on the backend kind active at creation. */
export class WorkerPool {
  readonly backend: string;
  private slots: Slot[] = [];
  private isEnded = false;
  /** The message of the failure that ended the pool, or null. */
  private failure: string | null = null;

  constructor(readonly size: number) {
    this.backend = tf.getBackend();
  }

  /** Starts the workers (on first use). */
  private start(): Slot[] {
    if (this.isEnded) throw new Error('the worker pool has been ended');
    if (this.slots.length > 0) return this.slots;
    const node = nodeThreads();
    if (!node) throw new Error('worker threads need Node (worker_threads)');
    const {file, execArgv} = workerEntry();
    const flags: WorkerSetup['flags'] = {};
    for (const name of Object.keys(GMM_FLAGS)) flags[name] = tf.env().get(name);
    for (let i = 0; i < this.size; i++) {
      const channel = new node.threads.MessageChannel();
      const signal = new SharedArrayBuffer(8);
      const setup: WorkerSetup & {port: MessagePort} = {backend: this.backend, flags, signal, port: channel.port1};
      const worker = new node.threads.Worker(file, {workerData: setup, transferList: [channel.port1], execArgv});
      worker.unref();
      channel.port2.unref();
      // Errors are reported through the replies (see worker_entry.ts); this keeps Node from
      // treating an 'error' event as unhandled.
      worker.on('error', () => {});
      const slot: Slot = {worker, port: channel.port2, signal: new Int32Array(signal), pending: [], listener: null};
      // A worker that dies answers none of its pending requests: they fail (see worker_entry.ts).
      worker.on('exit', (code) => this.failPending(slot, new Error(`the worker exited (code ${code})`)));
      this.slots.push(slot);
    }
    return this.slots;
  }

  /**
   * Sends `requests[i]` to worker i and returns the replies; any failing worker ends the pool and
   * throws an Error naming `fn` and the worker's message.
   */
  run(fn: string, requests: WorkerRequest[], transfer: (i: number) => ArrayBuffer[] = () => []): WorkerReply[] {
    // A blocking read would take the replies meant for the async requests.
    if (this.busy)
      throw new Error(`${fn}: the worker threads are busy with a fitAsync call of this model; await it first`);
    const slots = this.start();
    const node = nodeThreads()!;
    requests.forEach((request, i) => slots[i].worker.postMessage(request, transfer(i)));
    const replies = requests.map((_, i) => this.receive(node.threads.receiveMessageOnPort, slots[i]));
    const failed = replies.findIndex((r) => !r.ok);
    if (failed >= 0) {
      this.end();
      const reply = replies[failed] as {ok: false; error: string};
      throw new Error(`${fn}: worker ${failed} of ${this.size} failed: ${reply.error}; every worker was ended`);
    }
    return replies;
  }

  private receive(
    receiveMessageOnPort: (port: MessagePort) => {message: unknown} | undefined,
    slot: Slot,
  ): WorkerReply {
    for (;;) {
      const seen = Atomics.load(slot.signal, 0);
      const got = receiveMessageOnPort(slot.port);
      if (got) return got.message as WorkerReply;
      if (Atomics.load(slot.signal, 1) === 1) return {ok: false, error: 'the worker exited'};
      Atomics.wait(slot.signal, 0, seen, WAIT_SLICE_MS);
    }
  }

  /**
   * Sends `request` to worker `index` and resolves with its reply, without blocking. A failing
   * worker ends the pool and rejects with an Error naming `fn` and the worker's message; ending
   * the pool rejects every pending request. The promise never goes unhandled (it may be dropped).
   */
  request(fn: string, index: number, request: WorkerRequest, transfer: ArrayBuffer[] = []): Promise<WorkerReply> {
    const slot = this.start()[index];
    const reply = new Promise<WorkerReply>((resolve, reject) => {
      slot.pending.push({resolve, reject});
      if (!slot.listener) {
        slot.listener = (message: WorkerReply) => slot.pending.shift()?.resolve(message);
        slot.port.on('message', slot.listener);
        slot.port.ref();
      }
      slot.worker.postMessage(request, transfer);
    }).then(
      (r) => {
        this.stopListening(slot);
        if (r.ok) return r;
        return this.failed(fn, index, r.error);
      },
      (e: Error) => this.failed(fn, index, e.message),
    );
    reply.catch(() => {});
    return reply;
  }

  /** Ends the pool on the first failure; every request it fails reports that first failure. */
  private failed(fn: string, index: number, error: string): never {
    if (!this.isEnded) {
      this.failure = `${fn}: worker ${index} of ${this.size} failed: ${error}; every worker was ended`;
      this.end();
    }
    throw new Error(this.failure ?? `${fn}: worker ${index} of ${this.size} failed: ${error}`);
  }

  /** Removes the port's listener once no async request waits on it (blocking reads work again). */
  private stopListening(slot: Slot): void {
    if (slot.pending.length > 0 || !slot.listener) return;
    slot.port.off('message', slot.listener);
    slot.port.unref();
    slot.listener = null;
  }

  private failPending(slot: Slot, error: Error): void {
    for (const p of slot.pending.splice(0)) p.reject(error);
    this.stopListening(slot);
  }

  /** Whether async requests are waiting for replies. */
  get busy(): boolean {
    return this.slots.some((s) => s.pending.length > 0);
  }

  /** Whether {@link end} ran (a failure ends the pool too). */
  get ended(): boolean {
    return this.isEnded;
  }

  /** Number of workers running. */
  get running(): number {
    return this.slots.length;
  }

  /** Ends every worker (idempotent). */
  end(): void {
    this.isEnded = true;
    for (const slot of this.slots) {
      this.failPending(slot, new Error('the worker pool was ended'));
      void slot.worker.terminate();
      slot.port.close();
    }
    this.slots = [];
  }
}
