/**
 * Data preparation for EM: validation, centering and scaling (in float64), and chunking.
 *
 * EM runs on `x' = (x - c) / s`, with c the (weighted) mean of the data and s one scalar (the
 * root-mean-square deviation per feature). A Gaussian mixture is affine-equivariant, so the fit in
 * x' space maps back exactly (means c + s mu', covariances s^2 Sigma', precision factors P' / s,
 * regCovar / s^2 in x' space). Centering is what keeps the float32 second moments of the M-step
 * accurate (scikit-learn#30382 is the float32 failure without it); the scalar scale keeps squares
 * of large inputs in range and leaves every covariance type's structure intact.
 *
 * The data are read back once anyway (to find non-finite rows), so the transform is computed in
 * float64 on the host and the scaled chunks are uploaded to the active backend.
 */
import * as tf from '@tensorflow/tfjs-core';

import {TensorInput, assertBackendRegistered, fail, formatShape, toFloatTensor} from '../../ops/util/args';

/** The affine map between the data and the space EM runs in: x' = (x - center) / scale. */
export interface DataTransform {
  /** [D] center c. */
  center: Float64Array;
  /** Scalar scale s > 0. */
  scale: number;
}

/** One block of rows, resident on the backend. */
export interface Chunk {
  /** Index of the first row. */
  start: number;
  /** Number of rows B. */
  size: number;
  /** Scaled rows x' [B, D] (float32). */
  x: tf.Tensor2D;
  /**
   * What float32 rounding took off x': x' = x + xLow to about float32 eps squared, or null when
   * the rows were exact in float32. The exact path forms differences (x - mu_hi) + (xLow - mu_lo)
   * from it, so that a component narrower than float32's resolution at its offset in the scaled
   * space (sd 1e-3 at 0 next to sd 1 at 1e4) keeps its digits.
   */
  xLow: tf.Tensor2D | null;
  /** Sample weights as a column [B, 1], or null when unweighted. */
  weightColumn: tf.Tensor2D | null;
  /** Sample weights as a row [1, B], or null when unweighted. */
  weightRow: tf.Tensor2D | null;
}

/**
 * Scaled values below this (relative to the data's RMS deviation) are set to zero, so that no
 * product of two of them is a subnormal float (these make wasm's matmuls ~100x slower).
 */
const NEGLIGIBLE = 1e-15;

/**
 * Default chunk size: as many rows as keep one chunk's [B, width] features under 2^24 floats
 * (64 MiB), between 1024 and 131072 rows. Fewer, larger chunks mean fewer kernel launches (on wasm
 * 1 chunk of 100k rows is measurably faster than 7 of 16k); the budget bounds the memory of wide
 * bases (full covariances at D = 16: ~110k rows, at D = 32: ~30k rows).
 */
export function autoBatchSize(width: number): number {
  return Math.max(1024, Math.min(131072, Math.floor(2 ** 24 / width)));
}

/** Rows per chunk: a number, or a function of D (the number of features) for automatic sizes. */
export type BatchSizeOption = number | ((D: number) => number);

/** Cached features of one chunk: the basis Z [B, W] and, for wide bases, Z^T [W, B]. */
export interface ChunkFeatures {
  z: tf.Tensor2D;
  zT: tf.Tensor2D | null;
}

/** Validated, scaled, chunked data. Owns its tensors: call {@link EmData.dispose}. */
export class EmData {
  private readonly featureCache = new Map<string, ChunkFeatures[]>();
  private readonly extras = new Map<string, tf.Tensor>();
  private disposed = false;
  /** Set when float32 input was too coarse at its offset to resolve its spread (see prepareData). */
  resolutionWarning: string | null = null;

  constructor(
    /** Number of rows N. */
    readonly N: number,
    /** Number of features D. */
    readonly D: number,
    readonly transform: DataTransform,
    readonly chunks: Chunk[],
    /** Sum of the sample weights (N when unweighted). */
    readonly totalWeight: number,
    /** Sample weights, or null when unweighted. */
    readonly sampleWeights: Float64Array | null,
    /** The scaled rows on the host, row-major [N * D] (for picking data points as centers). */
    readonly scaled: Float32Array,
    /** Their rounding residuals (see {@link Chunk.xLow}), or null. */
    readonly residual: Float32Array | null = null,
  ) {}

  /** Row n of the scaled data as a plain array. */
  row(n: number): number[] {
    return Array.from(this.scaled.subarray(n * this.D, (n + 1) * this.D));
  }

