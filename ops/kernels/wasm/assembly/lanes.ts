// Four-lane helpers the kernels share (inlined where used).

/** The sum of the four lanes. */
@inline export function laneSum(v: v128): f32 {
  const a = f32x4.add(v, i32x4.shuffle(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(f32x4.add(a, i32x4.shuffle(a, a, 1, 0, 3, 2)), 0);
}

/** Adds v to the four lane sums stored at `at`. */
@inline export function addToLanes(at: usize, v: v128): void {
  v128.store(at, f32x4.add(v128.load(at), v));
}

/**
 * Rows n0..n0+rows-1 of a row-major [*, C] matrix transposed: column c to `to + c * stride`
 * floats, zero past `rows` up to `padded` (the moments kernels' blocks, one row per lane).
 */
@inline export function transposeRows(from: usize, C: i32, n0: i32, rows: i32, padded: i32, to: usize, stride: i32): void {
  for (let c = 0; c < C; c++) {
    const column = to + (<usize>(c * stride) << 2);
    for (let l = 0; l < padded; l++)
      store<f32>(column + (<usize>l << 2), l < rows ? load<f32>(from + (<usize>((n0 + l) * C + c) << 2)) : 0);
  }
}
