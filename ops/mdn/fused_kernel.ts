/**
 * The mixture-density NLL and both its gradients in one WebAssembly SIMD pass over the rows
 * (ops/kernels/wasm/assembly/mdn_nll.ts), for backends whose tensors live in host memory (cpu,
 * wasm, tfjs-node): there the ~80 small kernels of the tf-ops form (loss_op.ts) cost more in
 * launches than the arithmetic: three transcendentals per coordinate and two per component.
 * On the wasm backend the kernel works on the tensors in place; elsewhere it copies the rows
 * through a memory of its own (ops/kernels/wasm/runtime.ts, which also says how it compiles).
 */
import * as tf from '@tensorflow/tfjs-core';

import {gmmFlag} from '../flags';
import {runWithGradientThunks} from '../internal/lazy_gradient_op';
import {MDN_NLL_WASM_BASE64} from '../kernels/wasm/mdn_nll_module';
import {HOST_BACKENDS, InPlaceKernel, RowScaling, WasmKernelModule, heapOf, scaleRows} from '../kernels/wasm/runtime';
import {ResolvedMdnSpec} from './spec';

/** Rows per kernel call on its own memory: bounds that memory (a few MB) whatever the batch. */
const BLOCK_ROWS = 4096;

/** The covariance types' codes in the kernel. */
const KIND = {diag: 0, spherical: 1, full: 2} as const;

