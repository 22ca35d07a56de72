// The mixture posterior kernel, in AssemblyScript: `npm run build:kernels` compiles it into
// ../posterior_module.ts, which ops/kernels/wasm/posterior.ts runs. For every row of logits
// [N, K] it writes the responsibilities softmax(row), floored at a given value, and the row's
// log-sum-exp, in float32, one row at a time over four components per SIMD lane group.

import {laneSum} from './lanes';
import {c, vexp, vlog} from './math';

export {offsetColumns, scaleRows} from './rows';

/** The largest of the four lanes, in every lane. */
@inline function laneMax(v: v128): v128 {
  const a = f32x4.max(v, i32x4.shuffle(v, v, 2, 3, 0, 1));
  return f32x4.max(a, i32x4.shuffle(a, a, 1, 0, 3, 2));
}

/** The row maximum of the last {@link rowExps} call. */
let rowMaximum: f32 = 0;

/**
 * Row `n` when its maximum is not finite: log-sum-exp the maximum (+-Infinity or NaN), and
 * responsibilities 0 (NaN for NaN), so that an all -Infinity row has no gradient.
 */
@inline function nonFiniteRow(n: i32, K: i32, resp: usize, m: f32): f32 {
  const fill: f32 = isNaN(m) ? NaN : 0;
  const out = resp + (<usize>(n * K) << 2);
  for (let k = 0; k < K; k++) store<f32>(out + (<usize>k << 2), fill);
  return m;
}

/**
 * Writes exp(logit - max) of row `n` to `resp` and returns their sum; the maximum goes to
 * rowMaximum. The components past the last multiple of four are done one lane at a time.
 */
@inline function rowExps(n: i32, K: i32, logits: usize, resp: usize): f32 {
  const groups = K >> 2;
  const row = logits + (<usize>(n * K) << 2);
  const out = resp + (<usize>(n * K) << 2);
  let m = c(-Infinity);
  for (let g = 0; g < groups; g++) m = f32x4.max(m, v128.load(row + (<usize>g << 4)));
  for (let k = groups << 2; k < K; k++) m = f32x4.max(m, f32x4.splat(load<f32>(row + (<usize>k << 2))));
  m = laneMax(m);
  rowMaximum = f32x4.extract_lane(m, 0);
  // A non-finite maximum: the caller's nonFiniteRow writes the row (sum 0 marks it).
  if (!isFinite(rowMaximum)) return 0;
  let sums = c(0);
  for (let g = 0; g < groups; g++) {
    const e = vexp(f32x4.sub(v128.load(row + (<usize>g << 4)), m));
    v128.store(out + (<usize>g << 4), e);
    sums = f32x4.add(sums, e);
  }
  let sum = laneSum(sums);
  for (let k = groups << 2; k < K; k++) {
    const e = f32x4.extract_lane(vexp(f32x4.sub(f32x4.splat(load<f32>(row + (<usize>k << 2))), m)), 0);
    store<f32>(out + (<usize>k << 2), e);
    sum += e;
  }
  return sum;
}

/** Scales row `n` of `resp` by `scale` and floors it at `floor`. */
@inline function scaleRow(n: i32, K: i32, resp: usize, scale: f32, floor: f32): void {
  const groups = K >> 2;
  const out = resp + (<usize>(n * K) << 2);
  const s = f32x4.splat(scale);
  for (let g = 0; g < groups; g++) {
    const p = out + (<usize>g << 4);
    v128.store(p, f32x4.max(f32x4.mul(v128.load(p), s), f32x4.splat(floor)));
  }
  for (let k = groups << 2; k < K; k++) {
    const p = out + (<usize>k << 2);
    store<f32>(p, max(load<f32>(p) * scale, floor));
  }
}

/**
 * Row `n`'s results from its exps' sum (0 for a non-finite maximum, else at least 1: the maximum's
 * own term), the log of that sum added to the maximum, and 1 / sum.
 */
