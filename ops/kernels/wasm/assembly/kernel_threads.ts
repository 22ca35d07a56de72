// The shared full/tied kernels (squared norms, symmetric moments) on several threads, in AssemblyScript: `npm run build:kernels` compiles this
// entry with shared memory and atomics into ../kernel_threads_module.ts, which
// ops/kernels/wasm/kernel_threads.ts instantiates on the calling thread and on each helper
// thread, all on one shared memory. A job is a range of rows cut into blocks; every thread claims
// blocks from one counter until none is left, so a helper that starts late (or never) only means
// that the others do its share.

import {triangularSquaredNorms} from './squared_norms';
import {scratchBytes as symmetricScratchBytes, symmetricMoments} from './symmetric_moments';

// The job's words (i32) at `ctl`; ops/kernels/wasm/kernel_threads.ts writes them.
const NEXT_BLOCK: usize = 4;
const BLOCKS: usize = 8;
const DONE: usize = 12;
const KERNEL: usize = 16;
const ROWS: usize = 20;
const COMPONENTS: usize = 24;
const FEATURES: usize = 28;
const BLOCK_ROWS: usize = 32;
const ROWS_AT: usize = 36;
const SECOND_AT: usize = 40;
const THIRD_AT: usize = 44;
const OUT_AT: usize = 48;
const SCRATCH_AT: usize = 52;
const SCRATCH_STRIDE: usize = 56;
const HELPER_BLOCKS: usize = 60;

const SQUARED_NORMS = 0;

/** Bytes of scratch one thread needs for a kernel (0: squared norms, 1: symmetric moments). */
export function threadScratchBytes(kernel: i32, K: i32, D: i32): i32 {
  return kernel === SQUARED_NORMS ? 32 * D + 32 : symmetricScratchBytes(K, D);
}

/**
 * Runs blocks of the job at `ctl` until every block is claimed, on scratch of `thread`'s own.
 * Block b covers rows [b B, min((b + 1) B, N)); the squared norms write their rows of the output,
 * the moments a [K, ...] sum of their own at out + b * (its bytes), which the caller adds up in
 * block order (so the result does not depend on which thread ran which block). The job's words
 * are read only after a claim succeeds: the caller writes them while the counter is closed.
 */
export function claimBlocks(ctl: usize, thread: i32): void {
  for (;;) {
    const block = atomic.add<i32>(ctl + NEXT_BLOCK, 1);
    if (block >= atomic.load<i32>(ctl + BLOCKS)) return;
    const N = load<i32>(ctl + ROWS);
    const K = load<i32>(ctl + COMPONENTS);
    const D = load<i32>(ctl + FEATURES);
    const B = load<i32>(ctl + BLOCK_ROWS);
    const start = block * B;
    const rows = min(B, N - start);
    const x = <usize>load<i32>(ctl + ROWS_AT) + (<usize>(start * D) << 2);
    const second = <usize>load<i32>(ctl + SECOND_AT);
    const third = <usize>load<i32>(ctl + THIRD_AT);
    const out = <usize>load<i32>(ctl + OUT_AT);
    const kernel = load<i32>(ctl + KERNEL);
    const scratch = <usize>load<i32>(ctl + SCRATCH_AT) + <usize>(thread * load<i32>(ctl + SCRATCH_STRIDE));
    if (kernel === SQUARED_NORMS) {
      triangularSquaredNorms(rows, K, D, x, second, third, out + (<usize>(start * K) << 2), scratch);
    } else {
      const M = D + 1;
      const g = third + (<usize>(start * K) << 2);
      symmetricMoments(rows, K, D, x, second, g, out + (<usize>(block * K * M * M) << 2), scratch);
    }
    if (thread !== 0) atomic.add<i32>(ctl + HELPER_BLOCKS, 1);
    atomic.add<i32>(ctl + DONE, 1);
  }
}
