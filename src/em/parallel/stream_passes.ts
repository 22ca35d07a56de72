/**
 * EM passes over a stream on worker threads. The main thread reads the source; batch i goes to
 * worker i mod W (a fixed assignment, so the sums are the same from run to run), which scales it,
 * runs the E-step and the pass on it and adds its sums (float64) to its own; at the end of the
 * pass the main thread merges the workers' sums. Requests are asynchronous (the event loop keeps
 * running), and the next batch is read while the workers work: a worker is waited for only when
 * its next batch is ready. Any failure or abort ends every worker (the next fit starts new ones).
 */
import * as tf from '@tensorflow/tfjs-core';

import {EmContext, ParallelPassSource} from '../engine/context';
import {PassRequest, PassResult, accumulate, readShifts} from '../engine/pass';
import {PassArrays, arraysToPass, mergePassArrays} from '../engine/statistics';
import {ScaledState} from '../parameters';
import {AsyncGuard} from '../stream/guard';
import {StreamSource} from '../stream/source';
import {batchData, checkPassTotals, forEachBatch} from '../stream/stream_data';
import {wireState} from './parallel_passes';
import {WorkerPool} from './pool';
import {StreamPassMessage, WorkerReply} from './protocol';

/**
 * The workers' passes over a stream (see the module comment), loaded with what every batch
 * shares; `ctx` is the context of the whole stream (its data from streamSummaryData), as for the
 * in-thread runner (stream_data.ts's streamPassRunner). Failures end every worker.
 */
export async function streamWorkerPasses(
  fn: string,
  pool: WorkerPool,
  source: StreamSource,
  ctx: EmContext,
  weighted: boolean,
  chunkSize: number,
  guard: AsyncGuard,
): Promise<ParallelPassSource> {
  const {data, em} = ctx;
  const workers = Array.from({length: pool.size}, (_, i) => i);
  const all = (requests: (i: number) => Promise<WorkerReply>) => guard.race(Promise.all(workers.map(requests)));
  try {
    await all((i) =>
      pool.request(fn, i, {
        kind: 'streamLoad',
        covarianceType: em.name,
        variance: em.fixedVariance ?? null,
        K: em.K,
        D: em.D,
        batchSize: chunkSize,
        center: Array.from(data.transform.center),
        scale: data.transform.scale,
      }),
    );
  } catch (e) {
    pool.end();
    throw e;
  }
  let pass = 1; // the scan was pass 1
  const runAsync = async (state: ScaledState, eStepExact: number[], request: PassRequest): Promise<PassResult> => {
    pass++;
    // tied's data statistic (sum w x' x'^T) is summed on the main thread in the first EM pass,
    // while the workers run the E-steps.
    let statistic: tf.Tensor | null = null;
    let rows = 0;
    let weight = 0;
    try {
      const message: StreamPassMessage = {
        kind: 'streamPass',
        state: wireState(state),
        eStepExact,
        moments: request.moments,
        logLikelihood: request.logLikelihood,
        exact: request.exact ? {indices: request.exact.indices, shifts: readShifts(request.exact)} : null,
      };
      await all((i) => pool.request(fn, i, message));
      const inFlight: Array<Promise<WorkerReply> | null> = workers.map(() => null);
      let index = 0;
      await forEachBatch(fn, source, pass, {D: data.D, weighted}, guard, async (batch) => {
        if (pass === 2 && em.dataStatisticKey) {
          const bd = batchData(batch, data.transform, chunkSize);
          try {
            statistic = accumulate(statistic, tf.clone(em.dataStatistic(bd)!));
          } finally {
            bd.dispose();
          }
        }
        rows += batch.rows;
        weight += batch.weights ? batch.weights.reduce((s, w) => s + w, 0) : batch.rows;
        const worker = index++ % workers.length;
        const previous = inFlight[worker];
        if (previous) await guard.race(previous);
        const {values, weights} = batch;
        inFlight[worker] = pool.request(
          fn,
          worker,
          {kind: 'streamBatch', values, weights, rows: batch.rows},
          weights ? [values.buffer as ArrayBuffer, weights.buffer as ArrayBuffer] : [values.buffer as ArrayBuffer],
        );
      });
      await guard.race(Promise.all(inFlight));
      checkPassTotals(fn, pass, rows, weight, data);
      const replies = await all((i) => pool.request(fn, i, {kind: 'streamEnd'}));
      const merged = replies.map((r) => (r as {arrays: PassArrays}).arrays).reduce((a, b) => mergePassArrays(a, b));
      if (statistic !== null) data.provideExtra(em.dataStatisticKey!, tf.clone(statistic));
      return arraysToPass(em, merged, request.exact?.indices.length ?? 0);
    } catch (e) {
      // Workers mid-pass hold a half-summed pass (and maybe batches still queued): end them all.
      pool.end();
      throw e;
    } finally {
      (statistic as tf.Tensor | null)?.dispose();
    }
  };
  return {
    runner: (state, eStepExact) => ({
      run: () => {
        throw new Error(`${fn}: the passes over a stream are asynchronous`);
      },
      runAsync: (request) => runAsync(state, eStepExact, request),
    }),
  };
}