  /**
   * Runs `body` with the features of chunk `index` for the basis `key`. They are built with
   * `build` and cached for later calls when `cache` is true; otherwise they are built inside the
   * caller's tidy scope and disposed with it.
   */
  features(key: string, index: number, cache: boolean, build: (chunk: Chunk) => ChunkFeatures): ChunkFeatures {
    if (!cache) return build(this.chunks[index]);
    let cached = this.featureCache.get(key);
    if (!cached) {
      cached = [];
      this.featureCache.set(key, cached);
    }
    if (!cached[index]) {
      // tf.keep: callers run inside their own tidy scopes, which must not dispose the cache.
      const built = tf
        .tidy(() => {
          const f = build(this.chunks[index]);
          return f.zT ? [f.z, f.zT] : [f.z];
        })
        .map((t) => tf.keep(t));
      cached[index] = {z: built[0] as tf.Tensor2D, zT: (built[1] as tf.Tensor2D | undefined) ?? null};
    }
    return cached[index];
  }

  /** A tensor computed once per data set and kept until {@link dispose} (e.g. sum w x x^T). */
  extra(key: string, compute: () => tf.Tensor): tf.Tensor {
    let value = this.extras.get(key);
    if (!value) {
      value = tf.keep(tf.tidy(compute));
      this.extras.set(key, value);
    }
    return value;
  }

  /**
   * Sets the tensor {@link extra} returns for `key` (taking ownership of it): for statistics
   * computed elsewhere, e.g. merged from several parts of the data.
   */
  provideExtra(key: string, value: tf.Tensor): void {
    this.extras.get(key)?.dispose();
    this.extras.set(key, tf.keep(value));
  }

  /** Releases every tensor held by the data set. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const chunk of this.chunks)
      tf.dispose(
        [chunk.x, chunk.xLow, chunk.weightColumn, chunk.weightRow].filter((t): t is tf.Tensor2D => t !== null),
      );
    for (const list of this.featureCache.values()) for (const f of list) if (f) tf.dispose(f.zT ? [f.z, f.zT] : [f.z]);
    for (const t of this.extras.values()) t.dispose();
    this.featureCache.clear();
    this.extras.clear();
  }
}

/** Shows at most 8 entries of a row. */
function formatRow(values: ArrayLike<number>, start: number, D: number): string {
  const shown = Array.from({length: Math.min(D, 8)}, (_, j) => String(values[start + j]));
  return `[${shown.join(', ')}${D > 8 ? ', ...' : ''}]`;
}

/** A row of a host matrix: numbers or a numeric TypedArray. */
function isNumericRow(row: unknown): row is ArrayLike<number> {
  return (
    Array.isArray(row) ||
    (ArrayBuffer.isView(row) &&
      !(row instanceof DataView) &&
      !(row instanceof BigInt64Array) &&
      !(row instanceof BigUint64Array))
  );
}

/**
 * The values of a host matrix (an array of rows, each numbers or a TypedArray) in float64, or
 * null when `x` is not one (tensors, deeper nesting: read through tfjs in float32).
 */
function readHostRows(x: TensorInput): {values: Float64Array; N: number; D: number} | null {
  if (!Array.isArray(x) || x.length === 0 || !x.every(isNumericRow)) return null;
  const rows = x as ArrayLike<unknown>[];
  const D = rows[0].length;
  if (!rows.every((row) => row.length === D && Array.from(row).every((v) => typeof v === 'number'))) return null;
  const values = new Float64Array(rows.length * D);
  rows.forEach((row, n) => values.set(row as ArrayLike<number>, n * D));
  return {values, N: rows.length, D};
}

/** Host values of a matrix: float64 for arrays of rows, float32 (as tfjs holds them) for tensors. */
export type MatrixValues = Float32Array | Float64Array;

/**
 * Reads `x` as an [N, D] matrix, failing with a message that names the first row holding NaN or
 * +-Infinity. Arrays of rows (nested number arrays, or arrays of Float64Array / Float32Array
 * rows) are read in float64, so that centering happens before any float32 rounding; tensors in
 * float32.
 *
 * @param allowEmpty accept N = 0 (an empty batch to score); D >= 1 is always required.
 * @returns the values (row-major) with N and D, and whether they came from float32.
 */
export function readMatrix(
  fn: string,
  argName: string,
  x: TensorInput,
  expectedD?: number,
  allowEmpty = false,
): {values: MatrixValues; N: number; D: number; float32: boolean} {
  if (x instanceof Float64Array || x instanceof Float32Array) {
    fail(
      fn,
      `${argName} must be an [N, D] matrix: a tensor, nested arrays, or an array of rows (each a number array or a Float64Array/Float32Array), but got a flat ${x.constructor.name} of length ${x.length}`,
    );
  }
  const host = readHostRows(x);
  if (host) {
    assertBackendRegistered(fn); // as tensor inputs do: the fit needs a backend anyway
    checkShapeAndValues(fn, argName, host.values, host.N, host.D, expectedD, allowEmpty);
    return {...host, float32: false};
  }
  const t = toFloatTensor(x, argName, fn);
  try {
    if (t.rank !== 2) {
      const expected =
        expectedD === undefined ? '[N, D]' : `[N, ${expectedD}] (N, D: ${expectedD} features seen in fit)`;
      fail(fn, `${argName} must have shape ${expected}, but got ${formatShape(t.shape)}`);
    }
    const [N, D] = t.shape;
    const values = t.dataSync() as Float32Array;
    checkShapeAndValues(fn, argName, values, N, D, expectedD, allowEmpty);
    return {values, N, D, float32: true};
  } finally {
    if (t !== x) t.dispose();
  }
}

function checkShapeAndValues(
  fn: string,
  argName: string,
  values: MatrixValues,
  N: number,
  D: number,
  expectedD: number | undefined,
  allowEmpty: boolean,
): void {
  if (expectedD !== undefined && D !== expectedD) {
    fail(
      fn,
      `${argName} must have shape [N, ${expectedD}] (N, D: ${expectedD} features seen in fit), but got ${formatShape([N, D])}`,
    );
  }
  if (D < 1 || (N < 1 && !allowEmpty))
    fail(fn, `${argName} must have at least one sample and one feature, but got shape ${formatShape([N, D])}`);
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      const row = Math.floor(i / D);
      fail(fn, `${argName} must contain only finite values, but row ${row} is ${formatRow(values, row * D, D)}`);
    }
  }
}

