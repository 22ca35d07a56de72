// The fused mixture-density NLL kernel, in AssemblyScript: `npm run build:kernels` compiles it
// into ../mdn_nll_module.ts, which ops/mdn/fused_kernel.ts runs. One call computes, for every row,
// the NLL and its gradients w.r.t. the packed head output and the target, with the formulas of
// ops/mdn/loss_op.ts, in float32, four rows at a time (one per SIMD lane).

import {FLOAT32_MAX, HALF_LOG_2PI, c, vexp, vlog, vlog1p} from './math';

export {scaleRows} from './rows';

@inline function clipToFinite(v: v128): v128 {
  return f32x4.min(f32x4.max(v, c(-FLOAT32_MAX)), c(FLOAT32_MAX));
}

@inline function at(base: usize, i: i32): v128 {
  return v128.load(base + (<usize>i << 4));
}

@inline function put(base: usize, i: i32, v: v128): void {
  v128.store(base + (<usize>i << 4), v);
}

/**
 * Over K lanes-of-rows values at `from`: writes exp(v_k - max) to `to` (which may be `from`) and
 * the maximum (clipped to finite, so that a row of -Infinity gets exps 0) to `maxAt`; returns the
 * exps' sum.
 */
@inline function shiftedExps(from: usize, to: usize, K: i32, maxAt: usize): v128 {
  let m = c(-Infinity);
  for (let k = 0; k < K; k++) m = f32x4.max(m, at(from, k));
  m = clipToFinite(m);
  v128.store(maxAt, m);
  let sum = c(0);
  for (let k = 0; k < K; k++) {
    const e = vexp(f32x4.sub(at(from, k), m));
    put(to, k, e);
    sum = f32x4.add(sum, e);
  }
  return sum;
}

/** Column `col` of four rows `stride` floats apart, one row per lane. */
@inline function gather(rows: usize, stride: i32, col: i32): v128 {
  const p = rows + (<usize>col << 2);
  const step = <usize>stride << 2;
  let v = f32x4.splat(load<f32>(p));
  v = f32x4.replace_lane(v, 1, load<f32>(p + step));
  v = f32x4.replace_lane(v, 2, load<f32>(p + 2 * step));
  return f32x4.replace_lane(v, 3, load<f32>(p + 3 * step));
}

/** Writes the lanes of v to column `col` of four rows `stride` floats apart. */
@inline function scatter(rows: usize, stride: i32, col: i32, v: v128): void {
  const p = rows + (<usize>col << 2);
  const step = <usize>stride << 2;
  store<f32>(p, f32x4.extract_lane(v, 0));
  store<f32>(p + step, f32x4.extract_lane(v, 1));
  store<f32>(p + 2 * step, f32x4.extract_lane(v, 2));
  store<f32>(p + 3 * step, f32x4.extract_lane(v, 3));
}

/** Bytes of scratch memory `mdnNll` needs for (K, D, P). */
export function scratchBytes(K: i32, D: i32, P: i32): i32 {
  return 16 * (2 * P + 2 * D + 4 * K * D + 2 * K + 1);
}

/**
 * Rows [0, N) (N a multiple of 4) of targets yTrue [N, D] and packed outputs yPred [N, P]:
 * nll [N], and the gradients of each row's NLL w.r.t. its packed output, dPred [N, P], and its
 * target, dTrue [N, D]. kind: 0 diag, 1 spherical, 2 full. `scratch` is 16-byte aligned and holds
 * scratchBytes(K, D, P) bytes.
 */
