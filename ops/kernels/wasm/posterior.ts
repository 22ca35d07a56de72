/**
 * A mixture's posterior over rows of logits [N, K] in one WebAssembly SIMD pass
 * (assembly/posterior.ts): the responsibilities softmax(row), floored at 1e-30, and the row's
 * log-sum-exp. On the wasm backend tfjs runs this as a softmax and two row maxima at 3-5 ns per
 * element; the kernel takes about 1 ns, reading and writing the tensors in place.
 */
import * as tf from '@tensorflow/tfjs-core';

import {gmmFlag} from '../../flags';
import {POSTERIOR_WASM_BASE64} from './posterior_module';
import {HOST_BACKENDS, KernelMemory, WasmKernelModule, heapOf} from './runtime';

interface PosteriorExports extends KernelMemory {
  posterior(N: number, K: number, logits: number, resp: number, logSumExp: number): void;
}

const POSTERIOR = new WasmKernelModule<PosteriorExports>(POSTERIOR_WASM_BASE64);

/** Rows per call on a kernel's own memory: bounds that memory whatever N. */
const BLOCK_ROWS = 16384;

/** Whether {@link wasmPosterior} serves the current backend now (GMM_EM_WASM_KERNEL allows it). */
export function wasmPosteriorAvailable(): boolean {
  return gmmFlag('GMM_EM_WASM_KERNEL') && HOST_BACKENDS.has(tf.getBackend()) && POSTERIOR.available();
}

/** Responsibilities [N, K] and log-sum-exps [N, 1] of float32 logits [N, K]. */
export interface Posterior {
  resp: tf.Tensor2D;
  logSumExp: tf.Tensor2D;
}

/**
 * The posterior of logits [N, K] (float32, N >= 1, K >= 1); call only when
 * {@link wasmPosteriorAvailable}. No gradient: EM does not differentiate it.
 */
export function wasmPosterior(logits: tf.Tensor2D): Posterior {
  const [N, K] = logits.shape;
  const inPlace = POSTERIOR.onBackendHeap();
  const logitsAt = inPlace?.offsetOf(logits) ?? null;
  if (inPlace && logitsAt !== null) {
    const resp = inPlace.output([N, K]) as tf.Tensor2D;
    const logSumExp = inPlace.output([N, 1]) as tf.Tensor2D;
    inPlace.exports.posterior(N, K, logitsAt, inPlace.offsetOf(resp)!, inPlace.offsetOf(logSumExp)!);
    return {resp, logSumExp};
  }
  const exports = POSTERIOR.ownMemory()!;
  const values = logits.dataSync();
  const block = Math.min(N, BLOCK_ROWS);
  // Layout: one block of logits (overwritten by its responsibilities), then its log-sum-exps.
  const heap = heapOf(exports, block * (K + 1) * 4);
  const resp = new Float32Array(N * K);
  const logSumExp = new Float32Array(N);
  for (let start = 0; start < N; start += block) {
    const rows = Math.min(block, N - start);
    heap.set(values.subarray(start * K, (start + rows) * K), 0);
    exports.posterior(rows, K, 0, 0, block * K * 4);
    resp.set(heap.subarray(0, rows * K), start * K);
    logSumExp.set(heap.subarray(block * K, block * K + rows), start);
  }
  return {resp: tf.tensor2d(resp, [N, K]), logSumExp: tf.tensor2d(logSumExp, [N, 1])};
}
