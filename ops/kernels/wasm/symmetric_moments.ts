/**
 * The feature-basis backward's moments sum_n g_nk z_n z_n^T [K, D+1, D+1], z = [1, clamp(x' r)],
 * in one WebAssembly SIMD pass (assembly/symmetric_moments.ts). The tf-ops form
 * (`shared_triangular_features.ts`) builds the (D+1)(D+2)/2 products of every row and multiplies
 * them with g, whose re-packing by XNNPACK alone took ~2.5 ms at N = 16384, K = 16; the kernel
 * forms each product where it is used. In place on the wasm backend, on a memory of its own
 * elsewhere (docs/DEVELOPING.md, "WebAssembly kernels").
 */
import * as tf from '@tensorflow/tfjs-core';

import {THREADED_KERNEL, kernelThreadsFor} from './kernel_threads';
import {HOST_BACKENDS, KernelMemory, WasmKernelModule, heapOf, hostValues} from './runtime';
import {SYMMETRIC_MOMENTS_WASM_BASE64} from './symmetric_moments_module';
import {gmmFlag} from '../../flags';

interface SymmetricMomentsExports extends KernelMemory {
  scratchBytes(K: number, D: number): number;
  symmetricMoments(
    N: number,
    K: number,
    D: number,
    x: number,
    scale: number,
    g: number,
    out: number,
    scratch: number,
  ): void;
}

const SYMMETRIC_MOMENTS = new WasmKernelModule<SymmetricMomentsExports>(SYMMETRIC_MOMENTS_WASM_BASE64);

/** Rows per call on the kernel's own memory: bounds that memory whatever N. */
const BLOCK_ROWS = 16384;

/** Whether {@link wasmSymmetricMoments} serves the current backend now (the flag allows it). */
export function wasmSymmetricMomentsAvailable(): boolean {
  return gmmFlag('GMM_TRIANGULAR_WASM_KERNELS') && HOST_BACKENDS.has(tf.getBackend()) && SYMMETRIC_MOMENTS.available();
}

/**
 * sum_n g[n, k] z_n z_n^T [K, D+1, D+1] for z_n = [1, clamp(x[n] r, -2^63, 2^63)], from centred
 * rows x [N, D], a scale r [D] and g [N, K] (float32, N, K, D >= 1); call only when
 * {@link wasmSymmetricMomentsAvailable}.
 */
export function wasmSymmetricMoments(x: tf.Tensor2D, scale: tf.Tensor1D, g: tf.Tensor2D): tf.Tensor3D {
  const [N, D] = x.shape;
  const K = g.shape[1];
  const M = D + 1;
  const threaded = kernelThreadsFor(N)?.run({
    kernel: THREADED_KERNEL.symmetricMoments,
    N,
    K,
    D,
    inputs: [x, scale, g].map(hostValues),
    outFloats: K * M * M,
  });
  if (threaded) return tf.tensor3d(threaded, [K, M, M]);
  const inPlace = SYMMETRIC_MOMENTS.onBackendHeap();
  const xAt = inPlace?.offsetOf(x) ?? null;
  const scaleAt = inPlace?.offsetOf(scale) ?? null;
  const gAt = inPlace?.offsetOf(g) ?? null;
  if (inPlace && xAt !== null && scaleAt !== null && gAt !== null) {
    const out = inPlace.output([K, M, M]) as tf.Tensor3D;
    const scratch = inPlace.scratch(inPlace.instance.scratchBytes(K, D));
    try {
      inPlace.instance.symmetricMoments(N, K, D, xAt, scaleAt, gAt, inPlace.offsetOf(out)!, scratch);
    } finally {
      inPlace.release(scratch);
    }
    return out;
  }
  const instance = SYMMETRIC_MOMENTS.ownMemory()!;
  const xValues = x.dataSync();
  const gValues = g.dataSync();
  const block = Math.min(N, BLOCK_ROWS);
  // Layout (float32 offsets): the scale, a block of rows and of g, the block's moments, the scratch.
  const rowsOffset = D;
  const gOffset = rowsOffset + block * D;
  const outOffset = gOffset + block * K;
  const scratchOffset = outOffset + K * M * M;
  const heap = heapOf(instance, scratchOffset * 4 + instance.scratchBytes(K, D));
  heap.set(scale.dataSync(), 0);
  const total = new Float64Array(K * M * M);
  for (let start = 0; start < N; start += block) {
    const rows = Math.min(block, N - start);
    heap.set(xValues.subarray(start * D, (start + rows) * D), rowsOffset);
    heap.set(gValues.subarray(start * K, (start + rows) * K), gOffset);
    instance.symmetricMoments(rows, K, D, rowsOffset * 4, 0, gOffset * 4, outOffset * 4, scratchOffset * 4);
    for (let i = 0; i < total.length; i++) total[i] += heap[outOffset + i];
  }
  return tf.tensor3d(Float32Array.from(total), [K, M, M]);
}