@inline function finishRow(
  n: i32,
  K: i32,
  resp: usize,
  logSumExp: usize,
  sum: f32,
  maximum: f32,
  total: f32,
  scale: f32,
  floor: f32,
): void {
  const out = logSumExp + (<usize>n << 2);
  if (sum == 0) {
    store<f32>(out, nonFiniteRow(n, K, resp, maximum));
  } else {
    scaleRow(n, K, resp, scale, floor);
    store<f32>(out, total);
  }
}

/**
 * Rows [0, N) of logits [N, K] (row-major, 4-byte aligned): responsibilities softmax(row),
 * floored at `floor`, to `resp` (which may be `logits`) and log-sum-exps [N] to `logSumExp`. The
 * logs of four rows' sums are taken together, one per lane. A row whose maximum is not finite
 * gets that maximum as its log-sum-exp and responsibilities 0 (NaN for a NaN maximum).
 */
export function posterior(N: i32, K: i32, logits: usize, resp: usize, logSumExp: usize, floor: f32): void {
  for (let n = 0; n < N; n += 4) {
    const rows = min(4, N - n);
    // Lanes past the last row: sum 1, maximum 0 (their results are not stored).
    let sums = c(1);
    let maxima = c(0);
    sums = f32x4.replace_lane(sums, 0, rowExps(n, K, logits, resp));
    maxima = f32x4.replace_lane(maxima, 0, rowMaximum);
    if (rows > 1) {
      sums = f32x4.replace_lane(sums, 1, rowExps(n + 1, K, logits, resp));
      maxima = f32x4.replace_lane(maxima, 1, rowMaximum);
    }
    if (rows > 2) {
      sums = f32x4.replace_lane(sums, 2, rowExps(n + 2, K, logits, resp));
      maxima = f32x4.replace_lane(maxima, 2, rowMaximum);
    }
    if (rows > 3) {
      sums = f32x4.replace_lane(sums, 3, rowExps(n + 3, K, logits, resp));
      maxima = f32x4.replace_lane(maxima, 3, rowMaximum);
    }
    const totals = f32x4.add(maxima, vlog(sums));
    const scales = f32x4.div(c(1), sums);
    finishRow(n, K, resp, logSumExp, f32x4.extract_lane(sums, 0), f32x4.extract_lane(maxima, 0),
      f32x4.extract_lane(totals, 0), f32x4.extract_lane(scales, 0), floor);
    if (rows > 1) {
      finishRow(n + 1, K, resp, logSumExp, f32x4.extract_lane(sums, 1), f32x4.extract_lane(maxima, 1),
        f32x4.extract_lane(totals, 1), f32x4.extract_lane(scales, 1), floor);
    }
    if (rows > 2) {
      finishRow(n + 2, K, resp, logSumExp, f32x4.extract_lane(sums, 2), f32x4.extract_lane(maxima, 2),
        f32x4.extract_lane(totals, 2), f32x4.extract_lane(scales, 2), floor);
    }
    if (rows > 3) {
      finishRow(n + 3, K, resp, logSumExp, f32x4.extract_lane(sums, 3), f32x4.extract_lane(maxima, 3),
        f32x4.extract_lane(totals, 3), f32x4.extract_lane(scales, 3), floor);
    }
  }
}

/** Lanes 0..rows-1 of `v` to the floats at `at`, at..at+rows-1 (a whole vector when rows is 4). */
@inline function storeLanes(at: usize, v: v128, rows: i32): void {
  if (rows == 4) {
    v128.store(at, v);
    return;
  }
  store<f32>(at, f32x4.extract_lane(v, 0));
  if (rows > 1) store<f32>(at + 4, f32x4.extract_lane(v, 1));
  if (rows > 2) store<f32>(at + 8, f32x4.extract_lane(v, 2));
}

/**
 * Logits of rows n..n+rows-1 (rows <= 4), one row per lane, to `scratch` ([K] vectors: component
 * k's four rows at scratch + 16 k); lanes past `rows` get 0. Returns the lane-wise maximum over k.
 * Whole rows of four components go through one 4 x 4 transpose of four vector loads.
 */
