/**
 * EM passes on workers: the scaled rows of a fit move to the workers once, before the first pass
 * (shared memory where the platform allows, else each worker is handed a copy of its share),
 * each worker runs the pass over its contiguous share of them, and the main thread merges their
 * sums (float64) into the statistics the M-step takes, as the statistics API does.
 */
import * as tf from '@tensorflow/tfjs-core';

import {CovarianceTypeName} from '../../../ops/covariance/covariance_type';
import {EmContext, ParallelPassSource} from '../engine/context';
import {PassRequest, PassResult, readShifts} from '../engine/pass';
import {PassArrays, arraysToPass, mergePassArrays} from '../engine/statistics';
import {LogProbParameters} from '../log_prob_rows';
import {ScaledState} from '../parameters';
import {WorkerPool, sharedMemoryAvailable} from './pool';
import {LoadMessage, WireState, WireTensor, WorkerReply, WorkerRequest} from './protocol';

function wire(t: tf.Tensor): WireTensor {
  return {values: Float32Array.from(t.dataSync()), shape: t.shape.slice()};
}

function wireState(s: ScaledState | (LogProbParameters & {covariances: tf.Tensor})): WireState {
  const low = (s as ScaledState).meansLow;
  return {
    weights: wire(s.weights),
    means: wire(s.means),
    meansLow: low ? wire(low) : null,
    covariances: wire(s.covariances),
    precisionsCholesky: wire(s.precisionsCholesky),
  };
}

/** Row ranges [start, end) splitting N rows into `parts` near-equal contiguous shares. */
export function shares(N: number, parts: number): Array<[number, number]> {
  return Array.from({length: parts}, (_, i) => [Math.floor((i * N) / parts), Math.floor(((i + 1) * N) / parts)]);
}

/** A copy of `values` in shared memory. */
function shared(values: Float32Array | Float64Array): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(values.byteLength);
  if (values instanceof Float64Array) new Float64Array(buffer as unknown as ArrayBuffer).set(values);
  else new Float32Array(buffer as unknown as ArrayBuffer).set(values);
  return buffer;
}

/**
 * The load requests of a fit: the rows of `ctx.data` in shared memory, or copies of each
 * worker's rows (whose buffers are moved to it: `transfer`).
 */
function loadRequests(
  ctx: EmContext,
  ranges: Array<[number, number]>,
  batchSize: number,
): {requests: LoadMessage[]; transfer: (i: number) => ArrayBuffer[]} {
  const {data, em} = ctx;
  const D = em.D;
  const common = {
    kind: 'load' as const,
    covarianceType: em.name,
    variance: em.fixedVariance ?? null,
    K: em.K,
    D,
    batchSize,
    center: Array.from(data.transform.center),
    scale: data.transform.scale,
  };
  if (sharedMemoryAvailable()) {
    const scaled = shared(data.scaled);
    const residual = data.residual ? shared(data.residual) : null;
    const weights = data.sampleWeights ? shared(data.sampleWeights) : null;
    return {
      requests: ranges.map(([start, end]) => ({...common, scaled, residual, weights, start, end})),
      transfer: () => [],
    };
  }
  const requests = ranges.map(([start, end]): LoadMessage => {
    const rows = data.scaled.slice(start * D, end * D);
    const residual = data.residual ? data.residual.slice(start * D, end * D) : null;
    const weights = data.sampleWeights ? data.sampleWeights.slice(start, end) : null;
    return {
      ...common,
      scaled: rows.buffer,
      residual: residual?.buffer ?? null,
      weights: weights?.buffer ?? null,
      start: 0,
      end: end - start,
    };
  });
  return {
    requests,
    transfer: (i) => [
      requests[i].scaled as ArrayBuffer,
      ...[requests[i].residual, requests[i].weights].filter((b): b is ArrayBuffer => b !== null),
    ],
  };
}

/**
 * The pass source the loop uses instead of the in-thread passes: the workers of `pool` over
 * the rows of `ctx.data`, which move to them before the first pass.
 */
export function parallelPasses(fn: string, pool: WorkerPool, ctx: EmContext, batchSize: number): ParallelPassSource {
  const {data, em} = ctx;
  const ranges = shares(data.N, pool.size);
  let loaded = false;
  const load = () => {
    loaded = true;
    const {requests, transfer} = loadRequests(ctx, ranges, batchSize);
    return {requests: requests as WorkerRequest[], transfer};
  };
  return {
    runner(state: ScaledState, eStepExact: number[]) {
      const wireS = wireState(state);
      const message = (request: PassRequest): {message: WorkerRequest; exactCount: number} => {
        const exact = request.exact ? {indices: request.exact.indices, shifts: readShifts(request.exact)} : null;
        const pass: WorkerRequest = {
          kind: 'pass',
          state: wireS,
          eStepExact,
          moments: request.moments,
          logLikelihood: request.logLikelihood,
          exact,
        };
        return {message: pass, exactCount: exact?.indices.length ?? 0};
      };
      const merge = (replies: WorkerReply[], exactCount: number): PassResult => {
        const merged = replies.map((r) => (r as {arrays: PassArrays}).arrays).reduce((a, b) => mergePassArrays(a, b));
        return arraysToPass(em, merged, exactCount);
      };
      return {
        run(request: PassRequest): PassResult {
          if (!loaded) {
            const {requests, transfer} = load();
            pool.run(fn, requests, transfer);
          }
          const {message: m, exactCount} = message(request);
          return merge(
            pool.run(
              fn,
              ranges.map(() => m),
            ),
            exactCount,
          );
        },
        async runAsync(request: PassRequest): Promise<PassResult> {
          if (!loaded) {
            const {requests, transfer} = load();
            await pool.runAsync(fn, requests, transfer);
          }
          const {message: m, exactCount} = message(request);
          return merge(
            await pool.runAsync(
              fn,
              ranges.map(() => m),
            ),
            exactCount,
          );
        },
      };
    },
  };
}

/**
 * Per-component log-probabilities [N, K] of `values` ([N * D], data space) under `p`, computed
 * by the workers of `pool` over contiguous shares of the rows.
 */
export function parallelLogProb(
  fn: string,
  pool: WorkerPool,
  values: Float32Array,
  N: number,
  D: number,
  p: LogProbParameters & {covariances: tf.Tensor},
  type: CovarianceTypeName,
  batchSize: number,
): tf.Tensor2D {
  const K = p.weights.shape[0]!;
  const input = shared(values);
  const output = new SharedArrayBuffer(N * K * 4);
  const state = wireState(p);
  const ranges = shares(N, Math.min(pool.size, N));
  pool.run(
    fn,
    ranges.map(([start, end]) => ({
      kind: 'logProb',
      covarianceType: type,
      state,
      input,
      output,
      D,
      K,
      batchSize,
      start,
      end,
    })),
  );
  return tf.tensor2d(Float32Array.from(new Float32Array(output)), [N, K]);
}
