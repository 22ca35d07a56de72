/**
 * Running the AssemblyScript kernels (assembly/, built into the *_module.ts files): compiling a
 * module once, and instantiating it on the memory that suits the backend.
 *
 * Every kernel imports its memory. On the wasm backend it imports the backend's own heap, so it
 * reads its inputs and writes its outputs where the tensors live, with no copy: reading a large
 * tensor back and uploading the result cost as much as the kernel (about 3 ms each way for
 * [100000, 16] floats). That uses the backend's internals (its module's memory, `_malloc`, a
 * tensor's `memoryOffset`, `makeOutput`), detected at run time: where they are missing, or the
 * heap is shared memory (the multi-threaded wasm build in cross-origin isolated pages), and on
 * cpu and tfjs-node, the kernel gets a memory of its own and the caller copies the rows in and out.
 *
 * Compiling is synchronous on first use: Node, workers and pages allow that (Chromium up to 8 MB
 * on a page's main thread). Where a browser refuses (older Chromium did above 4 KB, with a
 * RangeError) the module compiles in the background and the caller's tf-ops form serves until it
 * is ready. Where WebAssembly or its SIMD is missing, or a content security policy forbids
 * compiling, the tf-ops form serves for good.
 */
import * as tf from '@tensorflow/tfjs-core';

import {acrossRow} from '../../util/across_row';

/** Backends whose tensors are host memory, so that reading them back costs a copy, not a sync. */
export const HOST_BACKENDS: ReadonlySet<string> = new Set(['cpu', 'wasm', 'tensorflow']);

/** Exports every kernel module has. */
export interface KernelMemory {
  memory: WebAssembly.Memory;
}

/** The parts of tfjs-backend-wasm's backend the in-place path uses. */
interface WasmBackendInternals {
  wasm: {asm?: {memory?: unknown}; _malloc(bytes: number): number; _free(pointer: number): void};
  dataIdMap: {get(dataId: object): {memoryOffset: number} | undefined};
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

/** The wasm backend's internals, when it is the current backend and its heap can be imported. */
function wasmBackendHeap(): {backend: WasmBackendInternals; memory: WebAssembly.Memory} | null {
  if (tf.getBackend() !== 'wasm') return null;
  const backend = tf.backend() as unknown as Partial<WasmBackendInternals>;
  const memory = backend.wasm?.asm?.memory;
  const usable =
    memory instanceof WebAssembly.Memory &&
    !(typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer) &&
    typeof backend.wasm?._malloc === 'function' &&
    typeof backend.wasm?._free === 'function' &&
    typeof backend.dataIdMap?.get === 'function' &&
    typeof backend.makeOutput === 'function';
  return usable ? {backend: backend as WasmBackendInternals, memory: memory as WebAssembly.Memory} : null;
}

/**
 * A kernel on the wasm backend's heap: `offsetOf` a tensor's first byte there, `output` a new
 * float32 tensor whose memory the kernel fills, and `scratch` bytes freed by `release`.
 */
export interface InPlaceKernel<E> {
  instance: E;
  /** null for a tensor that is not (yet) on the backend, e.g. one made before `tf.setBackend`. */
  offsetOf(t: tf.Tensor): number | null;
  output(shape: number[]): tf.Tensor;
  scratch(bytes: number): number;
  release(pointer: number): void;
}

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/** One kernel module, compiled on first use, with its instances. */
export class WasmKernelModule<E extends KernelMemory> {
  /** The module, null while it compiles, or 'unavailable'. */
  private module: WebAssembly.Module | null | 'unavailable' | undefined;
  private own: E | null = null;
  /** Instances on the wasm backend's heap, by heap (a new backend has a new one). */
  private readonly inPlace = new WeakMap<WebAssembly.Memory, E | 'unavailable'>();

  constructor(private readonly base64: string) {}