/**
 * The rules of a sample weight, one place for in-memory data and streams: [N] values, each
 * finite and >= 0. `shape` describes the expected shape in messages, `entry(i)` entry i.
 */
export function readWeightValues(
  fn: string,
  argName: string,
  weights: TensorInput,
  N: number,
  shape: string,
  entry: (i: number) => string,
): Float64Array {
  const t = toFloatTensor(weights, argName, fn);
  try {
    if (t.rank !== 1 || t.shape[0] !== N)
      fail(fn, `${argName} must have shape ${shape}, but got ${formatShape(t.shape)}`);
    const values = Float64Array.from(t.dataSync());
    for (let i = 0; i < N; i++) {
      if (!Number.isFinite(values[i]) || values[i] < 0)
        fail(fn, `${argName} must contain finite non-negative values, but ${entry(i)} is ${values[i]}`);
    }
    return values;
  } finally {
    if (t !== weights) t.dispose();
  }
}

/** Validates sample weights: [N], finite, non-negative, positive sum. */
export function readSampleWeights(
  fn: string,
  argName: string,
  weights: TensorInput | undefined | null,
  N: number,
): Float64Array | null {
  if (weights === undefined || weights === null) return null;
  const values = readWeightValues(fn, argName, weights, N, `[${N}] (N)`, (i) => `entry ${i}`);
  const total = values.reduce((s, w) => s + w, 0);
  if (!(total > 0)) fail(fn, `${argName} must have a positive sum, but got ${total}`);
  return values;
}

/** Float64 weighted mean and RMS scale of the rows. */
function computeTransform(
  values: MatrixValues,
  N: number,
  D: number,
  weights: Float64Array | null,
  total: number,
): DataTransform {
  const center = new Float64Array(D);
  for (let n = 0; n < N; n++) {
    const w = weights ? weights[n] : 1;
    if (w === 0) continue;
    for (let j = 0; j < D; j++) center[j] += w * values[n * D + j];
  }
  for (let j = 0; j < D; j++) center[j] /= total;
  let squares = 0;
  for (let n = 0; n < N; n++) {
    const w = weights ? weights[n] : 1;
    if (w === 0) continue;
    for (let j = 0; j < D; j++) {
      const d = values[n * D + j] - center[j];
      squares += w * d * d;
    }
  }
  const scale = Math.sqrt(squares / (total * D));
  return {center, scale: scale > 0 && Number.isFinite(scale) ? scale : 1};
}

/** Fewer float32 steps than this across a feature's spread at its offset draw a warning. */
const MIN_RESOLUTION_STEPS = 1024;

/** The spacing of float32 values at |v|. */
function float32Step(v: number): number {
  const magnitude = Math.abs(v);
  return magnitude < 1.1754943508222875e-38 ? 1.4e-45 : 2 ** (Math.floor(Math.log2(magnitude)) - 23);
}

/**
 * A warning when float32 data are too coarse at their offset to resolve their spread: a feature
 * whose standard deviation covers fewer than 1024 float32 steps at its mean (e.g. 1e6 +- 1: steps
 * of 0.0625). Such data were rounded before any centering could help; null when all is well.
 */
