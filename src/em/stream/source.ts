/**
 * Streams of batches for `fitAsync`: a `tf.data.Dataset` of [B, D] batches, or a function that
 * returns an (async) iterable of batches. Each EM pass opens the source again and reads it to the
 * end; only one batch is resident at a time.
 */
import * as tf from '@tensorflow/tfjs-core';

import {TensorInput, fail, formatShape, toFloatTensor} from '../../../ops/util/args';

/** The part of `tf.data.Dataset` a stream uses (tfjs-data is not a dependency of tfjs-gmm). */
export interface DatasetLike {
  iterator(): Promise<{next(): Promise<IteratorResult<unknown>>}>;
}

/**
 * A source of batches: a `tf.data.Dataset` whose elements are [B, D] tensors (e.g.
 * `tf.data.array(rows).batch(1000)`), or a function returning an iterable or async iterable of
 * [B, D] batches (tensors, nested arrays). It is opened once per EM pass and must yield the same
 * rows every time. Tensors from a Dataset are disposed after use (as `model.fitDataset` does);
 * tensors from an iterable stay the caller's.
 */
export type StreamSource = DatasetLike | (() => Iterable<TensorInput> | AsyncIterable<TensorInput>);

/** Whether `x` is a stream source rather than in-memory data. */
export function isStreamSource(x: unknown): x is StreamSource {
  return (
    typeof x === 'function' ||
    (typeof x === 'object' && x !== null && typeof (x as DatasetLike).iterator === 'function')
  );
}

/** One batch read from a source: its rows (float32, row-major), validated. */
export interface Batch {
  values: Float32Array;
  rows: number;
  D: number;
  /** Global index of the batch's first row. */
  start: number;
}

/** An open pass over a source. */
export interface SourceReader {
  /** The next non-empty batch, or null at the end of the pass. */
  next(): Promise<Batch | null>;
  /** Ends the pass early (closes a generator's resources). */
  close(): Promise<void>;
}

/** Shows at most 8 entries of a row. */
function formatRow(values: ArrayLike<number>, start: number, D: number): string {
  const shown = Array.from({length: Math.min(D, 8)}, (_, j) => String(values[start + j]));
  return `[${shown.join(', ')}${D > 8 ? ', ...' : ''}]`;
}

/**
 * Validates one batch: [B, D] with the stream's D, finite; messages name the global row.
 */
function readBatch(fn: string, value: unknown, index: number, start: number, expectedD: number | null): Batch {
  const what = `source batch ${index} (rows ${start}...)`;
  if (value === null || value === undefined || typeof value !== 'object')
    fail(fn, `${what} must be a [B, D] tensor or nested array, but got ${value === null ? 'null' : typeof value}`);
  const t = toFloatTensor(value as TensorInput, what, fn);
  try {
    if (t.rank !== 2) fail(fn, `${what} must have shape [B, ${expectedD ?? 'D'}], but got ${formatShape(t.shape)}`);
    const [rows, D] = t.shape;
    if (expectedD !== null && D !== expectedD)
      fail(
        fn,
        `${what} must have shape [B, ${expectedD}] (D = ${expectedD} as in the earlier batches), but got ${formatShape(t.shape)}`,
      );
    if (D < 1) fail(fn, `${what} must have at least one feature, but got shape ${formatShape(t.shape)}`);
    const values = Float32Array.from(t.dataSync() as Float32Array);
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i])) {
        const row = Math.floor(i / D);
        fail(
          fn,
          `the source must yield only finite values, but row ${start + row} (row ${row} of batch ${index}) is ${formatRow(values, row * D, D)}`,
        );
      }
    }
    return {values, rows, D, start};
  } finally {
    if (t !== value) t.dispose();
  }
}

/** An iterator over the raw elements of a source, with whether its tensors are ours to dispose. */
async function openRaw(
  fn: string,
  source: StreamSource,
): Promise<{next(): Promise<IteratorResult<unknown>>; close(): Promise<void>; owned: boolean}> {
  if (typeof source !== 'function') {
    const iterator = await source.iterator();
    return {next: () => iterator.next(), close: async () => {}, owned: true};
  }
  const iterable = source() as unknown;
  const asyncIt = (iterable as AsyncIterable<unknown> | null)?.[Symbol.asyncIterator];
  const syncIt = (iterable as Iterable<unknown> | null)?.[Symbol.iterator];
  const iterator = (
    typeof asyncIt === 'function'
      ? asyncIt.call(iterable)
      : typeof syncIt === 'function'
        ? syncIt.call(iterable)
        : fail(
            fn,
            `the source function must return an iterable or async iterable of batches, but it returned ${iterable === null ? 'null' : typeof iterable}`,
          )
  ) as Iterator<unknown> | AsyncIterator<unknown>;
  return {
    next: async () => iterator.next(),
    close: async () => {
      await iterator.return?.();
    },
    owned: false,
  };
}

/**
 * Opens one pass over `source`. `expectedD` (from an earlier pass or batch) is checked on every
 * batch; `pass` names the pass in messages.
 */
export async function openSource(
  fn: string,
  source: StreamSource,
  pass: number,
  expectedD: number | null,
): Promise<SourceReader> {
  const raw = await openRaw(fn, source).catch((e: unknown) => {
    throw sourceError(fn, e, `opening the source for pass ${pass}`);
  });
  let index = 0;
  let start = 0;
  let D = expectedD;
  return {
    async next() {
      for (;;) {
        let result: IteratorResult<unknown>;
        try {
          result = await raw.next();
        } catch (e) {
          throw sourceError(fn, e, `reading batch ${index} of pass ${pass}`);
        }
        if (result.done) return null;
        try {
          const batch = readBatch(fn, result.value, index, start, D);
          index++;
          if (batch.rows === 0) continue;
          D = batch.D;
          start += batch.rows;
          return batch;
        } finally {
          if (raw.owned && result.value instanceof tf.Tensor) result.value.dispose();
        }
      }
    },
    close: () => raw.close(),
  };
}

/** An error of the user's source, wrapped with where it happened (the original as `cause`). */
function sourceError(fn: string, e: unknown, where: string): Error {
  const message = e instanceof Error ? e.message : String(e);
  return Object.assign(new Error(`${fn}: the source failed while ${where}: ${message}`), {cause: e});
}
