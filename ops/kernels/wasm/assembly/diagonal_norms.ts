// The shared diagonal kernel's forward, in AssemblyScript: `npm run build:kernels` compiles it
// into ../diagonal_norms_module.ts, which ops/kernels/wasm/diagonal_norms.ts runs. For rows x
// [N, D] it writes the whitened rows u = (x - c) r [N, D] (the backward's input) and the squared
// norms relu(sum_j a_kj u_j^2 + w_kj u_j + b_k) [N, K]: the tf-ops form's centring, scaling,
// square, two matmuls, broadcast additions and relu (seven passes over [N, D] or [N, K]) in one.

/** The second row's norms of the last fourComponents call. */
let normsB: v128 = f32x4.splat(0);

/**
 * The quadratic and the linear part of two rows' norms for components k0..k0+3 (lanes), over
 * every feature: four independent sums, where one would wait on its own additions.
 */
@inline function fourComponents(D: i32, K4: i32, k0: i32, uA: usize, uB: usize, quadratic: usize, linear: usize, constant: v128): v128 {
  let qA = f32x4.splat(0);
  let lA = constant;
  let qB = f32x4.splat(0);
  let lB = constant;
  for (let j = 0; j < D; j++) {
    const at = <usize>(j * K4 + k0) << 2;
    const q = v128.load(quadratic + at);
    const l = v128.load(linear + at);
    const a = v128.load32_splat(uA + (<usize>j << 2));
    const b = v128.load32_splat(uB + (<usize>j << 2));
    qA = f32x4.add(qA, f32x4.mul(q, f32x4.mul(a, a)));
    lA = f32x4.add(lA, f32x4.mul(l, a));
    qB = f32x4.add(qB, f32x4.mul(q, f32x4.mul(b, b)));
    lB = f32x4.add(lB, f32x4.mul(l, b));
  }
  normsB = f32x4.max(f32x4.add(qB, lB), f32x4.splat(0));
  return f32x4.max(f32x4.add(qA, lA), f32x4.splat(0));
}

/** u[n, :] = (x[n, :] - c) r. */
@inline function whiten(D: i32, x: usize, center: usize, scale: usize, u: usize): void {
  for (let j = 0; j < D; j++) {
    const at = <usize>j << 2;
    store<f32>(u + at, (load<f32>(x + at) - load<f32>(center + at)) * load<f32>(scale + at));
  }
}

/** Stores the first `count` lanes of v at `to`. */
@inline function storeLanes(to: usize, v: v128, count: i32): void {
  if (count === 4) {
    v128.store(to, v);
    return;
  }
  store<f32>(to, f32x4.extract_lane(v, 0));
  if (count > 1) store<f32>(to, f32x4.extract_lane(v, 1), 4);
  if (count > 2) store<f32>(to, f32x4.extract_lane(v, 2), 8);
}

/**
 * u = (x - c) r [N, D] and out[n, k] = max(0, sum_j quadratic[j, k] u[n, j]^2 + linear[j, k]
 * u[n, j] + constant[k]) [N, K], all row-major float32; `quadratic` and `linear` are [D, K4] and
 * `constant` [K4] with K4 = K rounded up to a multiple of four (the padding's values are never
 * stored). Two rows at a time; nothing past a tensor is read, and only u and out are written.
 */
export function diagonalSquaredNorms(
  N: i32,
  K: i32,
  D: i32,
  x: usize,
  center: usize,
  scale: usize,
  quadratic: usize,
  linear: usize,
  constant: usize,
  u: usize,
  out: usize,
): void {
  const K4 = (K + 3) & ~3;
  for (let n = 0; n < N; n += 2) {
    const uA = u + (<usize>(n * D) << 2);
    whiten(D, x + (<usize>(n * D) << 2), center, scale, uA);
    const pair = n + 1 < N;
    // A lone last row is paired with itself; its copy is never stored.
    const uB = pair ? uA + (<usize>D << 2) : uA;
    if (pair) whiten(D, x + (<usize>((n + 1) * D) << 2), center, scale, uB);
    const toA = out + (<usize>(n * K) << 2);
    const toB = toA + (<usize>K << 2);
    for (let k0 = 0; k0 < K; k0 += 4) {
      const count = min(4, K - k0);
      const normsA = fourComponents(D, K4, k0, uA, uB, quadratic, linear, v128.load(constant + (<usize>k0 << 2)));
      storeLanes(toA + (<usize>k0 << 2), normsA, count);
      if (pair) storeLanes(toB + (<usize>k0 << 2), normsB, count);
    }
  }
}
