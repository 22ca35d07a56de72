/**
 * The shared full/tied kernel's squared norms and moments on every core, in Node: the calling
 * thread and helper threads (worker_threads, started on first use, unref'd so that they never
 * keep a process alive) run one module (assembly/kernel_threads.ts) on one shared memory. A call
 * copies its inputs into that memory, posts the job and works on it too; the threads claim
 * blocks of rows from one counter, so a helper that is slow to start or busy only leaves its
 * share to the others, and the caller waits (Atomics.wait) only for blocks that a helper has
 * taken. The moments' per-block sums are added in block order: the result does not depend on
 * which thread ran which block. The diagonal kernels stay on the calling thread: at ~1 ms for
 * N = 16384, two threads made the diag step only 1.02-1.03x faster (within the noise).
 */
import {gmmFlag} from '../../flags';
import {KERNEL_THREADS_WASM_BASE64} from './kernel_threads_module';
import {nodeThreads} from './node_threads';
import {WasmKernelModule} from './runtime';

interface ThreadExports {
  claimBlocks(ctl: number, thread: number): void;
  threadScratchBytes(kernel: number, K: number, D: number): number;
}

/** The kernels a job can run (assembly/kernel_threads.ts). */
export const THREADED_KERNEL = {squaredNorms: 0, symmetricMoments: 1} as const;

/** The job's words (i32) at byte 0 of the shared memory; assembly/kernel_threads.ts reads them. */
const WORD = {
  generation: 0,
  nextBlock: 1,
  blocks: 2,
  done: 3,
  kernel: 4,
  rows: 5,
  components: 6,
  features: 7,
  blockRows: 8,
  rowsAt: 9,
  secondAt: 10,
  thirdAt: 11,
  outAt: 12,
  scratchAt: 13,
  scratchStride: 14,
  helperBlocks: 15,
} as const;
const JOB_BYTES = 64;
/** Alignment of each thread's scratch: no two threads write one cache line (nor the job's). */
const SCRATCH_ALIGNMENT = 256;
/** The block counter between jobs: every claim fails, so the job's words can be rewritten. */
const CLOSED = 2 ** 30;
/** Rows per block (a multiple of the kernels' 8-row groups). */
const BLOCK_ROWS = 1024;
/** Below this many rows a call stays on the calling thread. */
export const MIN_THREADED_ROWS = 4096;
const MAX_AUTO_THREADS = 8;
/** Pages of 64 KiB the module's shared memory may grow to (scripts/build-kernels.mjs). */
const MAX_PAGES = 32768;
/** How long the caller waits for a helper's blocks before it reports a stopped thread (ms). */
const HELPER_TIMEOUT_MS = 60_000;

/** A helper thread: the same module on the same memory, running each job it wakes for. */
const HELPER_SOURCE = `
const {workerData} = require('worker_threads');
const {module, memory, thread} = workerData;
const kernels = new WebAssembly.Instance(module, {env: {memory}}).exports;
const job = new Int32Array(memory.buffer, 0, ${JOB_BYTES / 4});
let seen = Atomics.load(job, ${WORD.generation});
for (;;) {
  Atomics.wait(job, ${WORD.generation}, seen);
  seen = Atomics.load(job, ${WORD.generation});
  kernels.claimBlocks(0, thread);
  Atomics.notify(job, ${WORD.done});
}`;

const KERNEL_THREADS = new WasmKernelModule<ThreadExports & {memory: WebAssembly.Memory}>(KERNEL_THREADS_WASM_BASE64);

/** One threaded call: the kernel, its sizes, its inputs in order and the floats it writes. */
export interface ThreadedJob {
  kernel: (typeof THREADED_KERNEL)[keyof typeof THREADED_KERNEL];
  N: number;
  K: number;
  D: number;
  /** The rows [N, D], then the kernel's second and third input. */
  inputs: Float32Array[];
  /** Floats of the result: [N, K] for the squared norms, one block's sum for the moments. */
  outFloats: number;
}

/** The shared memory, the calling thread's instance and the helpers. */
class KernelThreadPool {
  private readonly memory = new WebAssembly.Memory({initial: 16, maximum: MAX_PAGES, shared: true});
  private readonly kernels: ThreadExports;
  private readonly helpers: Array<{terminate(): unknown}> = [];
  /** How many blocks of the last job the helper threads ran (the rest ran on the calling thread). */
  lastHelperBlocks = 0;

  constructor(
    module: WebAssembly.Module,
    readonly threads: number,
  ) {
    this.kernels = new WebAssembly.Instance(module, {env: {memory: this.memory}}).exports as unknown as ThreadExports;
    this.words().fill(0);
    Atomics.store(this.words(), WORD.nextBlock, CLOSED);
    const {threads: workerThreads} = nodeThreads()!;
    // A helper that cannot start or fails only leaves its blocks to the others (an 'error' event
    // without a listener would throw in this thread).
    try {
      for (let thread = 1; thread < threads; thread++) {
        const helper = new workerThreads.Worker(HELPER_SOURCE, {
          eval: true,
          workerData: {module, memory: this.memory, thread},
        });
        helper.on('error', () => {});
        helper.unref();
        this.helpers.push(helper);
      }
    } catch {
      // Fewer helpers (a limit on threads, a policy against eval'd workers): the calling thread serves.
    }
  }