export function mdnNll(
  N: i32,
  K: i32,
  D: i32,
  kind: i32,
  minScale: f32,
  yTrue: usize,
  yPred: usize,
  nll: usize,
  dPred: usize,
  dTrue: usize,
  scratch: usize,
): void {
  const KD = K * D;
  const M = (D * (D - 1)) >> 1;
  const spherical = kind == 1;
  const full = kind == 2 && M > 0;
  const P = K + KD + (spherical ? K : KD) + (kind == 2 ? K * M : 0);
  const scalesAt = K + KD;
  const coefficientsAt = K + 2 * KD;
  // Scratch, in lanes of four rows: the packed rows, targets, per-coordinate sigma, sigmoid(raw),
  // z and residuals e, per-component prior weights and (log-)posteriors, gradients, a maximum.
  const X = scratch;
  const Y = X + (<usize>P << 4);
  const T = Y + (<usize>D << 4);
  const sigmaOf = T + (<usize>D << 4);
  const sigmoidOf = sigmaOf + (<usize>KD << 4);
  const zOf = sigmoidOf + (<usize>KD << 4);
  const eOf = zOf + (<usize>KD << 4);
  const W = eOf + (<usize>KD << 4);
  const A = W + (<usize>K << 4);
  const G = A + (<usize>K << 4);
  const maxAt = G + (<usize>P << 4);
  const halfRoot = c(0.7071067811865476);
  const root2 = c(1.4142135623730951);
  const one = c(1);
  for (let n = 0; n < N; n += 4) {
    const rows = yPred + (<usize>(n * P) << 2);
    const targets = yTrue + (<usize>(n * D) << 2);
    for (let col = 0; col < P; col++) put(X, col, gather(rows, P, col));
    for (let d = 0; d < D; d++) put(Y, d, gather(targets, D, d));

    // Prior weights: exp(logit - max logit).
    const priorSum = shiftedExps(X, W, K, maxAt);
    const m1 = v128.load(maxAt);

    // Per component: sigma = minScale + softplus(raw), z and the residuals e (both over sqrt(2)),
    // and a_k = logit_k - m1 - sum log sigma - |e|^2 / 2.
    for (let k = 0; k < K; k++) {
      let logSigma = c(0);
      const scales = spherical ? 1 : D;
      for (let s = 0; s < scales; s++) {
        const raw = at(X, scalesAt + (spherical ? k : k * D + s));
        const t = vexp(f32x4.neg(f32x4.abs(raw)));
        const sigma = f32x4.add(f32x4.add(c(minScale), f32x4.max(raw, c(0))), vlog1p(t));
        const sig = f32x4.div(v128.bitselect(one, t, f32x4.ge(raw, c(0))), f32x4.add(one, t));
        const logS = vlog(sigma);
        if (spherical) {
          for (let d = 0; d < D; d++) {
            put(sigmaOf, k * D + d, sigma);
            put(sigmoidOf, k * D + d, sig);
          }
          logSigma = f32x4.mul(logS, c(<f32>D));
        } else {
          put(sigmaOf, k * D + s, sigma);
          put(sigmoidOf, k * D + s, sig);
          logSigma = f32x4.add(logSigma, logS);
        }
      }
      let quadratic = c(0);
      for (let j = 0; j < D; j++) {
        // z / sqrt(2), so that the squares are already halved: |z| up to ~2.6e19 stays finite.
        const z = f32x4.div(f32x4.mul(f32x4.sub(at(Y, j), at(X, K + k * D + j)), halfRoot), at(sigmaOf, k * D + j));
        put(zOf, k * D + j, z);
        let e = z;
        if (full) {
          const c0 = coefficientsAt + k * M + ((j * (j - 1)) >> 1);
          for (let i = 0; i < j; i++) e = f32x4.sub(e, f32x4.mul(at(X, c0 + i), at(zOf, k * D + i)));
        }
        put(eOf, k * D + j, e);
        quadratic = f32x4.add(quadratic, f32x4.mul(e, e));
      }
      put(A, k, f32x4.sub(f32x4.sub(f32x4.sub(at(X, k), m1), logSigma), quadratic));
    }

    // NLL = log sum w - log sum exp(a) + D/2 log(2 pi), both shifted by their maxima.
    const posteriorSum = shiftedExps(A, A, K, maxAt);
    const m2 = v128.load(maxAt);
    const value = f32x4.add(
      f32x4.sub(vlog(priorSum), f32x4.add(m2, vlog(posteriorSum))),
      c(<f32>D * HALF_LOG_2PI),
    );
    const nllLane = nll + (<usize>n << 2);
    v128.store(nllLane, value);

    // Gradients; a row of -Infinity logits has sums 0: scaled by 1, its weights stay 0.
    const priorScale = f32x4.div(one, f32x4.max(priorSum, one));
    const posteriorScale = f32x4.div(one, f32x4.max(posteriorSum, one));
    for (let d = 0; d < D; d++) put(T, d, c(0));
    for (let k = 0; k < K; k++) {
      const r = f32x4.mul(at(A, k), posteriorScale);
      put(G, k, f32x4.sub(f32x4.mul(at(W, k), priorScale), r));
      // spherical: r sigmoid(raw) / sigma first, 0 wherever either factor is, then its products.
      const sphericalScaled = spherical ? f32x4.mul(f32x4.div(r, at(sigmaOf, k * D)), at(sigmoidOf, k * D)) : c(0);
      let sphericalSum = c(0);
      for (let i = 0; i < D; i++) {
        // gz = e - C e: the residuals fed back through the coefficients.
        let gz = at(eOf, k * D + i);
        if (full) {
          for (let j = i + 1; j < D; j++) {
            const cji = at(X, coefficientsAt + k * M + ((j * (j - 1)) >> 1) + i);
            gz = f32x4.sub(gz, f32x4.mul(cji, at(eOf, k * D + j)));
          }
        }
        const z = at(zOf, k * D + i);
        const rOverSigma = f32x4.div(r, at(sigmaOf, k * D + i));
        const dMean = f32x4.neg(f32x4.mul(f32x4.mul(rOverSigma, gz), root2));
        put(G, K + k * D + i, dMean);
        put(T, i, f32x4.sub(at(T, i), dMean));
        if (spherical) {
          sphericalSum = f32x4.add(sphericalSum, f32x4.mul(f32x4.mul(sphericalScaled, gz), f32x4.add(z, z)));
        } else {
          // r sigmoid(raw) / sigma first: 0 wherever either factor is.
          const scaled = f32x4.mul(rOverSigma, at(sigmoidOf, k * D + i));
          put(G, scalesAt + k * D + i, f32x4.sub(scaled, f32x4.mul(f32x4.mul(scaled, gz), f32x4.add(z, z))));
        }
      }
      if (spherical) {
        put(G, scalesAt + k, f32x4.sub(f32x4.mul(sphericalScaled, c(<f32>D)), sphericalSum));
      }
      if (full) {
        for (let j = 1; j < D; j++) {
          const rE = f32x4.mul(f32x4.mul(r, at(eOf, k * D + j)), c(-2));
          const c0 = coefficientsAt + k * M + ((j * (j - 1)) >> 1);
          for (let i = 0; i < j; i++) put(G, c0 + i, f32x4.mul(rE, at(zOf, k * D + i)));
        }
      }
    }
    const gradRows = dPred + (<usize>(n * P) << 2);
    for (let col = 0; col < P; col++) scatter(gradRows, P, col, at(G, col));
    const targetRows = dTrue + (<usize>(n * D) << 2);
    for (let d = 0; d < D; d++) scatter(targetRows, D, d, at(T, d));
  }
}
