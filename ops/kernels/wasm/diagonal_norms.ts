/**
 * The shared diagonal feature-basis kernel's forward in one WebAssembly SIMD pass
 * (assembly/diagonal_norms.ts): the whitened rows u = (x - c) r and the squared norms
 * relu(u^2 a^T - 2 u (a v)^T + sum_j a v^2) (`shared_diagonal_features.ts`). Its tf-ops form
 * (centring, scaling, square, two matmuls, two broadcast additions, relu) took ~3 ms of a ~9 ms
 * GMMLayer diag step at N = 16384, D = K = 16 on wasm, mostly in passes over [N, D] and [N, K]
 * and their kernel launches. In place on the wasm backend, on a memory of its own elsewhere
 * (docs/DEVELOPING.md, "WebAssembly kernels").
 */
import * as tf from '@tensorflow/tfjs-core';

import {gmmFlag} from '../../flags';
import {DIAGONAL_NORMS_WASM_BASE64} from './diagonal_norms_module';
import {HOST_BACKENDS, KernelMemory, WasmKernelModule, heapOf} from './runtime';

interface DiagonalNormsExports extends KernelMemory {
  diagonalSquaredNorms(
    N: number,
    K: number,
    D: number,
    x: number,
    center: number,
    scale: number,
    quadratic: number,
    linear: number,
    constant: number,
    u: number,
    out: number,
  ): void;
}

const DIAGONAL_NORMS = new WasmKernelModule<DiagonalNormsExports>(DIAGONAL_NORMS_WASM_BASE64);

/** Rows per call on the kernel's own memory: bounds that memory whatever N. */
const BLOCK_ROWS = 16384;

/** Whether {@link wasmDiagonalSquaredNorms} serves the current backend now (GMM_DIAGONAL_WASM_KERNEL allows it). */
export function wasmDiagonalNormsAvailable(): boolean {
  return gmmFlag('GMM_DIAGONAL_WASM_KERNEL') && HOST_BACKENDS.has(tf.getBackend()) && DIAGONAL_NORMS.available();
}

/**
 * u = (x - center) scale [N, D] and relu(sum_j a_kj u_j^2 - 2 av_kj u_j + constant_k) [N, K]
 * for rows x [N, D], center and scale [1, D], a and av = a v [K, D] and constant [1, K] (float32,
 * N, K, D >= 1); call only when {@link wasmDiagonalNormsAvailable}.
 */
export function wasmDiagonalSquaredNorms(
  x: tf.Tensor2D,
  center: tf.Tensor,
  scale: tf.Tensor,
  a: tf.Tensor,
  av: tf.Tensor,
  constant: tf.Tensor,
): {u: tf.Tensor2D; squaredNorms: tf.Tensor2D} {
  const [N, D] = x.shape;
  const K = a.shape[0]!;
  const K4 = Math.ceil(K / 4) * 4;
  // [D, K4] and [K4]: components along the lanes, padded to whole vectors (the padding is never stored).
  const padded = tf.tidy(() => {
    const pad = (t: tf.Tensor) =>
      tf.pad(t, [
        [0, 0],
        [0, K4 - K],
      ]);
    return [pad(tf.transpose(a)), pad(tf.transpose(tf.mul(av, -2))), pad(tf.reshape(constant, [1, K]))];
  });
  const [quadratic, linear, paddedConstant] = padded;
  try {
    const inPlace = DIAGONAL_NORMS.onBackendHeap();
    const inputs = [x, center, scale, quadratic, linear, paddedConstant];
    const at = inputs.map((t) => inPlace?.offsetOf(t) ?? null);
    if (inPlace && at.every((offset) => offset !== null)) {
      const u = inPlace.output([N, D]) as tf.Tensor2D;
      const squaredNorms = inPlace.output([N, K]) as tf.Tensor2D;
      inPlace.instance.diagonalSquaredNorms(
        N,
        K,
        D,
        ...(at as [number, number, number, number, number, number]),
        inPlace.offsetOf(u)!,
        inPlace.offsetOf(squaredNorms)!,
      );
      return {u, squaredNorms};
    }
    const instance = DIAGONAL_NORMS.ownMemory()!;
    const values = x.dataSync();
    const block = Math.min(N, BLOCK_ROWS);
    // Layout (float32 offsets): centre, scale, the two [D, K4] tables, the constant, a block of
    // rows, its u and its norms.
    const parameters = [center, scale, quadratic, linear, paddedConstant].map((t) => t.dataSync());
    const offsets: number[] = [];
    let end = 0;
    for (const p of parameters) {
      offsets.push(end);
      end += p.length;
    }
    const rowsOffset = end;
    const uOffset = rowsOffset + block * D;
    const normsOffset = uOffset + block * D;
    const heap = heapOf(instance, (normsOffset + block * K) * 4);
    parameters.forEach((p, i) => heap.set(p, offsets[i]));
    const u = new Float32Array(N * D);
    const norms = new Float32Array(N * K);
    for (let start = 0; start < N; start += block) {
      const rows = Math.min(block, N - start);
      heap.set(values.subarray(start * D, (start + rows) * D), rowsOffset);
      instance.diagonalSquaredNorms(
        rows,
        K,
        D,
        rowsOffset * 4,
        ...(offsets.map((o) => o * 4) as [number, number, number, number, number]),
        uOffset * 4,
        normsOffset * 4,
      );
      u.set(heap.subarray(uOffset, uOffset + rows * D), start * D);
      norms.set(heap.subarray(normsOffset, normsOffset + rows * K), start * K);
    }
    return {u: tf.tensor2d(u, [N, D]), squaredNorms: tf.tensor2d(norms, [N, K])};
  } finally {
    tf.dispose(padded);
  }
}
