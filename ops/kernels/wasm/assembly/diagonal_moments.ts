// The shared diagonal kernel's backward moments, in AssemblyScript: `npm run build:kernels`
// compiles it into ../diagonal_moments_module.ts, which ops/kernels/wasm/diagonal_moments.ts runs.
// For whitened rows u [N, D] and upstream gradients g [N, K] it writes, per component,
// [sum_n g u^2, sum_n g u, sum_n g] [K, 2D + 1]: the tf-ops form's [2D + 1, N] x [N, K] matmul
// without its transposes and the re-packing of g, a new tensor every step.

import {addToLanes, laneSum, transposeRows} from './lanes';

/** Rows per block: the block's u and g, transposed, take (D + K) kilobytes. */
const BLOCK: i32 = 256;

/** Bytes of one transposed row (feature or component) of a block. */
const ROW_BYTES: usize = 1024;

/** The number of bytes of `scratch` that {@link diagonalMoments} needs. */
export function scratchBytes(K: i32, D: i32): i32 {
  return (D + K) * BLOCK * 4 + K * (2 * D + 1) * 16;
}

/** The lane sums of (k, f): 16 bytes each, at (k (2D + 1) + f) 16. */
@inline function sumAt(sums: usize, F: i32, k: i32, f: i32): usize {
  return sums + (<usize>(k * F + f) << 4);
}

/**
 * Lane sums of the block's rows of g u_j^2 and g u_j for components k0..k0+3: eight sums kept in
 * registers over the block's row vectors, then added to `sums`.
 */
@inline function tile(ut: usize, gt: usize, sums: usize, D: i32, j: i32, k0: i32, vectors: i32): void {
  let q0 = f32x4.splat(0);
  let q1 = f32x4.splat(0);
  let q2 = f32x4.splat(0);
  let q3 = f32x4.splat(0);
  let l0 = f32x4.splat(0);
  let l1 = f32x4.splat(0);
  let l2 = f32x4.splat(0);
  let l3 = f32x4.splat(0);
  // Components k0..k0+3 are adjacent in the block: one address, the rest constant offsets.
  const pu = ut + (<usize>(j * BLOCK) << 2);
  const pg = gt + (<usize>(k0 * BLOCK) << 2);
  const end = <usize>vectors << 4;
  for (let o: usize = 0; o < end; o += 16) {
    const u = v128.load(pu + o);
    const uu = f32x4.mul(u, u);
    const g = pg + o;
    const g0 = v128.load(g);
    const g1 = v128.load(g, ROW_BYTES);
    const g2 = v128.load(g, 2 * ROW_BYTES);
    const g3 = v128.load(g, 3 * ROW_BYTES);
    q0 = f32x4.add(q0, f32x4.mul(uu, g0));
    q1 = f32x4.add(q1, f32x4.mul(uu, g1));
    q2 = f32x4.add(q2, f32x4.mul(uu, g2));
    q3 = f32x4.add(q3, f32x4.mul(uu, g3));
    l0 = f32x4.add(l0, f32x4.mul(u, g0));
    l1 = f32x4.add(l1, f32x4.mul(u, g1));
    l2 = f32x4.add(l2, f32x4.mul(u, g2));
    l3 = f32x4.add(l3, f32x4.mul(u, g3));
  }
  const F = 2 * D + 1;
  addToLanes(sumAt(sums, F, k0, j), q0);
  addToLanes(sumAt(sums, F, k0 + 1, j), q1);
  addToLanes(sumAt(sums, F, k0 + 2, j), q2);
  addToLanes(sumAt(sums, F, k0 + 3, j), q3);
  addToLanes(sumAt(sums, F, k0, D + j), l0);
  addToLanes(sumAt(sums, F, k0 + 1, D + j), l1);
  addToLanes(sumAt(sums, F, k0 + 2, D + j), l2);
  addToLanes(sumAt(sums, F, k0 + 3, D + j), l3);
}

/** The lane sums of g u_j^2 and g u_j for one component k (the tiles' remainder). */
@inline function single(ut: usize, gt: usize, sums: usize, D: i32, j: i32, k: i32, vectors: i32): void {
  let q = f32x4.splat(0);
  let l = f32x4.splat(0);
  const pu = ut + (<usize>(j * BLOCK) << 2);
  const pg = gt + (<usize>(k * BLOCK) << 2);
  const end = <usize>vectors << 4;
  for (let o: usize = 0; o < end; o += 16) {
    const u = v128.load(pu + o);
    const g = v128.load(pg + o);
    q = f32x4.add(q, f32x4.mul(f32x4.mul(u, u), g));
    l = f32x4.add(l, f32x4.mul(u, g));
  }
  const F = 2 * D + 1;
  addToLanes(sumAt(sums, F, k, j), q);
  addToLanes(sumAt(sums, F, k, D + j), l);
}

/**
 * out[k] = [sum_n g[n, k] u[n, :]^2, sum_n g[n, k] u[n, :], sum_n g[n, k]] [K, 2D + 1]
 * (row-major float32). `scratch` holds scratchBytes(K, D) bytes; it is the only memory written
 * besides `out`, and nothing past a tensor is read.
 */
export function diagonalMoments(N: i32, K: i32, D: i32, u: usize, g: usize, out: usize, scratch: usize): void {
  const F = 2 * D + 1;
  const ut = scratch;
  const gt = ut + (<usize>(D * BLOCK) << 2);
  const sums = gt + (<usize>(K * BLOCK) << 2);
  memory.fill(sums, 0, <usize>(K * F) << 4);
  for (let n0 = 0; n0 < N; n0 += BLOCK) {
    const rows = min(BLOCK, N - n0);
    const vectors = (rows + 3) >> 2;
    const padded = vectors << 2;
    // The block transposed: u and g by feature and component, rows past the block's end 0.
    transposeRows(u, D, n0, rows, padded, ut, BLOCK);
    transposeRows(g, K, n0, rows, padded, gt, BLOCK);
    for (let k = 0; k < K; k++) {
      const from = gt + (<usize>(k * BLOCK) << 2);
      let total = f32x4.splat(0);
      for (let o: usize = 0; o < (<usize>padded << 2); o += 16) total = f32x4.add(total, v128.load(from + o));
      addToLanes(sumAt(sums, F, k, 2 * D), total);
    }
    const k4 = K & ~3;
    for (let j = 0; j < D; j++) {
      for (let k = 0; k < k4; k += 4) tile(ut, gt, sums, D, j, k, vectors);
      for (let k = k4; k < K; k++) single(ut, gt, sums, D, j, k, vectors);
    }
  }
  // The four lanes' sums.
  for (let i = 0; i < K * F; i++) store<f32>(out + (<usize>i << 2), laneSum(v128.load(sums + (<usize>i << 4))));
}
