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
