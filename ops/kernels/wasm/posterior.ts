/**
 * A mixture's posterior over rows of logits [N, K] in one WebAssembly SIMD pass
 * (assembly/posterior.ts): the responsibilities softmax(row), floored at a given value, and the
 * row's log-sum-exp: EM's E-step and `mixtureLogLikelihood` (GMMLayer's loss) use it. In tf ops
 * this is a softmax and two row maxima, which tfjs-wasm runs at 3-5 ns per element; the kernel
 * works on the wasm backend's tensors in place (docs/DEVELOPING.md, "WebAssembly kernels").
 */
import * as tf from '@tensorflow/tfjs-core';

import {gmmFlag} from '../../flags';
import {POSTERIOR_WASM_BASE64} from './posterior_module';
import {HOST_BACKENDS, RowScaling, WasmKernelModule, heapOf, scaleRows} from './runtime';

interface PosteriorExports extends RowScaling {
  posterior(N: number, K: number, logits: number, resp: number, logSumExp: number, floor: number): void;
  posteriorTransposed(
    N: number,
    K: number,
    logits: number,
    respT: number,
    stride: number,
    logSumExp: number,
    floor: number,
    scratch: number,
  ): void;
  offsetColumns(N: number, C: number, rows: number, scale: number, offsets: number, out: number): void;
}

const POSTERIOR = new WasmKernelModule<PosteriorExports>(POSTERIOR_WASM_BASE64);

/** Rows per call on a kernel's own memory: bounds that memory whatever N. */
const BLOCK_ROWS = 16384;

/** Whether {@link wasmPosterior} serves the current backend now (GMM_POSTERIOR_WASM_KERNEL allows it). */
export function wasmPosteriorAvailable(): boolean {
  return gmmFlag('GMM_POSTERIOR_WASM_KERNEL') && HOST_BACKENDS.has(tf.getBackend()) && POSTERIOR.available();
}

/** Responsibilities [N, K] and log-sum-exps [N, 1] of float32 logits [N, K]. */
export interface Posterior {
  resp: tf.Tensor2D;
  logSumExp: tf.Tensor2D;
}

/**
 * The posterior of logits [N, K] (float32, N >= 1, K >= 1), responsibilities floored at `floor`;
 * call only when {@link wasmPosteriorAvailable}. A row whose maximum is not finite gets that
 * maximum as its log-sum-exp and responsibilities 0 (NaN for NaN). No gradient of its own (see
 * {@link scaleRowsByPosterior} for the log-sum-exp's).
 */
export function wasmPosterior(logits: tf.Tensor2D, floor: number): Posterior {
  const [N, K] = logits.shape;
  const inPlace = POSTERIOR.onBackendHeap();
  const logitsAt = inPlace?.offsetOf(logits) ?? null;
  if (inPlace && logitsAt !== null) {
    const resp = inPlace.output([N, K]) as tf.Tensor2D;
    const logSumExp = inPlace.output([N, 1]) as tf.Tensor2D;
    inPlace.instance.posterior(N, K, logitsAt, inPlace.offsetOf(resp)!, inPlace.offsetOf(logSumExp)!, floor);
    return {resp, logSumExp};
  }
  const instance = POSTERIOR.ownMemory()!;
  const values = logits.dataSync();
  const block = Math.min(N, BLOCK_ROWS);
  // Layout: one block of logits (overwritten by its responsibilities), then its log-sum-exps.
  const heap = heapOf(instance, block * (K + 1) * 4);
  const resp = new Float32Array(N * K);
  const logSumExp = new Float32Array(N);
  for (let start = 0; start < N; start += block) {
    const rows = Math.min(block, N - start);
    heap.set(values.subarray(start * K, (start + rows) * K), 0);
    instance.posterior(rows, K, 0, 0, block * K * 4, floor);
    resp.set(heap.subarray(0, rows * K), start * K);
    logSumExp.set(heap.subarray(block * K, block * K + rows), start);
  }
  return {resp: tf.tensor2d(resp, [N, K]), logSumExp: tf.tensor2d(logSumExp, [N, 1])};
}

