/**
 * EM over a stream: the first pass (size, float64 centring and scaling, a reservoir sample for
 * the initialisation) and the EM passes, each of which reads the source once, batch by batch,
 * scaling every batch with the first pass's transform and summing the per-batch pass results.
 */
import * as tf from '@tensorflow/tfjs-core';

import {fail} from '../../../ops/util/args';
import {SeededRandom} from '../../util/random';
import {DataTransform, EmData, chunkedData, scaleRows} from '../data';
import {EmContext, createContext} from '../engine/context';
import {PassResult, accumulate, disposePass, runPass} from '../engine/pass';
import {PassCall} from '../engine/program';
import {AsyncPassRunner} from './driver';
import {AsyncGuard} from './guard';
import {Batch, SourceReader, StreamSource, openSource} from './source';

/** What the first pass learns about a stream. */
export interface StreamScan {
  /** Number of rows N. */
  N: number;
  /** Number of features D. */
  D: number;
  /** Centre (float64 mean) and scale (RMS deviation per feature), as `fit` computes them. */
  transform: DataTransform;
  /**
   * A uniform random sample of min(N, sampleSize) rows (Algorithm R, seeded), row-major; when
   * N <= sampleSize, every row in stream order.
   */
  sample: Float32Array;
  sampleRows: number;
}

/** Reads every batch of one pass, closing the reader however the pass ends. */
async function forEachBatch(
  fn: string,
  source: StreamSource,
  pass: number,
  D: number | null,
  guard: AsyncGuard,
  body: (batch: Batch) => void,
): Promise<void> {
  const reader: SourceReader = await guard.race(openSource(fn, source, pass, D));
  try {
    for (;;) {
      await guard.maybePause();
      const batch = await guard.race(reader.next());
      if (batch === null) return;
      body(batch);
    }
  } finally {
    // An abort must not wait for a source that does not answer.
    void reader.close().catch(() => {});
  }
}

/**
 * The first pass: N, D, the float64 mean and RMS scale (per-batch moments merged with Chan et
 * al.'s pairwise update, so no cancellation), and a seeded reservoir sample of `sampleSize` rows.
 */
export async function scanStream(
  fn: string,
  source: StreamSource,
  sampleSize: number,
  seed: number,
  guard: AsyncGuard,
): Promise<StreamScan> {
  const rng = new SeededRandom(seed);
  let N = 0;
  let D: number | null = null;
  let mean = new Float64Array(0);
  let m2 = new Float64Array(0);
  let sample = new Float32Array(0);
  await forEachBatch(fn, source, 1, null, guard, (batch) => {
    if (D === null) {
      D = batch.D;
      mean = new Float64Array(D);
      m2 = new Float64Array(D);
      sample = new Float32Array(sampleSize * D);
    }
    const d = D;
    const {values, rows} = batch;
    const batchMean = new Float64Array(d);
    for (let n = 0; n < rows; n++) for (let j = 0; j < d; j++) batchMean[j] += values[n * d + j];
    for (let j = 0; j < d; j++) batchMean[j] /= rows;
    const total = N + rows;
    for (let j = 0; j < d; j++) {
      let squares = 0;
      for (let n = 0; n < rows; n++) squares += (values[n * d + j] - batchMean[j]) ** 2;
      const delta = batchMean[j] - mean[j];
      m2[j] += squares + (delta * delta * N * rows) / total;
      mean[j] += (delta * rows) / total;
    }
    for (let n = 0; n < rows; n++) {
      const index = N + n;
      const slot = index < sampleSize ? index : rng.integer(index + 1);
      if (slot < sampleSize) sample.set(values.subarray(n * d, (n + 1) * d), slot * d);
    }
    N = total;
  });
  if (D === null) fail(fn, 'the source must yield at least one row, but it yielded none (an empty stream)');
  const squares = m2.reduce((s, v) => s + v, 0);
  const scale = Math.sqrt(squares / (N * D));
  const sampleRows = Math.min(N, sampleSize);
  return {
    N,
    D,
    transform: {center: mean, scale: scale > 0 && Number.isFinite(scale) ? scale : 1},
    sample: sample.subarray(0, sampleRows * D),
    sampleRows,
  };
}

/** The scaled rows of a batch as an EmData of chunks of at most `chunkSize` rows. */
function batchData(batch: Batch, transform: DataTransform, chunkSize: number): EmData {
  const {rows, D} = batch;
  return chunkedData(scaleRows(batch.values, rows, D, transform), rows, D, transform, null, rows, chunkSize);
}

/** The data of a whole stream for the M-step: size, transform and data statistic, but no chunks. */
export function streamSummaryData(scan: StreamScan): EmData {
  return new EmData(scan.N, scan.D, scan.transform, [], scan.N, null, new Float32Array(0));
}

/**
 * Runs EM passes over the stream: per batch, the pass on the batch's scaled chunks; the results
 * are summed. `ctx` is the context of the whole stream (its data from {@link streamSummaryData});
 * the first EM pass also sums the covariance type's data statistic into it (tied's second moment).
 */
export function streamPassRunner(
  fn: string,
  source: StreamSource,
  ctx: EmContext,
  chunkSize: number,
  guard: AsyncGuard,
): AsyncPassRunner {
  let pass = 1; // the scan was pass 1
  const {data, em} = ctx;
  return async (call: PassCall): Promise<PassResult> => {
    const responsibilities = call.responsibilities;
    if (!responsibilities) throw new Error(`${fn}: a stream's passes run in-thread, not on workers`);
    pass++;
    let total: PassResult = {moments: null, exactScatter: null, logLikelihoodSum: null};
    const needsStatistic = pass === 2;
    let statistic: tf.Tensor | null = null;
    let rows = 0;
    try {
      await forEachBatch(fn, source, pass, data.D, guard, (batch) => {
        const bd = batchData(batch, data.transform, chunkSize);
        try {
          const batchCtx = createContext(fn, bd, em, ctx.userRegCovar);
          const part = runPass(batchCtx, responsibilities(batchCtx), call.request);
          total = {
            moments: accumulate(total.moments, part.moments) as tf.Tensor2D | null,
            exactScatter: accumulate(total.exactScatter, part.exactScatter),
            logLikelihoodSum: accumulate(total.logLikelihoodSum, part.logLikelihoodSum),
          };
          const batchStatistic = needsStatistic ? em.dataStatistic(bd) : null;
          if (batchStatistic) statistic = accumulate(statistic, tf.clone(batchStatistic));
        } finally {
          bd.dispose();
        }
        rows += batch.rows;
      });
      if (rows !== data.N)
        fail(
          fn,
          `the source must yield the same rows on every pass, but pass ${pass} yielded ${rows} rows and the first pass ${data.N}`,
        );
      if (statistic !== null) data.provideExtra(em.dataStatisticKey!, tf.clone(statistic));
      return total;
    } catch (e) {
      disposePass(total);
      throw e;
    } finally {
      (statistic as tf.Tensor | null)?.dispose();
    }
  };
}