  /** The compiled module, or null while it compiles or where it cannot. */
  compiled(): WebAssembly.Module | null {
    if (this.module === undefined) {
      if (typeof WebAssembly !== 'object') {
        this.module = 'unavailable';
      } else {
        const binary = decode(this.base64);
        try {
          this.module = new WebAssembly.Module(binary);
        } catch (e) {
          // RangeError: a size limit on synchronous compiles; anything else (no SIMD, a CSP) for good.
          this.module = e instanceof RangeError ? null : 'unavailable';
          if (this.module === null) {
            WebAssembly.compile(binary).then(
              (module) => (this.module = module),
              () => (this.module = 'unavailable'),
            );
          }
        }
      }
    }
    return this.module === 'unavailable' || this.module === undefined ? null : this.module;
  }

  /** Whether the module is compiled (false while it compiles in the background, or for good). */
  available(): boolean {
    return this.compiled() !== null;
  }

  /** The instance on a memory of its own (callers copy rows in and out), or null. */
  ownMemory(): E | null {
    const module = this.compiled();
    if (!module) return null;
    this.own ??= new WebAssembly.Instance(module, {env: {memory: new WebAssembly.Memory({initial: 1})}})
      .exports as unknown as E;
    return this.own;
  }

  /** The instance on the current backend's heap (wasm backend only), or null. */
  onBackendHeap(): InPlaceKernel<E> | null {
    const module = this.compiled();
    const heap = module ? wasmBackendHeap() : null;
    if (!module || !heap) return null;
    const {backend, memory} = heap;
    let instance = this.inPlace.get(memory);
    if (instance === undefined) {
      try {
        instance = new WebAssembly.Instance(module, {env: {memory}}).exports as unknown as E;
      } catch {
        instance = 'unavailable';
      }
      this.inPlace.set(memory, instance);
    }
    if (instance === 'unavailable') return null;
    return {
      instance,
      offsetOf: (t) => backend.dataIdMap.get(t.dataId)?.memoryOffset ?? null,
      output: (shape) => tf.engine().makeTensorFromTensorInfo(backend.makeOutput(shape, 'float32')),
      scratch: (bytes) => backend.wasm._malloc(bytes),
      release: (pointer) => backend.wasm._free(pointer),
    };
  }
}

/**
 * A float32 tensor's values without a copy where they are host memory of the wasm backend (a
 * view, valid until the backend next allocates), else `dataSync()`.
 */
export function hostValues(t: tf.Tensor): Float32Array {
  const heap = wasmBackendHeap();
  const offset = heap?.backend.dataIdMap.get(t.dataId)?.memoryOffset;
  if (heap && offset !== undefined) return new Float32Array(heap.memory.buffer, offset, t.size);
  return t.dataSync() as Float32Array;
}

/** Grows a kernel's own memory to hold `bytes`, and returns a float32 view of all of it. */
export function heapOf(instance: KernelMemory, bytes: number): Float32Array {
  const memory = instance.memory;
  if (memory.buffer.byteLength < bytes) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / 65536));
  return new Float32Array(memory.buffer);
}

/** The exports of a module that re-exports assembly/rows.ts. */
export interface RowScaling extends KernelMemory {
  scaleRows(N: number, C: number, rows: number, scales: number, out: number): void;
}

/**
 * rows [N, C] times scales [N], row by row (a backward's upstream gradient onto saved per-row
 * gradients): in place on the wasm backend's heap, else with {@link acrossRow}.
 */
export function scaleRows<E extends RowScaling>(module: WasmKernelModule<E>, rows: tf.Tensor2D, scales: tf.Tensor1D) {
  const [N, C] = rows.shape;
  const inPlace = module.onBackendHeap();
  const rowsAt = inPlace?.offsetOf(rows) ?? null;
  const scalesAt = inPlace?.offsetOf(scales) ?? null;
  if (inPlace && rowsAt !== null && scalesAt !== null) {
    const out = inPlace.output([N, C]) as tf.Tensor2D;
    inPlace.instance.scaleRows(N, C, rowsAt, scalesAt, inPlace.offsetOf(out)!);
    return out;
  }
  return tf.mul(rows, acrossRow(tf.reshape(scales, [N, 1]), C)) as tf.Tensor2D;
}
