// The shared triangular kernel's backward moments, in AssemblyScript: `npm run build:kernels`
// compiles it into ../symmetric_moments_module.ts, which ops/kernels/wasm/symmetric_moments.ts
// runs. For centred rows x [N, D], a per-feature scale r [D] and upstream gradients g [N, K] it
// writes sum_n g_nk z_n z_n^T [K, M, M] with z = [1, clamp(x r)] (M = D + 1), without the
// [(D + 1) (D + 2) / 2, N] products that the tf-ops form builds for a matmul.

import {addToLanes, laneSum, transposeRows} from './lanes';

/** Rows per block: the block's z and g, transposed, take (M + K) kilobytes. */
const BLOCK: i32 = 256;

/** Bytes of one transposed row (feature or component) of a block. */
const ROW_BYTES: usize = 1024;

/** |u| bound: z's products (at most 2^126) stay below float32's maximum. */
const LARGEST_ENTRY: f32 = 9.223372036854775808e18; // 2^63

/** Row-vector r (four rows) of feature or component i in a transposed block. */
@inline function lanes(base: usize, i: i32, r: i32): v128 {
  return v128.load(base + (<usize>(i * BLOCK + 4 * r) << 2));
}

/** The lane sums of (k, a, b): 16 bytes each, at ((k M + a) M + b) 16. */
@inline function sumAt(sums: usize, M: i32, k: i32, a: i32, b: i32): usize {
  return sums + (<usize>((k * M + a) * M + b) << 4);
}

/**
 * Lane sums of the block's rows for the pairs (a, b0), (a, b0 + 1) and components k0..k0+3:
 * eight sums kept in registers over the block's row vectors, then added to `sums`.
 */
@inline function tile(zt: usize, gt: usize, sums: usize, M: i32, a: i32, b0: i32, k0: i32, vectors: i32): void {
  let s00 = f32x4.splat(0);
  let s01 = f32x4.splat(0);
  let s02 = f32x4.splat(0);
  let s03 = f32x4.splat(0);
  let s10 = f32x4.splat(0);
  let s11 = f32x4.splat(0);
  let s12 = f32x4.splat(0);
  let s13 = f32x4.splat(0);
  // Rows b0, b0 + 1 of z and k0..k0+3 of g are adjacent in the block: one address each, the
  // rest as constant offsets of the loads.
  const pa = zt + (<usize>(a * BLOCK) << 2);
  const pb = zt + (<usize>(b0 * BLOCK) << 2);
  const pg = gt + (<usize>(k0 * BLOCK) << 2);
  const end = <usize>vectors << 4;
  for (let o: usize = 0; o < end; o += 16) {
    const za = v128.load(pa + o);
    const p0 = f32x4.mul(za, v128.load(pb + o));
    const p1 = f32x4.mul(za, v128.load(pb + o, ROW_BYTES));
    const g = pg + o;
    const g0 = v128.load(g);
    const g1 = v128.load(g, ROW_BYTES);
    const g2 = v128.load(g, 2 * ROW_BYTES);
    const g3 = v128.load(g, 3 * ROW_BYTES);
    s00 = f32x4.add(s00, f32x4.mul(p0, g0));
    s01 = f32x4.add(s01, f32x4.mul(p0, g1));
    s02 = f32x4.add(s02, f32x4.mul(p0, g2));
    s03 = f32x4.add(s03, f32x4.mul(p0, g3));
    s10 = f32x4.add(s10, f32x4.mul(p1, g0));
    s11 = f32x4.add(s11, f32x4.mul(p1, g1));
    s12 = f32x4.add(s12, f32x4.mul(p1, g2));
    s13 = f32x4.add(s13, f32x4.mul(p1, g3));
  }
  addToLanes(sumAt(sums, M, k0, a, b0), s00);
  addToLanes(sumAt(sums, M, k0 + 1, a, b0), s01);
  addToLanes(sumAt(sums, M, k0 + 2, a, b0), s02);
  addToLanes(sumAt(sums, M, k0 + 3, a, b0), s03);
  addToLanes(sumAt(sums, M, k0, a, b0 + 1), s10);
  addToLanes(sumAt(sums, M, k0 + 1, a, b0 + 1), s11);
  addToLanes(sumAt(sums, M, k0 + 2, a, b0 + 1), s12);
  addToLanes(sumAt(sums, M, k0 + 3, a, b0 + 1), s13);
}