/** Responsibilities transposed [K, N] and log-sum-exps [N, 1] of float32 logits [N, K]. */
export interface TransposedPosterior {
  respT: tf.Tensor2D;
  logSumExp: tf.Tensor2D;
}

/**
 * {@link wasmPosterior} with the responsibilities transposed, [K, N]: what EM's M-step multiplies
 * with the feature basis (R^T Z), without a transpose of its own (tfjs-wasm's takes ~1 ms at
 * [100000, 16]). Four rows go through the kernel together, one per SIMD lane. The same values as
 * {@link wasmPosterior} up to the order of each row's sum (a few ulp); call only when
 * {@link wasmPosteriorAvailable}.
 */
export function wasmPosteriorTransposed(logits: tf.Tensor2D, floor: number): TransposedPosterior {
  const [N, K] = logits.shape;
  const scratchBytes = 16 * K;
  const inPlace = POSTERIOR.onBackendHeap();
  const logitsAt = inPlace?.offsetOf(logits) ?? null;
  if (inPlace && logitsAt !== null) {
    const respT = inPlace.output([K, N]) as tf.Tensor2D;
    const logSumExp = inPlace.output([N, 1]) as tf.Tensor2D;
    const scratch = inPlace.scratch(scratchBytes);
    try {
      inPlace.instance.posteriorTransposed(
        N,
        K,
        logitsAt,
        inPlace.offsetOf(respT)!,
        N,
        inPlace.offsetOf(logSumExp)!,
        floor,
        scratch,
      );
    } finally {
      inPlace.release(scratch);
    }
    return {respT, logSumExp};
  }
  const instance = POSTERIOR.ownMemory()!;
  const values = logits.dataSync();
  const block = Math.min(N, BLOCK_ROWS);
  // Layout (bytes): the scratch, one block of logits, its responsibilities [K, block], its log-sum-exps.
  const logitsOffset = scratchBytes;
  const respOffset = logitsOffset + block * K * 4;
  const lseOffset = respOffset + block * K * 4;
  const heap = heapOf(instance, lseOffset + block * 4);
  const respT = new Float32Array(K * N);
  const logSumExp = new Float32Array(N);
  for (let start = 0; start < N; start += block) {
    const rows = Math.min(block, N - start);
    heap.set(values.subarray(start * K, (start + rows) * K), logitsOffset / 4);
    instance.posteriorTransposed(rows, K, logitsOffset, respOffset, rows, lseOffset, floor, 0);
    for (let k = 0; k < K; k++)
      respT.set(heap.subarray(respOffset / 4 + k * rows, respOffset / 4 + (k + 1) * rows), k * N + start);
    logSumExp.set(heap.subarray(lseOffset / 4, lseOffset / 4 + rows), start);
  }
  return {respT: tf.tensor2d(respT, [K, N]), logSumExp: tf.tensor2d(logSumExp, [N, 1])};
}

/** The log-sum-exp's gradient: responsibilities [N, K] times the upstream gradient dy [N], by row. */
export function scaleRowsByPosterior(resp: tf.Tensor2D, dy: tf.Tensor1D): tf.Tensor2D {
  return scaleRows(POSTERIOR, resp, dy);
}

/**
 * constants - norms / 2 for squared norms [N, K] and per-component constants [K]: the
 * log-probabilities. One pass in place on the wasm backend's heap (tf ops there take a scalar
 * multiply and a broadcast along the last axis, ~0.5 ms at [16384, 16]); tf ops elsewhere. The same
 * values either way (halving is exact, and c + (-x) is c - x).
 */
export function logProbsFromNorms(norms: tf.Tensor2D, constants: tf.Tensor1D): tf.Tensor2D {
  const [N, K] = norms.shape;
  const inPlace = POSTERIOR.onBackendHeap();
  const normsAt = inPlace?.offsetOf(norms) ?? null;
  const constantsAt = inPlace?.offsetOf(constants) ?? null;
  if (inPlace && normsAt !== null && constantsAt !== null) {
    const out = inPlace.output([N, K]) as tf.Tensor2D;
    inPlace.instance.offsetColumns(N, K, normsAt, -0.5, constantsAt, inPlace.offsetOf(out)!);
    return out;
  }
  return tf.tidy(() => tf.sub(constants, tf.mul(norms, 0.5)));
}