interface KernelExports extends RowScaling {
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

const MDN_NLL = new WasmKernelModule<KernelExports>(MDN_NLL_WASM_BASE64);

/** Whether {@link fusedMdnNegLogLikelihood} serves the current backend now (GMM_MDN_WASM_KERNEL allows it). */
export function fusedMdnNllAvailable(): boolean {
  return gmmFlag('GMM_MDN_WASM_KERNEL') && HOST_BACKENDS.has(tf.getBackend()) && MDN_NLL.available();
}

/**
 * Byte offsets from `base` of one block's arrays (yTrue, yPred, nll, dPred, dTrue), then of the
 * 16-byte aligned scratch.
 */
function blockLayout(base: number, rows: number, D: number, P: number): number[] {
  const starts = [rows * D, rows * P, rows, rows * P, rows * D].reduce<number[]>(
    (at, floats) => [...at, at[at.length - 1] + floats * 4],
    [base],
  );
  starts[5] = Math.ceil(starts[5] / 16) * 16;
  return starts;
}

/** Per-row NLL [N] and its gradients w.r.t. the packed outputs [N, P] and the targets [N, D]. */
interface FusedMdnRows {
  nll: tf.Tensor1D;
  dPred: tf.Tensor2D;
  dTrue: tf.Tensor2D;
}

/** The kernel's arguments that do not depend on where the rows are. */
function kernelShape(spec: ResolvedMdnSpec) {
  const {nComponents: K, outputDim: D, paramsSize: P, covarianceType, minScale} = spec;
  return {K, D, P, kind: KIND[covarianceType], minScale};
}

/**
 * The rows in place on the wasm backend's heap, or null when an input is not on it. Rows come in
 * groups of four (one per lane): the groups run where the tensors are, and the last 1-3 rows, if
 * any, through one zero-padded group in the scratch, so that nothing past a tensor is touched.
 */
function rowsInPlace(
  kernel: InPlaceKernel<KernelExports>,
  yTrue: tf.Tensor2D,
  yPred: tf.Tensor2D,
  N: number,
  spec: ResolvedMdnSpec,
): FusedMdnRows | null {
  const yTrueAt = kernel.offsetOf(yTrue);
  const yPredAt = kernel.offsetOf(yPred);
  if (yTrueAt === null || yPredAt === null) return null;
  const {K, D, P, kind, minScale} = kernelShape(spec);
  const {instance} = kernel;
  const rows: FusedMdnRows = {
    nll: kernel.output([N]) as tf.Tensor1D,
    dPred: kernel.output([N, P]) as tf.Tensor2D,
    dTrue: kernel.output([N, D]) as tf.Tensor2D,
  };
  const [nllAt, dPredAt, dTrueAt] = [rows.nll, rows.dPred, rows.dTrue].map((t) => kernel.offsetOf(t)!);
  const tailRows = N % 4;
  const grouped = N - tailRows;
  const tailBytes = blockLayout(0, 4, D, P)[5];
  const allocated = kernel.scratch(tailBytes + instance.scratchBytes(K, D, P) + 16);
  const base = Math.ceil(allocated / 16) * 16;
  try {
    const scratch = base + tailBytes;
    if (grouped > 0) instance.mdnNll(grouped, K, D, kind, minScale, yTrueAt, yPredAt, nllAt, dPredAt, dTrueAt, scratch);
    if (tailRows > 0) {
      const heap = new Float32Array(instance.memory.buffer);
      const [tTrue, tPred, tNll, tdPred, tdTrue] = blockLayout(base, 4, D, P).map((bytes) => bytes / 4);
      heap.fill(0, tTrue, tNll);
      heap.copyWithin(tTrue, yTrueAt / 4 + grouped * D, yTrueAt / 4 + N * D);
      heap.copyWithin(tPred, yPredAt / 4 + grouped * P, yPredAt / 4 + N * P);
      instance.mdnNll(4, K, D, kind, minScale, tTrue * 4, tPred * 4, tNll * 4, tdPred * 4, tdTrue * 4, scratch);
      heap.copyWithin(nllAt / 4 + grouped, tNll, tNll + tailRows);
      heap.copyWithin(dPredAt / 4 + grouped * P, tdPred, tdPred + tailRows * P);
      heap.copyWithin(dTrueAt / 4 + grouped * D, tdTrue, tdTrue + tailRows * D);
    }
  } finally {
    kernel.release(allocated);
  }
  return rows;
}

/** The rows copied through the kernel's own memory, in blocks of BLOCK_ROWS (padded to four). */
function rowsThroughOwnMemory(yTrue: tf.Tensor2D, yPred: tf.Tensor2D, N: number, spec: ResolvedMdnSpec): FusedMdnRows {
  const instance = MDN_NLL.ownMemory()!;
  const {K, D, P, kind, minScale} = kernelShape(spec);
  const trueValues = yTrue.dataSync();
  const predValues = yPred.dataSync();
  const block = Math.min(BLOCK_ROWS, Math.ceil(N / 4) * 4);
  const layout = blockLayout(0, block, D, P);
  const heap = heapOf(instance, layout[5] + instance.scratchBytes(K, D, P));
  const [yTrueAt, yPredAt, nllAt, dPredAt, dTrueAt, scratch] = layout;
  const nll = new Float32Array(N);
  const dPred = new Float32Array(N * P);
  const dTrue = new Float32Array(N * D);
  for (let start = 0; start < N; start += block) {
    const rows = Math.min(block, N - start);
    const padded = Math.ceil(rows / 4) * 4;
    heap.set(trueValues.subarray(start * D, (start + rows) * D), yTrueAt / 4);
    heap.set(predValues.subarray(start * P, (start + rows) * P), yPredAt / 4);
    // The lanes past the last row compute on zeros, and are dropped.
    heap.fill(0, (yTrueAt + rows * D * 4) / 4, (yTrueAt + padded * D * 4) / 4);
    heap.fill(0, (yPredAt + rows * P * 4) / 4, (yPredAt + padded * P * 4) / 4);
    instance.mdnNll(padded, K, D, kind, minScale, yTrueAt, yPredAt, nllAt, dPredAt, dTrueAt, scratch);
    nll.set(heap.subarray(nllAt / 4, nllAt / 4 + rows), start);
    dPred.set(heap.subarray(dPredAt / 4, dPredAt / 4 + rows * P), start * P);
    dTrue.set(heap.subarray(dTrueAt / 4, dTrueAt / 4 + rows * D), start * D);
  }
  return {nll: tf.tensor1d(nll), dPred: tf.tensor2d(dPred, [N, P]), dTrue: tf.tensor2d(dTrue, [N, D])};
}

/**
 * Per-row negative log-likelihood [N] of targets [N, D] under a head's packed outputs [N, P]
 * (validated, N >= 1), as `mdnNegLogLikelihood` in loss_op.ts, computed by the kernel; call only
 * when {@link fusedMdnNllAvailable}. The forward computes the per-row gradients too (they cost a
 * fraction of the NLL); the backward scales them by the upstream gradient.
 */
export function fusedMdnNegLogLikelihood(yTrue: tf.Tensor2D, yPred: tf.Tensor2D, spec: ResolvedMdnSpec): tf.Tensor1D {
  const N = yPred.shape[0];
  return runWithGradientThunks(
    {yTrue, yPred},
    (save) => {
      const inPlace = MDN_NLL.onBackendHeap();
      const {nll, dPred, dTrue} =
        (inPlace && rowsInPlace(inPlace, yTrue, yPred, N, spec)) ?? rowsThroughOwnMemory(yTrue, yPred, N, spec);
      save([dPred, dTrue]);
      return nll;
    },
    (dy, [dPred, dTrue]) => ({
      yTrue: () => scaleRows(MDN_NLL, dTrue as tf.Tensor2D, dy as tf.Tensor1D),
      yPred: () => scaleRows(MDN_NLL, dPred as tf.Tensor2D, dy as tf.Tensor1D),
    }),
  ) as tf.Tensor1D;
}