function resolutionWarning(
  fn: string,
  argName: string,
  values: MatrixValues,
  N: number,
  D: number,
  center: Float64Array,
): string | null {
  for (let j = 0; j < D; j++) {
    let squares = 0;
    for (let n = 0; n < N; n++) squares += (values[n * D + j] - center[j]) ** 2;
    const spread = Math.sqrt(squares / N);
    const step = float32Step(center[j]);
    if (spread < MIN_RESOLUTION_STEPS * step) {
      return (
        `${fn}: ${argName} is float32 and feature ${j} has spread ${spread.toPrecision(3)} at offset ` +
        `${center[j].toPrecision(7)}, where float32 values are ${step} apart: the data were rounded to ` +
        `${(step / Math.max(spread, 1e-300)).toPrecision(2)} of their spread before centering. Pass ${argName} as ` +
        `nested arrays or rows of Float64Array (centered in float64), or subtract the offset first.`
      );
    }
  }
  return null;
}

/** Scaled rows in float32, and what rounding took off them (see {@link Chunk.xLow}). */
export interface ScaledRows {
  /** x' = (x - c) / s rounded to float32, row-major [N * D]. */
  scaled: Float32Array;
  /** x' - scaled rounded to float32, or null when every residual is negligible. */
  residual: Float32Array | null;
}

/**
 * The rows x' = (x - c) / s in float32 and their rounding residuals (values and residuals below
 * NEGLIGIBLE set to zero).
 */
export function scaleRows(values: ArrayLike<number>, N: number, D: number, t: DataTransform): ScaledRows {
  const scaled = new Float32Array(N * D);
  const residual = new Float32Array(N * D);
  let anyResidual = false;
  for (let n = 0; n < N; n++) {
    for (let j = 0; j < D; j++) {
      const i = n * D + j;
      const v = (values[i] - t.center[j]) / t.scale;
      if (Math.abs(v) < NEGLIGIBLE) continue;
      scaled[i] = v;
      const low = v - scaled[i];
      if (Math.abs(low) >= NEGLIGIBLE) {
        residual[i] = low;
        anyResidual = true;
      }
    }
  }
  return {scaled, residual: anyResidual ? residual : null};
}

/**
 * Validates and prepares the data of a fit.
 *
 * @param fn caller name for messages.
 * @param argName name of the data argument (`X` for the estimator, `x` for the functions).
 * @param batchSizeOption rows per chunk (>= 1), or a function of D.
 * @param transform reuse this transform instead of computing one from the data.
 */
export function prepareData(
  fn: string,
  argName: string,
  x: TensorInput,
  sampleWeights: TensorInput | undefined | null,
  batchSizeOption: BatchSizeOption,
  transform?: DataTransform,
): EmData {
  const {values, N, D, float32} = readMatrix(fn, argName, x);
  const batchSize = typeof batchSizeOption === 'function' ? batchSizeOption(D) : batchSizeOption;
  const weights = readSampleWeights(fn, 'sampleWeight', sampleWeights, N);
  let total = N;
  if (weights) total = weights.reduce((s, w) => s + w, 0);
  const t = transform ?? computeTransform(values, N, D, weights, total);
  const data = chunkedData(scaleRows(values, N, D, t), N, D, t, weights, total, batchSize);
  if (float32) data.resolutionWarning = resolutionWarning(fn, argName, values, N, D, t.center);
  return data;
}

/**
 * EmData over already scaled rows (row-major [N * D], with their rounding residuals), uploaded in
 * chunks of `batchSize` rows: the last step of {@link prepareData}, and how a worker builds its
 * share of the rows.
 */
export function chunkedData(
  rows: ScaledRows,
  N: number,
  D: number,
  transform: DataTransform,
  weights: Float64Array | null,
  totalWeight: number,
  batchSize: number,
): EmData {
  const {scaled, residual} = rows;
  const chunks: Chunk[] = [];
  for (let start = 0; start < N; start += batchSize) {
    const size = Math.min(batchSize, N - start);
    const block = (values: Float32Array) => tf.tensor2d(values.subarray(start * D, (start + size) * D), [size, D]);
    let weightColumn: tf.Tensor2D | null = null;
    let weightRow: tf.Tensor2D | null = null;
    if (weights) {
      const w = Float32Array.from(weights.subarray(start, start + size));
      weightColumn = tf.tensor2d(w, [size, 1]);
      weightRow = tf.tensor2d(w, [1, size]);
    }
    chunks.push({start, size, x: block(scaled), xLow: residual ? block(residual) : null, weightColumn, weightRow});
  }
  return new EmData(N, D, transform, chunks, totalWeight, weights, scaled, residual);
}
