/**
 * Streams of batches for `fitAsync`: a `tf.data.Dataset` of [B, D] batches, or a function that
 * returns an (async) iterable of batches, each optionally with its sample weights. Each EM pass
 * opens the source again and reads it to the end; only one batch is resident at a time.
 */
import * as tf from '@tensorflow/tfjs-core';

import {TensorInput, assertKnownKeys, fail, formatShape, optionKeys, toFloatTensor} from '../../../ops/util/args';
import {readWeightValues} from '../data';

/** The part of `tf.data.Dataset` a stream uses (tfjs-data is not a dependency of tfjs-gmm). */
export interface DatasetLike {
  iterator(): Promise<{next(): Promise<IteratorResult<unknown>>}>;
}

/**
 * A batch with sample weights: rows `x` [B, D] and one non-negative weight per row
 * `sampleWeight` [B] (tensors or arrays), as `fit(X, {sampleWeight})` takes them.
 */
export interface WeightedBatch {
  x: TensorInput;
  sampleWeight: TensorInput;
}

const WEIGHTED_BATCH_KEYS = optionKeys<WeightedBatch>({x: true, sampleWeight: true});

/** One element of a stream: a [B, D] batch, or a {@link WeightedBatch}. */
export type StreamBatch = TensorInput | WeightedBatch;

/**
 * A source of batches: a `tf.data.Dataset` whose elements are [B, D] tensors (e.g.
 * `tf.data.array(rows).batch(1000)`) or `{x, sampleWeight}` objects of tensors, or a function
 * returning an iterable or async iterable of batches: [B, D] tensors or nested arrays, or
 * {@link WeightedBatch}es `{x: [B, D], sampleWeight: [B]}`. Either every batch of a stream carries
 * weights or none does; weights are validated as `fit`'s `sampleWeight` (finite, >= 0; at least
 * nComponents positive in all). It is opened once per EM pass and must yield the same rows (and
 * weights) every time. Tensors from a Dataset are disposed after use (as `model.fitDataset`
 * does); tensors from an iterable stay the caller's.
 */
export type StreamSource = DatasetLike | (() => Iterable<StreamBatch> | AsyncIterable<StreamBatch>);

/** Whether `x` is a stream source rather than in-memory data. */
export function isStreamSource(x: unknown): x is StreamSource {
  return (
    typeof x === 'function' ||
    (typeof x === 'object' && x !== null && typeof (x as DatasetLike).iterator === 'function')
  );
}

/** One batch read from a source: its rows (float32, row-major) and weights, validated. */
export interface Batch {
  values: Float32Array;
  /** Sample weights [rows], or null for an unweighted stream. */
  weights: Float64Array | null;
  rows: number;
  D: number;
  /** Global index of the batch's first row. */
  start: number;
}

/** Whether `value` is a {@link WeightedBatch} (an object that is no tensor, array or typed array). */
function isWeightedBatch(value: object): value is WeightedBatch {
  return !(value instanceof tf.Tensor) && !Array.isArray(value) && !ArrayBuffer.isView(value);
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

/** What a stream has shown so far: D and whether its batches carry weights (null: no batch yet). */
interface StreamShape {
  D: number | null;
  weighted: boolean | null;
}

/**
 * Validates one batch: [B, D] with the stream's D, finite, with weights when the stream has them
 * ([B], finite, >= 0); messages name the batch and the global row. Tensors of `value` are not
 * disposed here.
 */
function readBatch(fn: string, value: unknown, index: number, start: number, shape: StreamShape): Batch {
  const what = `source batch ${index} (rows ${start}...)`;
  if (value === null || value === undefined || typeof value !== 'object')
    fail(
      fn,
      `${what} must be a [B, D] tensor or nested array, or {x, sampleWeight}, but got ${value === null ? 'null' : typeof value}`,
    );
  const weighted = isWeightedBatch(value);
  if (weighted) {
    assertKnownKeys(fn, what, value, WEIGHTED_BATCH_KEYS);
    if (value.x === undefined || value.sampleWeight === undefined)
      fail(
        fn,
        `${what} must have both x [B, D] and sampleWeight [B], but got keys ${JSON.stringify(Object.keys(value))}`,
      );
  }
  if (shape.weighted !== null && weighted !== shape.weighted) {
    const has = (w: boolean) => (w ? 'carries sampleWeight' : 'carries no sampleWeight');
    fail(
      fn,
      `${what} ${has(weighted)}, but the earlier batches ${shape.weighted ? 'did' : 'did not'}: either every batch of a stream is {x, sampleWeight} or none is`,
    );
  }
  const rows = readRows(
    fn,
    weighted ? value.x : (value as TensorInput),
    weighted ? `${what} x` : what,
    index,
    start,
    shape.D,
  );
  const weights = weighted
    ? readWeightValues(
        fn,
        `${what} sampleWeight`,
        value.sampleWeight,
        rows.rows,
        `[${rows.rows}] (one weight per row of its x)`,
        (i) => `row ${start + i} (row ${i} of batch ${index})`,
      )
    : null;
  return {...rows, weights};
}

/** Reads the [B, D] rows of a batch: the stream's D, finite values (messages name the global row). */
function readRows(
  fn: string,
  x: TensorInput,
  what: string,
  index: number,
  start: number,
  expectedD: number | null,
): Omit<Batch, 'weights'> {
  if (x === null || typeof x !== 'object')
    fail(fn, `${what} must be a [B, D] tensor or nested array, but got ${x === null ? 'null' : typeof x}`);
  const t = toFloatTensor(x, what, fn);
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
    if (t !== x) t.dispose();
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
 * Opens one pass over `source`. `expected` (D and whether batches carry weights, from an earlier
 * pass; null for the first) is checked on every batch; `pass` names the pass in messages.
 */
export async function openSource(
  fn: string,
  source: StreamSource,
  pass: number,
  expected: {D: number; weighted: boolean} | null,
): Promise<SourceReader> {
  const raw = await openRaw(fn, source).catch((e: unknown) => {
    throw sourceError(fn, e, `opening the source for pass ${pass}`);
  });
  let index = 0;
  let start = 0;
  const shape: StreamShape = expected ? {...expected} : {D: null, weighted: null};
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
          const batch = readBatch(fn, result.value, index, start, shape);
          index++;
          shape.weighted = batch.weights !== null;
          if (batch.rows === 0) continue;
          shape.D = batch.D;
          start += batch.rows;
          return batch;
        } finally {
          if (raw.owned) disposeElement(result.value);
        }
      }
    },
    close: () => raw.close(),
  };
}

/** Disposes the tensors of a Dataset element (a tensor, or {x, sampleWeight} of tensors). */
function disposeElement(value: unknown): void {
  if (value instanceof tf.Tensor) value.dispose();
  else if (value !== null && typeof value === 'object')
    for (const part of Object.values(value as object)) if (part instanceof tf.Tensor) part.dispose();
}

/** An error of the user's source, wrapped with where it happened (the original as `cause`). */
function sourceError(fn: string, e: unknown, where: string): Error {
  const message = e instanceof Error ? e.message : String(e);
  return Object.assign(new Error(`${fn}: the source failed while ${where}: ${message}`), {cause: e});
}
