// Float32 SIMD math shared by the kernels (AssemblyScript, inlined where used): exp for
// arguments <= 0, log and log1p, each within ~3 ulp of float32 (measured against float64).

// Constants are splatted where used; the compiler folds them.
@inline export function c(v: f32): v128 {
  return f32x4.splat(v);
}

export const FLOAT32_MAX: f32 = 3.4028234663852886e38;
export const HALF_LOG_2PI: f32 = 0.9189385332046727;

/**
 * exp(x) per lane for x <= 0 (every argument here is shifted by a maximum, or -|raw|): within
 * 3.1 ulp of float32 (measured over [-87.3, 0]); 0 where exp(x) is below the smallest normal float32 (no
 * subnormals) and at -Infinity, NaN for NaN.
 */
@inline export function vexp(x: v128): v128 {
  const n = f32x4.nearest(f32x4.mul(x, c(1.4426950408889634)));
  // x - n ln 2 in two parts (Cody and Waite): |r| <= ln 2 / 2.
  let r = f32x4.sub(x, f32x4.mul(n, c(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, c(-2.12194440e-4)));
  let p = f32x4.add(c(1.0 / 120), f32x4.mul(r, c(1.0 / 720)));
  p = f32x4.add(c(1.0 / 24), f32x4.mul(r, p));
  p = f32x4.add(c(1.0 / 6), f32x4.mul(r, p));
  p = f32x4.add(c(0.5), f32x4.mul(r, p));
  p = f32x4.add(f32x4.add(c(1), r), f32x4.mul(f32x4.mul(r, r), p));
  // 2^n from its exponent bits; n >= -126 wherever the result is kept.
  const y = f32x4.mul(p, i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23));
  return v128.bitselect(c(0), y, f32x4.lt(x, c(-87.33654)));
}

/**
 * log(x) per lane for x >= 0 (subnormals included): within 2.5 ulp (measured); -Infinity at 0,
 * Infinity at Infinity.
 */
@inline export function vlog(x: v128): v128 {
  const tiny = f32x4.lt(x, c(1.17549435e-38));
  const bits = v128.bitselect(f32x4.mul(x, c(8388608)), x, tiny);
  let exponent = i32x4.sub(i32x4.shr_s(bits, 23), i32x4.splat(127));
  let m = v128.or(v128.and(bits, i32x4.splat(0x007fffff)), i32x4.splat(0x3f800000));
  // m in [sqrt(1/2), sqrt(2)): log m = 2 atanh(s), s = (m - 1) / (m + 1), |s| <= 0.172.
  const high = f32x4.gt(m, c(1.4142135623730951));
  m = v128.bitselect(f32x4.mul(m, c(0.5)), m, high);
  exponent = i32x4.sub(exponent, high);
  let e = f32x4.convert_i32x4_s(exponent);
  e = v128.bitselect(f32x4.sub(e, c(23)), e, tiny);
  const s = f32x4.div(f32x4.sub(m, c(1)), f32x4.add(m, c(1)));
  const s2 = f32x4.mul(s, s);
  let q = f32x4.add(c(1.0 / 7), f32x4.mul(s2, c(1.0 / 9)));
  q = f32x4.add(c(1.0 / 5), f32x4.mul(s2, q));
  q = f32x4.add(c(1.0 / 3), f32x4.mul(s2, q));
  const logM = f32x4.mul(f32x4.add(s, s), f32x4.add(c(1), f32x4.mul(s2, q)));
  let y = f32x4.add(f32x4.mul(e, c(0.693359375)), f32x4.add(f32x4.mul(e, c(-2.12194440e-4)), logM));
  y = v128.bitselect(c(-Infinity), y, f32x4.eq(x, c(0)));
  return v128.bitselect(x, y, f32x4.eq(x, c(Infinity)));
}

/**
 * log(1 + t) per lane for t in [0, 1], within 3 ulp (measured): 2 atanh(s), s = t / (2 + t) <= 1/3,
 * by its series to s^15.
 */
@inline export function vlog1p(t: v128): v128 {
  const s = f32x4.div(t, f32x4.add(c(2), t));
  const s2 = f32x4.mul(s, s);
  let q = f32x4.add(c(1.0 / 13), f32x4.mul(s2, c(1.0 / 15)));
  q = f32x4.add(c(1.0 / 11), f32x4.mul(s2, q));
  q = f32x4.add(c(1.0 / 9), f32x4.mul(s2, q));
  q = f32x4.add(c(1.0 / 7), f32x4.mul(s2, q));
  q = f32x4.add(c(1.0 / 5), f32x4.mul(s2, q));
  q = f32x4.add(c(1.0 / 3), f32x4.mul(s2, q));
  return f32x4.mul(f32x4.add(s, s), f32x4.add(c(1), f32x4.mul(s2, q)));
}
