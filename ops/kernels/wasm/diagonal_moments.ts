/**
 * The diagonal feature-basis backward's moments [sum_n g u^2, sum_n g u, sum_n g] [K, 2D + 1] in
 * one WebAssembly SIMD pass (assembly/diagonal_moments.ts). The tf-ops form
 * (`shared_diagonal_features.ts`) transposes u, concatenates [u^2; u; 1] and multiplies it with g,
 * which XNNPACK re-packs because it is a new tensor every step (~2.5 ms of the ~3.5 ms matmul at
 * N = 16384, K = 16). In place on the wasm backend, on a memory of its own elsewhere
 * (docs/DEVELOPING.md, "WebAssembly kernels").
 */
import * as tf from '@tensorflow/tfjs-core';

import {gmmFlag} from '../../flags';
import {DIAGONAL_MOMENTS_WASM_BASE64} from './diagonal_moments_module';
import {HOST_BACKENDS, KernelMemory, WasmKernelModule, heapOf} from './runtime';

interface DiagonalMomentsExports extends KernelMemory {
  scratchBytes(K: number, D: number): number;
  diagonalMoments(N: number, K: number, D: number, u: number, g: number, out: number, scratch: number): void;
}

const DIAGONAL_MOMENTS = new WasmKernelModule<DiagonalMomentsExports>(DIAGONAL_MOMENTS_WASM_BASE64);

/** Rows per call on the kernel's own memory: bounds that memory whatever N. */
const BLOCK_ROWS = 16384;

/** Whether {@link wasmDiagonalMoments} serves the current backend now (GMM_DIAGONAL_WASM_KERNEL allows it). */
export function wasmDiagonalMomentsAvailable(): boolean {
  return gmmFlag('GMM_DIAGONAL_WASM_KERNEL') && HOST_BACKENDS.has(tf.getBackend()) && DIAGONAL_MOMENTS.available();
}

/**
 * [sum_n g[n, k] u[n]^2, sum_n g[n, k] u[n], sum_n g[n, k]] [K, 2D + 1] for rows u [N, D] and
 * g [N, K] (float32, N, K, D >= 1); call only when {@link wasmDiagonalMomentsAvailable}.
 */
export function wasmDiagonalMoments(u: tf.Tensor2D, g: tf.Tensor2D): tf.Tensor2D {
  const [N, D] = u.shape;
  const K = g.shape[1];
  const F = 2 * D + 1;
  const inPlace = DIAGONAL_MOMENTS.onBackendHeap();
  const uAt = inPlace?.offsetOf(u) ?? null;
  const gAt = inPlace?.offsetOf(g) ?? null;
  if (inPlace && uAt !== null && gAt !== null) {
    const out = inPlace.output([K, F]) as tf.Tensor2D;
    const scratch = inPlace.scratch(inPlace.instance.scratchBytes(K, D));
    try {
      inPlace.instance.diagonalMoments(N, K, D, uAt, gAt, inPlace.offsetOf(out)!, scratch);
    } finally {
      inPlace.release(scratch);
    }
    return out;
  }
  const instance = DIAGONAL_MOMENTS.ownMemory()!;
  const uValues = u.dataSync();
  const gValues = g.dataSync();
  const block = Math.min(N, BLOCK_ROWS);
  // Layout (float32 offsets): a block of rows and of g, the block's moments, the scratch.
  const gOffset = block * D;
  const outOffset = gOffset + block * K;
  const scratchOffset = outOffset + K * F;
  const heap = heapOf(instance, scratchOffset * 4 + instance.scratchBytes(K, D));
  const total = new Float64Array(K * F);
  for (let start = 0; start < N; start += block) {
    const rows = Math.min(block, N - start);
    heap.set(uValues.subarray(start * D, (start + rows) * D), 0);
    heap.set(gValues.subarray(start * K, (start + rows) * K), gOffset);
    instance.diagonalMoments(rows, K, D, 0, gOffset * 4, outOffset * 4, scratchOffset * 4);
    for (let i = 0; i < total.length; i++) total[i] += heap[outOffset + i];
  }
  return tf.tensor2d(Float32Array.from(total), [K, F]);
}
