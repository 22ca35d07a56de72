// The shared triangular kernel's forward, in AssemblyScript: `npm run build:kernels` compiles it
// into ../squared_norms_module.ts, which ops/kernels/wasm/squared_norms.ts runs. For centred rows
// x [N, D] and upper-triangular factors P [K, D, D] it writes |P_k^T x_n - s_k|^2 [N, K], four
// rows at a time in the four SIMD lanes, without the [N, K * D] tensor of the y's that the tf-ops
// form writes and reads back (on wasm that tensor, not the arithmetic, was most of its time).

/** Column i of the current group, one row per lane. */
@inline function column(scratch: usize, i: i32, half: i32): v128 {
  return v128.load(scratch + (<usize>(2 * i + half) << 4));
}

/** The second four rows' sum of squares of the last fourColumns call. */
let normsB: v128 = f32x4.splat(0);

/** P[i, j] of one factor, in every lane. */
@inline function entry(pk: usize, D: i32, i: i32, j: i32): v128 {
  return v128.load32_splat(pk + (<usize>(i * D + j) << 2));
}

/**
 * sum over columns j0..j0+3 of (sum_(i <= j) x_i P[i, j] - s_j)^2, one row per lane: the rows
 * above the block's diagonal for all four columns, then the triangle of the diagonal block.
 */
@inline function fourColumns(D: i32, j0: i32, pk: usize, sk: usize, scratch: usize): v128 {
  const s0 = f32x4.neg(v128.load32_splat(sk + (<usize>j0 << 2)));
  let y0a = s0;
  let y0b = s0;
  const s1 = f32x4.neg(v128.load32_splat(sk + (<usize>(j0 + 1) << 2)));
  let y1a = s1;
  let y1b = s1;
  const s2 = f32x4.neg(v128.load32_splat(sk + (<usize>(j0 + 2) << 2)));
  let y2a = s2;
  let y2b = s2;
  const s3 = f32x4.neg(v128.load32_splat(sk + (<usize>(j0 + 3) << 2)));
  let y3a = s3;
  let y3b = s3;
  for (let i = 0; i < j0; i++) {
    const xa = column(scratch, i, 0);
    const xb = column(scratch, i, 1);
    const p0 = entry(pk, D, i, j0);
    y0a = f32x4.add(y0a, f32x4.mul(xa, p0));
    y0b = f32x4.add(y0b, f32x4.mul(xb, p0));
    const p1 = entry(pk, D, i, j0 + 1);
    y1a = f32x4.add(y1a, f32x4.mul(xa, p1));
    y1b = f32x4.add(y1b, f32x4.mul(xb, p1));
    const p2 = entry(pk, D, i, j0 + 2);
    y2a = f32x4.add(y2a, f32x4.mul(xa, p2));
    y2b = f32x4.add(y2b, f32x4.mul(xb, p2));
    const p3 = entry(pk, D, i, j0 + 3);
    y3a = f32x4.add(y3a, f32x4.mul(xa, p3));
    y3b = f32x4.add(y3b, f32x4.mul(xb, p3));
  }
  const xa0 = column(scratch, j0, 0);
  const xb0 = column(scratch, j0, 1);
  const p00 = entry(pk, D, j0, j0);
  y0a = f32x4.add(y0a, f32x4.mul(xa0, p00));
  y0b = f32x4.add(y0b, f32x4.mul(xb0, p00));
  const p01 = entry(pk, D, j0, j0 + 1);
  y1a = f32x4.add(y1a, f32x4.mul(xa0, p01));
  y1b = f32x4.add(y1b, f32x4.mul(xb0, p01));
  const p02 = entry(pk, D, j0, j0 + 2);
  y2a = f32x4.add(y2a, f32x4.mul(xa0, p02));
  y2b = f32x4.add(y2b, f32x4.mul(xb0, p02));
  const p03 = entry(pk, D, j0, j0 + 3);
  y3a = f32x4.add(y3a, f32x4.mul(xa0, p03));
  y3b = f32x4.add(y3b, f32x4.mul(xb0, p03));
  const xa1 = column(scratch, j0 + 1, 0);
  const xb1 = column(scratch, j0 + 1, 1);
  const p11 = entry(pk, D, j0 + 1, j0 + 1);
  y1a = f32x4.add(y1a, f32x4.mul(xa1, p11));
  y1b = f32x4.add(y1b, f32x4.mul(xb1, p11));
  const p12 = entry(pk, D, j0 + 1, j0 + 2);
  y2a = f32x4.add(y2a, f32x4.mul(xa1, p12));
  y2b = f32x4.add(y2b, f32x4.mul(xb1, p12));
  const p13 = entry(pk, D, j0 + 1, j0 + 3);
  y3a = f32x4.add(y3a, f32x4.mul(xa1, p13));
  y3b = f32x4.add(y3b, f32x4.mul(xb1, p13));
  const xa2 = column(scratch, j0 + 2, 0);
  const xb2 = column(scratch, j0 + 2, 1);
  const p22 = entry(pk, D, j0 + 2, j0 + 2);
  y2a = f32x4.add(y2a, f32x4.mul(xa2, p22));
  y2b = f32x4.add(y2b, f32x4.mul(xb2, p22));
  const p23 = entry(pk, D, j0 + 2, j0 + 3);
  y3a = f32x4.add(y3a, f32x4.mul(xa2, p23));
  y3b = f32x4.add(y3b, f32x4.mul(xb2, p23));
  const xa3 = column(scratch, j0 + 3, 0);
  const xb3 = column(scratch, j0 + 3, 1);
  const p33 = entry(pk, D, j0 + 3, j0 + 3);
  y3a = f32x4.add(y3a, f32x4.mul(xa3, p33));
  y3b = f32x4.add(y3b, f32x4.mul(xb3, p33));
  normsB = f32x4.add(normsB, f32x4.add(f32x4.add(f32x4.mul(y0b, y0b), f32x4.mul(y1b, y1b)), f32x4.add(f32x4.mul(y2b, y2b), f32x4.mul(y3b, y3b))));
  return f32x4.add(f32x4.add(f32x4.mul(y0a, y0a), f32x4.mul(y1a, y1a)), f32x4.add(f32x4.mul(y2a, y2a), f32x4.mul(y3a, y3a)));
}

