/**
 * The mixture-density NLL and both its gradients in one WebAssembly SIMD pass over the rows
 * (ops/kernels/wasm/assembly/mdn_nll.ts), for backends whose tensors live in host memory (cpu,
 * wasm, tfjs-node): there the ~80 small kernels of the tf-ops form (loss_op.ts) cost more in
 * launches than the arithmetic: three transcendentals per coordinate and two per component.
 *
 * The module (~6 KB) is compiled on first use, synchronously: Node, workers and pages allow that
 * (Chromium up to 8 MB on a page's main thread). Where a browser refuses (older Chromium did
 * above 4 KB, with a RangeError) it compiles in the background, the tf-ops form serving until it
 * is ready. Where WebAssembly or its SIMD is missing, or a content security policy forbids
 * compiling, the tf-ops form serves for good.
 */
import * as tf from '@tensorflow/tfjs-core';

import {gmmFlag} from '../flags';
import {runWithGradientThunks} from '../internal/lazy_gradient_op';
import {MDN_NLL_WASM_BASE64} from '../kernels/wasm/mdn_nll_module';
import {ResolvedMdnSpec} from './spec';

/** Backends whose tensors are host memory, so that reading them back costs a copy, not a sync. */
const HOST_BACKENDS = new Set(['cpu', 'wasm', 'tensorflow']);

/** Rows per kernel call: bounds the module's memory (a few MB) whatever the batch. */
const BLOCK_ROWS = 4096;

/** The covariance types' codes in the kernel. */
const KIND = {diag: 0, spherical: 1, full: 2} as const;

interface KernelExports {
  memory: WebAssembly.Memory;
  scratchBytes(K: number, D: number, P: number): number;
  mdnNll(
    N: number,
    K: number,
    D: number,
    kind: number,
    minScale: number,
    yTrue: number,
    yPred: number,
    nll: number,
    dPred: number,
    dTrue: number,
    scratch: number,
  ): void;
}

/** The kernel, null while it compiles, or 'unavailable'. */
let kernel: KernelExports | null | 'unavailable' | undefined;