@inline function rowsToLanes(n: i32, rows: i32, K: i32, logits: usize, scratch: usize): v128 {
  let m = c(-Infinity);
  let k = 0;
  if (rows == 4) {
    const r0 = logits + (<usize>(n * K) << 2);
    const r1 = r0 + (<usize>K << 2);
    const r2 = r1 + (<usize>K << 2);
    const r3 = r2 + (<usize>K << 2);
    for (; k + 4 <= K; k += 4) {
      const at = <usize>k << 2;
      const a = v128.load(r0 + at);
      const b = v128.load(r1 + at);
      const cc = v128.load(r2 + at);
      const d = v128.load(r3 + at);
      const ab01 = i32x4.shuffle(a, b, 0, 4, 1, 5);
      const ab23 = i32x4.shuffle(a, b, 2, 6, 3, 7);
      const cd01 = i32x4.shuffle(cc, d, 0, 4, 1, 5);
      const cd23 = i32x4.shuffle(cc, d, 2, 6, 3, 7);
      const v0 = i32x4.shuffle(ab01, cd01, 0, 1, 4, 5);
      const v1 = i32x4.shuffle(ab01, cd01, 2, 3, 6, 7);
      const v2 = i32x4.shuffle(ab23, cd23, 0, 1, 4, 5);
      const v3 = i32x4.shuffle(ab23, cd23, 2, 3, 6, 7);
      const out = scratch + (<usize>k << 4);
      v128.store(out, v0);
      v128.store(out + 16, v1);
      v128.store(out + 32, v2);
      v128.store(out + 48, v3);
      m = f32x4.max(f32x4.max(m, f32x4.max(v0, v1)), f32x4.max(v2, v3));
    }
  }
  for (; k < K; k++) {
    let v = c(0);
    const column = logits + (<usize>(n * K + k) << 2);
    v = f32x4.replace_lane(v, 0, load<f32>(column));
    if (rows > 1) v = f32x4.replace_lane(v, 1, load<f32>(column + (<usize>K << 2)));
    if (rows > 2) v = f32x4.replace_lane(v, 2, load<f32>(column + (<usize>(2 * K) << 2)));
    if (rows > 3) v = f32x4.replace_lane(v, 3, load<f32>(column + (<usize>(3 * K) << 2)));
    v128.store(scratch + (<usize>k << 4), v);
    m = f32x4.max(m, v);
  }
  return m;
}

/**
 * {@link posterior} with the responsibilities written transposed: component k's for row n at
 * respT + 4 (k stride + n) ([K, stride] row-major, stride >= N), as the M-step's R^T Z takes
 * them. Four rows go through together, one per lane, so the maximum, the sum and the scaling are
 * vertical operations; `scratch` holds K vectors (16 K bytes, 16-byte aligned). The same values
 * as {@link posterior} up to the order of each row's sum.
 */
export function posteriorTransposed(
  N: i32,
  K: i32,
  logits: usize,
  respT: usize,
  stride: i32,
  logSumExp: usize,
  floor: f32,
  scratch: usize,
): void {
  const floors = f32x4.splat(floor);
  for (let n = 0; n < N; n += 4) {
    const rows = min(4, N - n);
    const m = rowsToLanes(n, rows, K, logits, scratch);
    let sums = c(0);
    for (let k = 0; k < K; k++) {
      const at = scratch + (<usize>k << 4);
      const e = vexp(f32x4.sub(v128.load(at), m));
      v128.store(at, e);
      sums = f32x4.add(sums, e);
    }
    // A lane whose maximum is not finite: log-sum-exp the maximum, responsibilities 0 (NaN for NaN).
    const finite = f32x4.eq(f32x4.sub(m, m), c(0));
    const fill = v128.bitselect(c(0), c(NaN), f32x4.eq(m, m));
    const scales = f32x4.div(c(1), sums);
    storeLanes(logSumExp + (<usize>n << 2), v128.bitselect(f32x4.add(m, vlog(sums)), m, finite), rows);
    for (let k = 0; k < K; k++) {
      const r = f32x4.max(f32x4.mul(v128.load(scratch + (<usize>k << 4)), scales), floors);
      storeLanes(respT + (<usize>(k * stride + n) << 2), v128.bitselect(r, fill, finite), rows);
    }
  }
}