  /** Ends the helper threads (a pool for another thread count replaces this one). */
  end(): void {
    for (const helper of this.helpers) helper.terminate();
  }

  private words(): Int32Array {
    return new Int32Array(this.memory.buffer, 0, JOB_BYTES / 4);
  }

  /**
   * Runs `job` on every thread; returns its result (a fresh array), or null when its memory would
   * pass the shared memory's maximum (the caller then runs on its own thread).
   */
  run(job: ThreadedJob): Float32Array | null {
    const {kernel, N, K, D, inputs, outFloats} = job;
    const blocks = Math.ceil(N / BLOCK_ROWS);
    const perBlockSums = kernel !== THREADED_KERNEL.squaredNorms;
    const stride = alignTo(this.kernels.threadScratchBytes(kernel, K, D), SCRATCH_ALIGNMENT);
    const at: number[] = [];
    let end = SCRATCH_ALIGNMENT + this.threads * stride;
    for (const input of inputs) {
      at.push(end);
      end = alignTo(end + input.byteLength, SCRATCH_ALIGNMENT);
    }
    const outAt = end;
    end += (perBlockSums ? blocks : 1) * outFloats * 4;
    if (!this.reserve(end)) return null;
    const heap = new Float32Array(this.memory.buffer);
    inputs.forEach((input, i) => heap.set(input, at[i] / 4));
    const words = this.words();
    words[WORD.blocks] = blocks;
    words[WORD.done] = 0;
    words[WORD.helperBlocks] = 0;
    words[WORD.kernel] = kernel;
    words[WORD.rows] = N;
    words[WORD.components] = K;
    words[WORD.features] = D;
    words[WORD.blockRows] = BLOCK_ROWS;
    words[WORD.rowsAt] = at[0];
    words[WORD.secondAt] = at[1];
    words[WORD.thirdAt] = at[2];
    words[WORD.outAt] = outAt;
    words[WORD.scratchAt] = SCRATCH_ALIGNMENT;
    words[WORD.scratchStride] = stride;
    Atomics.store(words, WORD.nextBlock, 0);
    Atomics.add(words, WORD.generation, 1);
    Atomics.notify(words, WORD.generation);
    this.kernels.claimBlocks(0, 0);
    this.awaitBlocks(words, blocks);
    Atomics.store(words, WORD.nextBlock, CLOSED);
    this.lastHelperBlocks = words[WORD.helperBlocks];
    if (!perBlockSums) return heap.slice(outAt / 4, outAt / 4 + outFloats);
    const total = new Float64Array(outFloats);
    for (let block = 0; block < blocks; block++) {
      const offset = outAt / 4 + block * outFloats;
      for (let i = 0; i < outFloats; i++) total[i] += heap[offset + i];
    }
    return Float32Array.from(total);
  }

  /** Waits until every block of the job is done (the caller has run out of blocks to claim). */
  private awaitBlocks(words: Int32Array, blocks: number): void {
    for (;;) {
      const done = Atomics.load(words, WORD.done);
      if (done === blocks) return;
      if (Atomics.wait(words, WORD.done, done, HELPER_TIMEOUT_MS) === 'timed-out' && words[WORD.done] === done) {
        Atomics.store(words, WORD.nextBlock, CLOSED);
        throw new Error(
          `tfjs-gmm kernel threads: a helper thread stopped answering (no block done in ${HELPER_TIMEOUT_MS} ms)`,
        );
      }
    }
  }

  /** Grows the shared memory to at least `bytes`; false when that passes its maximum. */
  private reserve(bytes: number): boolean {
    const pages = Math.ceil(bytes / 65536);
    const current = this.memory.buffer.byteLength / 65536;
    if (pages > MAX_PAGES) return false;
    if (pages > current) this.memory.grow(pages - current);
    return true;
  }
}

function alignTo(bytes: number, alignment: number): number {
  return Math.ceil(bytes / alignment) * alignment;
}

let pool: KernelThreadPool | null | undefined;

/**
 * The threads the flag asks for here: 1 where Node's worker_threads or shared memory are missing;
 * 'auto' is one per core on Node's main thread and 1 in a worker thread (usually one of several,
 * such as GaussianMixture's EM workers, that share the cores already).
 */
function threadCount(): number {
  const flag = gmmFlag('GMM_KERNEL_THREADS');
  const node = typeof SharedArrayBuffer === 'function' ? nodeThreads() : null;
  if (!node) return 1;
  if (flag !== 'auto') return flag;
  return node.threads.isMainThread ? Math.min(node.cores, MAX_AUTO_THREADS) : 1;
}

/**
 * The pool for a call over `N` rows, or null when the call should stay on the calling thread
 * (fewer than MIN_THREADED_ROWS rows, one thread asked for or available, no module). A new
 * thread count (the flag changed) ends the old pool's helpers and starts a new pool.
 */
export function kernelThreadsFor(N: number): KernelThreadPool | null {
  if (N < MIN_THREADED_ROWS) return null;
  const threads = threadCount();
  if (threads < 2) return null;
  if (pool?.threads !== threads) {
    pool?.end();
    const module = KERNEL_THREADS.compiled();
    pool = module ? new KernelThreadPool(module, threads) : null;
  }
  return pool ?? null;
}
