// Row-wise helpers the kernel modules export (each entry re-exports what its JavaScript side uses).

/**
 * out[n, :] = rows[n, :] * scales[n] for rows [N, P] (row-major, 4-byte aligned): the backward's
 * upstream gradient onto the saved per-row gradients. `out` may be `rows`.
 */
export function scaleRows(N: i32, P: i32, rows: usize, scales: usize, out: usize): void {
  const groups = P >> 2;
  for (let n = 0; n < N; n++) {
    const scale = load<f32>(scales + (<usize>n << 2));
    const s = f32x4.splat(scale);
    const from = rows + (<usize>(n * P) << 2);
    const to = out + (<usize>(n * P) << 2);
    for (let g = 0; g < groups; g++) v128.store(to + (<usize>g << 4), f32x4.mul(v128.load(from + (<usize>g << 4)), s));
    for (let p = groups << 2; p < P; p++) store<f32>(to + (<usize>p << 2), load<f32>(from + (<usize>p << 2)) * scale);
  }
}
