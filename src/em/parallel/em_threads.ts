/**
 * The workers of one estimator: how many to use for a problem (the `workers` option), started
 * lazily, reused across fits and scoring calls, ended by `end()` or by a failure. In Node they
 * are worker threads and serve `fit`, `fitAsync` and the scoring methods; in browsers they are
 * Web Workers (the `createWorker` option) and serve `fitAsync` only, since a browser thread
 * cannot wait for them synchronously.
 */
import * as tf from '@tensorflow/tfjs-core';

import {CovarianceTypeName} from '../../../ops/covariance/covariance_type';
import {fail} from '../../../ops/util/args';
import {autoBatchSize} from '../data';
import {EmContext, ParallelPassSource} from '../engine/context';
import {FittedParameters} from '../parameters';
import {parallelLogProb, parallelPasses} from './parallel_passes';
import {defaultWorker} from './default_worker';
import {WorkerPool, blockingWorkersAvailable, coreCount} from './pool';
import {webWorkersExist} from './web_workers';

/** 'auto' (and the scoring methods) use workers from this much work per pass: N * D * K. */
export const AUTO_WORKERS_MIN_WORK = 2 ** 22;

/** Fewer rows than this per worker are not worth a thread. */
const MIN_ROWS_PER_WORKER = 1024;

/** The number of workers for N rows, D features and K components (1: in-thread). */
export function resolveWorkerCount(option: number | 'auto', N: number, D: number, K: number): number {
  const wanted = option === 'auto' ? (N * D * K >= AUTO_WORKERS_MIN_WORK ? coreCount() : 1) : option;
  return Math.max(1, Math.min(wanted, Math.floor(N / MIN_ROWS_PER_WORKER)));
}

export class EmThreads {
  private pool: WorkerPool | null = null;

  /** @param createWorker the `createWorker` option (browsers), or null for the default. */
  constructor(private readonly createWorker: (() => Worker) | null = null) {}

  /** A pool of `size` workers on the active backend (the current one when it fits). */
  private poolOf(fn: string, size: number): WorkerPool {
    if (this.pool && (this.pool.ended || this.pool.size !== size || this.pool.backend !== tf.getBackend())) this.end();
    if (!this.pool) {
      if (blockingWorkersAvailable()) this.pool = new WorkerPool(size);
      else {
        const create = this.createWorker ?? defaultWorker;
        if (!create || !webWorkersExist())
          fail(
            fn,
            `workers = ${size} needs Node's worker_threads or Web Workers with a worker script: give createWorker (see README "Big data")`,
          );
        this.pool = new WorkerPool(size, create);
      }
    }
    return this.pool;
  }

  /**
   * The pass source of a fit, or null to run in-thread. `blocking`: for `fit`, whose driver
   * waits synchronously (Node only; a browser fit with workers > 1 fails and names fitAsync).
   */
  passes(
    fn: string,
    option: number | 'auto',
    ctx: EmContext,
    batchSize: number,
    blocking: boolean,
  ): ParallelPassSource | null {
    if (!blockingWorkersAvailable()) {
      if (blocking && option !== 'auto' && option > 1)
        fail(
          fn,
          `workers = ${option} needs Node's worker_threads: in browsers (a page or a Web Worker) a fit cannot wait ` +
            `for its workers synchronously; use fitAsync with workers, or fit with workers: 1 or 'auto' (in-thread)`,
        );
      // 'auto' in a browser: Web Workers for fitAsync only, and only with a worker script given.
      if (option === 'auto' && (blocking || this.createWorker === null)) return null;
    }
    const count = resolveWorkerCount(option, ctx.data.N, ctx.data.D, ctx.em.K);
    if (count <= 1) return null;
    return this.guard(() => parallelPasses(fn, this.poolOf(fn, count), ctx, batchSize));
  }

  /**
   * Log-probabilities by the workers for large inputs, else null. `p` may hold a subset of the
   * model's `modelComponents` components (a scoring group): the size rule counts the model's.
   */
  logProb(
    fn: string,
    option: number | 'auto',
    values: Float32Array,
    N: number,
    D: number,
    p: FittedParameters,
    type: CovarianceTypeName,
    batchSize: number | null,
    modelComponents: number,
  ): tf.Tensor2D | null {
    const K = p.weights.shape[0]!;
    if (option === 1 || !blockingWorkersAvailable() || N * D * modelComponents < AUTO_WORKERS_MIN_WORK) return null;
    const count = resolveWorkerCount(option, N, D, modelComponents);
    if (count <= 1) return null;
    const rows = batchSize ?? autoBatchSize(K * D + K);
    return this.guard(() => parallelLogProb(fn, this.poolOf(fn, count), values, N, D, p, type, rows));
  }

  /** Runs `body`, dropping the pool when it failed (the pool has ended its workers). */
  private guard<T>(body: () => T): T {
    try {
      return body();
    } catch (e) {
      this.end();
      throw e;
    }
  }

  /** Number of workers running. */
  get running(): number {
    return this.pool?.running ?? 0;
  }

  /** Ends every worker. */
  end(): void {
    this.pool?.end();
    this.pool = null;
  }
}