/**
 * out[n, k] = sum_j (sum_(i <= j) x[n, i] P[k, i, j] - shifts[k, j])^2, all row-major float32.
 * P's entries below the diagonal are not read (the canonical factor is upper triangular).
 * `scratch` holds 16 D bytes (one group of four rows, transposed into lanes); it is the only
 * memory written besides `out`, and nothing past a tensor is read.
 */
export function triangularSquaredNorms(
  N: i32,
  K: i32,
  D: i32,
  x: usize,
  factor: usize,
  shifts: usize,
  out: usize,
  scratch: usize,
): void {
  for (let n0 = 0; n0 < N; n0 += 8) {
    const rows = min(8, N - n0);
    // Column i of the group's rows, one row per lane (absent rows are 0 and never stored).
    for (let i = 0; i < D; i++)
      for (let l = 0; l < 8; l++)
        store<f32>(scratch + (<usize>(8 * i + l) << 2), l < rows ? load<f32>(x + (<usize>((n0 + l) * D + i) << 2)) : 0);
    for (let k = 0; k < K; k++) {
      const pk = factor + (<usize>(k * D * D) << 2);
      const sk = shifts + (<usize>(k * D) << 2);
      let norms = f32x4.splat(0);
      normsB = f32x4.splat(0);
      // Four columns at a time: independent sums, where one would wait on its own additions.
      let j0 = 0;
      for (; j0 + 4 <= D; j0 += 4) norms = f32x4.add(norms, fourColumns(D, j0, pk, sk, scratch));
      for (let j = j0; j < D; j++) {
        let ya = f32x4.neg(v128.load32_splat(sk + (<usize>j << 2)));
        let yb = ya;
        for (let i = 0; i <= j; i++) {
          const p = entry(pk, D, i, j);
          ya = f32x4.add(ya, f32x4.mul(column(scratch, i, 0), p));
          yb = f32x4.add(yb, f32x4.mul(column(scratch, i, 1), p));
        }
        norms = f32x4.add(norms, f32x4.mul(ya, ya));
        normsB = f32x4.add(normsB, f32x4.mul(yb, yb));
      }
      const to = out + (<usize>(n0 * K + k) << 2);
      // Through the scratch's last 32 bytes, so that only the group's own rows are written.
      const sums = scratch + (<usize>(8 * D) << 2);
      v128.store(sums, norms);
      v128.store(sums + 16, normsB);
      for (let l = 0; l < rows; l++) store<f32>(to + (<usize>(l * K) << 2), load<f32>(sums + (<usize>l << 2)));
    }
  }
}