function bytes(): Uint8Array<ArrayBuffer> {
  const text = atob(MDN_NLL_WASM_BASE64);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

function instantiate(module: WebAssembly.Module): KernelExports {
  return new WebAssembly.Instance(module, {}).exports as unknown as KernelExports;
}

/** The compiled kernel, or null (not yet, or not on this platform). */
function loadKernel(): KernelExports | null {
  if (kernel === undefined) {
    if (typeof WebAssembly !== 'object') {
      kernel = 'unavailable';
    } else {
      const binary = bytes();
      try {
        kernel = instantiate(new WebAssembly.Module(binary));
      } catch (e) {
        // RangeError: a size limit on synchronous compiles; anything else (no SIMD, a CSP) for good.
        kernel = e instanceof RangeError ? null : 'unavailable';
        if (kernel === null) {
          WebAssembly.compile(binary).then(
            (module) => (kernel = instantiate(module)),
            () => (kernel = 'unavailable'),
          );
        }
      }
    }
  }
  return kernel === 'unavailable' || kernel === undefined ? null : kernel;
}

/** Whether {@link fusedMdnNegLogLikelihood} serves the current backend now (GMM_MDN_WASM_KERNEL allows it). */
export function fusedMdnNllAvailable(): boolean {
  return gmmFlag('GMM_MDN_WASM_KERNEL') && HOST_BACKENDS.has(tf.getBackend()) && loadKernel() !== null;
}

/** Per-row NLL [N] and its gradients w.r.t. the packed outputs [N, P] and the targets [N, D]. */
interface FusedMdnResult {
  nll: Float32Array;
  dPred: Float32Array;
  dTrue: Float32Array;
}

/**
 * The NLL of every row of targets [N, D] under packed outputs [N, P] (row-major), with the
 * gradient of each row's NLL.
 */
function computeRows(yTrue: tf.TypedArray, yPred: tf.TypedArray, N: number, spec: ResolvedMdnSpec): FusedMdnResult {
  const exports = loadKernel()!;
  const {nComponents: K, outputDim: D, paramsSize: P, covarianceType, minScale} = spec;
  const block = Math.min(BLOCK_ROWS, Math.ceil(N / 4) * 4);
  // Layout: yTrue, yPred, nll, dPred, dTrue for one block, then the 16-byte aligned scratch.
  const offsets = [block * D, block * P, block, block * P, block * D].reduce<number[]>(
    (starts, floats) => [...starts, starts[starts.length - 1] + floats * 4],
    [0],
  );
  const scratch = Math.ceil(offsets[5] / 16) * 16;
  const needed = scratch + exports.scratchBytes(K, D, P);
  const memory = exports.memory;
  if (memory.buffer.byteLength < needed) memory.grow(Math.ceil((needed - memory.buffer.byteLength) / 65536));
  const heap = new Float32Array(memory.buffer);
  const [yTrueAt, yPredAt, nllAt, dPredAt, dTrueAt] = offsets;
  const result: FusedMdnResult = {
    nll: new Float32Array(N),
    dPred: new Float32Array(N * P),
    dTrue: new Float32Array(N * D),
  };
  for (let start = 0; start < N; start += block) {
    const rows = Math.min(block, N - start);
    const padded = Math.ceil(rows / 4) * 4;
    heap.set(yTrue.subarray(start * D, (start + rows) * D), yTrueAt / 4);
    heap.set(yPred.subarray(start * P, (start + rows) * P), yPredAt / 4);
    // The lanes past the last row compute on zeros, and are dropped.
    heap.fill(0, (yTrueAt + rows * D * 4) / 4, (yTrueAt + padded * D * 4) / 4);
    heap.fill(0, (yPredAt + rows * P * 4) / 4, (yPredAt + padded * P * 4) / 4);
    exports.mdnNll(padded, K, D, KIND[covarianceType], minScale, yTrueAt, yPredAt, nllAt, dPredAt, dTrueAt, scratch);
    result.nll.set(heap.subarray(nllAt / 4, nllAt / 4 + rows), start);
    result.dPred.set(heap.subarray(dPredAt / 4, dPredAt / 4 + rows * P), start * P);
    result.dTrue.set(heap.subarray(dTrueAt / 4, dTrueAt / 4 + rows * D), start * D);
  }
  return result;
}

/**
 * Per-row negative log-likelihood [N] of targets [N, D] under a head's packed outputs [N, P]
 * (validated, N >= 1), as `mdnNegLogLikelihood` in loss_op.ts, computed by the kernel; call only
 * when {@link fusedMdnNllAvailable}. The forward computes the per-row gradients too (they cost a
 * fraction of the NLL); the backward scales them by the upstream gradient.
 */
export function fusedMdnNegLogLikelihood(yTrue: tf.Tensor2D, yPred: tf.Tensor2D, spec: ResolvedMdnSpec): tf.Tensor1D {
  const N = yPred.shape[0];
  const {outputDim: D, paramsSize: P} = spec;
  return runWithGradientThunks(
    {yTrue, yPred},
    (save) => {
      const {nll, dPred, dTrue} = computeRows(yTrue.dataSync(), yPred.dataSync(), N, spec);
      save([tf.tensor2d(dPred, [N, P]), tf.tensor2d(dTrue, [N, D])]);
      return tf.tensor1d(nll);
    },
    (dy, [dPred, dTrue]) => {
      // dy onto each row by a matmul with a row of ones: cheaper than a last-axis broadcast.
      const g = tf.reshape(dy, [N, 1]);
      return {
        yTrue: () => tf.mul(dTrue, tf.matMul(g, tf.ones([1, D]))),
        yPred: () => tf.mul(dPred, tf.matMul(g, tf.ones([1, P]))),
      };
    },
  ) as tf.Tensor1D;
}
