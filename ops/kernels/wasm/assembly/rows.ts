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

/**
 * out[n, c] = offsets[c] + scale * rows[n, c] for rows [N, C] (row-major, 4-byte aligned): the
 * log-probabilities from the squared norms and each component's constant, one pass where tf ops
 * take a scalar multiply and a broadcast subtraction (the slow kind on wasm). `out` may be `rows`.
 */
export function offsetColumns(N: i32, C: i32, rows: usize, scale: f32, offsets: usize, out: usize): void {
  const groups = C >> 2;
  const s = f32x4.splat(scale);
  for (let n = 0; n < N; n++) {
    const from = rows + (<usize>(n * C) << 2);
    const to = out + (<usize>(n * C) << 2);
    for (let g = 0; g < groups; g++) {
      const at = <usize>g << 4;
      v128.store(to + at, f32x4.add(v128.load(offsets + at), f32x4.mul(v128.load(from + at), s)));
    }
    for (let c = groups << 2; c < C; c++) {
      const at = <usize>c << 2;
      store<f32>(to + at, load<f32>(offsets + at) + load<f32>(from + at) * scale);
    }
  }
}