/** The lane sums of one pair (a, b) and one component k over the block (the tiles' remainders). */
@inline function single(zt: usize, gt: usize, sums: usize, M: i32, a: i32, b: i32, k: i32, vectors: i32): void {
  let s = f32x4.splat(0);
  for (let r = 0; r < vectors; r++) s = f32x4.add(s, f32x4.mul(f32x4.mul(lanes(zt, a, r), lanes(zt, b, r)), lanes(gt, k, r)));
  addToLanes(sumAt(sums, M, k, a, b), s);
}

/** The number of bytes of `scratch` that {@link symmetricMoments} needs. */
export function scratchBytes(K: i32, D: i32): i32 {
  const M = D + 1;
  return ((M + K) * BLOCK) * 4 + K * M * M * 16;
}

/**
 * out[k, a, b] = sum_n g[n, k] z_n[a] z_n[b] for z_n = [1, clamp(x[n, :] r, -2^63, 2^63)], the
 * whole symmetric [K, M, M] (row-major float32; M = D + 1). `scratch` holds scratchBytes(K, D)
 * bytes; it is the only memory written besides `out`, and nothing past a tensor is read.
 */
export function symmetricMoments(N: i32, K: i32, D: i32, x: usize, scale: usize, g: usize, out: usize, scratch: usize): void {
  const M = D + 1;
  const zt = scratch;
  const gt = zt + (<usize>(M * BLOCK) << 2);
  const sums = gt + (<usize>(K * BLOCK) << 2);
  memory.fill(sums, 0, <usize>(K * M * M) << 4);
  for (let n0 = 0; n0 < N; n0 += BLOCK) {
    const rows = min(BLOCK, N - n0);
    const vectors = (rows + 3) >> 2;
    const padded = vectors << 2;
    // The block transposed: z and g by feature and component, rows past the block's end 0.
    for (let l = 0; l < padded; l++) store<f32>(zt + (<usize>l << 2), l < rows ? 1 : 0);
    for (let i = 0; i < D; i++) {
      const r = load<f32>(scale + (<usize>i << 2));
      const to = zt + (<usize>((i + 1) * BLOCK) << 2);
      for (let l = 0; l < padded; l++) {
        let u: f32 = 0;
        if (l < rows) u = max(min(load<f32>(x + (<usize>((n0 + l) * D + i) << 2)) * r, LARGEST_ENTRY), -LARGEST_ENTRY);
        store<f32>(to + (<usize>l << 2), u);
      }
    }
    transposeRows(g, K, n0, rows, padded, gt, BLOCK);
    const k4 = K & ~3;
    for (let a = 0; a < M; a++) {
      let b = a;
      for (; b + 1 < M; b += 2) {
        for (let k = 0; k < k4; k += 4) tile(zt, gt, sums, M, a, b, k, vectors);
        for (let k = k4; k < K; k++) {
          single(zt, gt, sums, M, a, b, k, vectors);
          single(zt, gt, sums, M, a, b + 1, k, vectors);
        }
      }
      if (b < M) for (let k = 0; k < K; k++) single(zt, gt, sums, M, a, b, k, vectors);
    }
  }
  // The four lanes' sums, mirrored into the lower triangle.
  for (let k = 0; k < K; k++)
    for (let a = 0; a < M; a++)
      for (let b = a; b < M; b++) {
        const total = laneSum(v128.load(sumAt(sums, M, k, a, b)));
        store<f32>(out + (<usize>((k * M + a) * M + b) << 2), total);
        store<f32>(out + (<usize>((k * M + b) * M + a) << 2), total);
      }
}
