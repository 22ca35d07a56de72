/**
 * The shared triangular kernel's squared norms |P_k^T x' - s_k|^2 [N, K] in one WebAssembly SIMD
 * pass (assembly/squared_norms.ts). The tf-ops form (`shared_triangular_wasm.ts`) writes the
 * y's of every component, [N, K * D], and reads them back for the squares: at N = 16384,
 * D = K = 16 that matmul and the squared difference took ~18 ms of a ~32 ms GMMLayer step on
 * wasm, for ~70 MFLOP. The kernel works on the wasm backend's tensors in place and on a memory
 * of its own elsewhere (docs/DEVELOPING.md, "WebAssembly kernels").
 */
import * as tf from '@tensorflow/tfjs-core';

import {gmmFlag} from '../../flags';
import {THREADED_KERNEL, kernelThreadsFor} from './kernel_threads';
import {HOST_BACKENDS, KernelMemory, WasmKernelModule, heapOf, hostValues} from './runtime';
import {SQUARED_NORMS_WASM_BASE64} from './squared_norms_module';

interface SquaredNormsExports extends KernelMemory {
  triangularSquaredNorms(
    N: number,
    K: number,
    D: number,
    x: number,
    factor: number,
    shifts: number,
    out: number,
    scratch: number,
  ): void;
}

const SQUARED_NORMS = new WasmKernelModule<SquaredNormsExports>(SQUARED_NORMS_WASM_BASE64);

/** Rows per call on the kernel's own memory: bounds that memory whatever N. */
const BLOCK_ROWS = 16384;

/** Whether {@link wasmTriangularSquaredNorms} serves the current backend now (the flag allows it). */
export function wasmSquaredNormsAvailable(): boolean {
  return gmmFlag('GMM_TRIANGULAR_WASM_KERNELS') && HOST_BACKENDS.has(tf.getBackend()) && SQUARED_NORMS.available();
}

/**
 * |P_k^T x_n - s_k|^2 [N, K] for centred rows x [N, D], upper-triangular factors P [K, D, D] (the
 * entries below the diagonal are not read) and shifts s [K, D] (float32, N, K, D >= 1); call
 * only when {@link wasmSquaredNormsAvailable}. No gradient of its own: the kernel's backward
 * works from x, the means and P.
 */
export function wasmTriangularSquaredNorms(x: tf.Tensor2D, factor: tf.Tensor, shifts: tf.Tensor): tf.Tensor2D {
  const [N, D] = x.shape;
  const K = factor.shape[0]!;
  const threaded = kernelThreadsFor(N)?.run({
    kernel: THREADED_KERNEL.squaredNorms,
    N,
    K,
    D,
    inputs: [x, factor, shifts].map(hostValues),
    outFloats: N * K,
  });
  if (threaded) return tf.tensor2d(threaded, [N, K]);
  const inPlace = SQUARED_NORMS.onBackendHeap();
  const xAt = inPlace?.offsetOf(x) ?? null;
  const factorAt = inPlace?.offsetOf(factor) ?? null;
  const shiftsAt = inPlace?.offsetOf(shifts) ?? null;
  if (inPlace && xAt !== null && factorAt !== null && shiftsAt !== null) {
    const out = inPlace.output([N, K]) as tf.Tensor2D;
    const scratch = inPlace.scratch(32 * D + 32);
    try {
      inPlace.instance.triangularSquaredNorms(N, K, D, xAt, factorAt, shiftsAt, inPlace.offsetOf(out)!, scratch);
    } finally {
      inPlace.release(scratch);
    }
    return out;
  }
  const instance = SQUARED_NORMS.ownMemory()!;
  const values = x.dataSync();
  const block = Math.min(N, BLOCK_ROWS);
  // Layout (float32 offsets): the factors, the shifts, the scratch group, a block of rows, its norms.
  const factorOffset = 0;
  const shiftsOffset = K * D * D;
  const scratchOffset = shiftsOffset + K * D;
  const rowsOffset = scratchOffset + 8 * D + 8;
  const normsOffset = rowsOffset + block * D;
  const heap = heapOf(instance, (normsOffset + block * K) * 4);
  heap.set(factor.dataSync(), factorOffset);
  heap.set(shifts.dataSync(), shiftsOffset);
  const norms = new Float32Array(N * K);
  for (let start = 0; start < N; start += block) {
    const rows = Math.min(block, N - start);
    heap.set(values.subarray(start * D, (start + rows) * D), rowsOffset);
    instance.triangularSquaredNorms(
      rows,
      K,
      D,
      rowsOffset * 4,
      factorOffset * 4,
      shiftsOffset * 4,
      normsOffset * 4,
      scratchOffset * 4,
    );
    norms.set(heap.subarray(normsOffset, normsOffset + rows * K), start * K);
  }
  return tf.tensor2d(norms, [N, K]);
}
