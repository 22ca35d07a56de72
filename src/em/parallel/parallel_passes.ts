/**
 * EM passes on worker threads: the scaled rows of a fit move to the workers once (shared
 * memory), each worker runs the pass over its contiguous share of them, and the main thread
 * merges their sums (float64) into the statistics the M-step takes, as the statistics API does.
 */
import * as tf from '@tensorflow/tfjs-core';

import {CovarianceTypeName} from '../../../ops/covariance/covariance_type';
import {EmContext, ParallelPassSource} from '../engine/context';
import {PassRunner} from '../engine/m_step';
import {readShifts} from '../engine/pass';
import {PassArrays, arraysToPass, mergePassArrays} from '../engine/statistics';
import {LogProbParameters} from '../log_prob_rows';
import {ScaledState} from '../parameters';
import {WorkerPool} from './pool';
import {WireState, WireTensor, WorkerRequest} from './protocol';

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
 * Moves the rows of `ctx.data` to the workers of `pool` and returns the pass source the loop
 * uses instead of the in-thread passes.
 */
export function parallelPasses(fn: string, pool: WorkerPool, ctx: EmContext, batchSize: number): ParallelPassSource {
  const {data, em} = ctx;
  const scaled = shared(data.scaled);
  const residual = data.residual ? shared(data.residual) : null;
  const weights = data.sampleWeights ? shared(data.sampleWeights) : null;
  const ranges = shares(data.N, pool.size);
  pool.run(
    fn,
    ranges.map(([start, end]) => ({
      kind: 'load',
      covarianceType: em.name,
      variance: em.fixedVariance ?? null,
      K: em.K,
      D: em.D,
      batchSize,
      center: Array.from(data.transform.center),
      scale: data.transform.scale,
      scaled,
      residual,
      weights,
      start,
      end,
    })),
  );
  return {
    runner(state: ScaledState, eStepExact: number[]): PassRunner {
      const wireS = wireState(state);
      return (request) => {
        const exact = request.exact ? {indices: request.exact.indices, shifts: readShifts(request.exact)} : null;
        const message: WorkerRequest = {
          kind: 'pass',
          state: wireS,
          eStepExact,
          moments: request.moments,
          logLikelihood: request.logLikelihood,
          exact,
        };
        const replies = pool.run(
          fn,
          ranges.map(() => message),
        );
        const merged = replies.map((r) => (r as {arrays: PassArrays}).arrays).reduce((a, b) => mergePassArrays(a, b));
        return arraysToPass(em, merged, exact?.indices.length ?? 0);
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
