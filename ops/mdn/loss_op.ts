/**
 * The negative log-likelihood of a mixture-density head's packed output (layout in `spec.ts`) as
 * one op: decoding and the per-sample log-density are fused, and the hand-written VJP goes straight
 * to the packed [N, P] output (and, lazily, to the targets), so backprop runs no per-piece slices,
 * concats or their gradients.
 *
 * Everything works in two widths, [N, K] per component and [N, K D] per coordinate (component-major,
 * as the packed means), with leading-axis broadcasts only. Pieces of the packed row are read by
 * matmuls with constant 0/1 matrices (column slices are slow on cpu and wasm, see
 * docs/DEVELOPING.md), and so are copies of per-component values onto their coordinates (sums over
 * coordinates are reductions: a 0/1 matmul would turn a square that overflowed into NaN); the
 * gradient is assembled by zero-padding each piece to [N, P].
 *
 * With z = (y - mu) / sigma (diag, spherical) or the autoregressive residuals e = (I - C^T) z
 * (full, see `spec.ts`), and cost_k = sum_d log sigma_kd + |e_k|^2 / 2:
 *
 *   NLL = lse(logits) - lse(logits - cost) + D/2 log(2 pi)
 *
 * and, with responsibilities r = softmax(logits - cost), weights w = softmax(logits), g the
 * upstream gradient, gz = e - C e (= z for diag and spherical):
 *
 *   d/dlogits = g (w - r),  d/dmu = -g r gz / sigma,
 *   d/dr_raw  = g r sigmoid(r_raw) (1 - gz z) / sigma  (per coordinate; spherical sums over d),
 *   d/dc[j][i] = -g r e_j z_i,  d/dy = -sum_k d/dmu_k.
 *
 * The op carries z / sqrt(2) (folded into the matrices that form y - mu), so the squares are
 * already halved. Products are ordered so that a zero factor (a responsibility that underflowed,
 * sigmoid(r_raw) = 0 at the minScale floor) meets only finite ones: finite gradients, never NaN,
 * wherever the NLL itself fits float32.
 */
import * as tf from '@tensorflow/tfjs-core';

import {GradientThunks, runWithGradientThunks} from '../internal/lazy_gradient_op';
import {FLOAT32_MAX} from '../mixture_log_likelihood';
import {acrossRow} from '../util/across_row';
import {fusedMdnNegLogLikelihood, fusedMdnNllAvailable} from './fused_kernel';
import {ResolvedMdnSpec} from './spec';

const LOG_2PI = Math.log(2 * Math.PI);

/** Constant matrices of one (K, D, covariance type), as [rows, cols, values]. */
type Matrix = [number, number, Float32Array];

interface LossMatrices {
  /** [P, K]: the logits. */
  logits: Matrix;
  /** [P, K D]: -mu / sqrt(2). */
  means: Matrix;
  /** [D, K D]: y_d / sqrt(2) on every component's coordinate d. */
  targets: Matrix;
  /** [K D, D]: sqrt(2) times the sums over components, per coordinate (d/dy). */
  targetSums: Matrix;
  /** [P, S]: the raw scales (S = K D, or K for spherical). */
  scales: Matrix;
  /** [K, K D]: a component's value on each of its coordinates. */
  expand: Matrix;
  /** full, D > 1: [P, K M] the coefficients c (M = D (D - 1) / 2). */
  coefficients?: Matrix;
  /** [K D, K M]: z_i onto coefficient c[k][j][i]. */
  pickI?: Matrix;
  /** [K M, K D]: coefficient (j, i) onto coordinate j. */
  placeJ?: Matrix;
  /** [K D, K M]: e_j onto coefficient c[k][j][i] (placeJ transposed). */
  pickJ?: Matrix;
  /** [K M, K D]: coefficient (j, i) onto coordinate i (pickI transposed). */
  placeI?: Matrix;
  /** [K, K M]: a component's value on each of its coefficients. */
  expandCoefficients?: Matrix;
}

function zeros(rows: number, cols: number): Matrix {
  return [rows, cols, new Float32Array(rows * cols)];
}

function set([, cols, values]: Matrix, row: number, col: number, value: number): void {
  values[row * cols + col] = value;
}

function transposed([rows, cols, values]: Matrix): Matrix {
  const out = zeros(cols, rows);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) set(out, c, r, values[r * cols + c]);
  return out;
}

const CACHE = new Map<string, LossMatrices>();

/** The constant matrices of a spec, built once per (K, D, covariance type). */
function lossMatrices(spec: ResolvedMdnSpec): LossMatrices {
  const {nComponents: K, outputDim: D, covarianceType, paramsSize: P, scalesSize: S} = spec;
  const key = `${K},${D},${covarianceType}`;
  const cached = CACHE.get(key);
  if (cached) return cached;
  const KD = K * D;
  const half = Math.SQRT1_2;
  const logits = zeros(P, K);
  const means = zeros(P, KD);
  const targets = zeros(D, KD);
  const scales = zeros(P, S);
  const targetSums = zeros(KD, D);
  const expand = zeros(K, KD);
  for (let k = 0; k < K; k++) {
    set(logits, k, k, 1);
    for (let d = 0; d < D; d++) {
      const i = k * D + d;
      set(means, K + i, i, -half);
      set(targets, d, i, half);
      set(targetSums, i, d, Math.SQRT2);
      set(expand, k, i, 1);
    }
  }
  for (let s = 0; s < S; s++) set(scales, K + KD + s, s, 1);
  const matrices: LossMatrices = {
    logits,
    means,
    targets,
    targetSums,
    scales,
    expand,
  };
  const M = (D * (D - 1)) / 2;
  if (covarianceType === 'full' && M > 0) {
    const coefficients = zeros(P, K * M);
    const pickI = zeros(KD, K * M);
    const placeJ = zeros(K * M, KD);
    const expandCoefficients = zeros(K, K * M);
    for (let k = 0; k < K; k++) {
      for (let j = 1; j < D; j++) {
        for (let i = 0; i < j; i++) {
          const m = k * M + (j * (j - 1)) / 2 + i;
          set(coefficients, K + 2 * KD + m, m, 1);
          set(pickI, k * D + i, m, 1);
          set(placeJ, m, k * D + j, 1);
          set(expandCoefficients, k, m, 1);
        }
      }
    }
    Object.assign(matrices, {
      coefficients,
      pickI,
      placeJ,
      pickJ: transposed(placeJ),
      placeI: transposed(pickI),
      expandCoefficients,
    });
  }
  CACHE.set(key, matrices);
  return matrices;
}

function constant([rows, cols, values]: Matrix): tf.Tensor2D {
  return tf.tensor2d(values, [rows, cols]);
}

/**
 * exp(x) for x <= 0 (or -Infinity) as sigmoid(x) / (1 - sigmoid(x)): exact to float32 rounding
 * (1 - sigmoid(x) lies in [1/2, 1)), and on wasm sigmoid is a fast vectorised kernel, ~5x cheaper
 * than exp.
 */
function expNonPositive(x: tf.Tensor): tf.Tensor {
  const s = tf.sigmoid(x);
  return tf.div(s, tf.sub(1, s));
}

/**
 * Max-shifted log-sum-exp over the last axis of [N, K]: the max [N, 1] (clipped to finite), the
 * shifted values t - max [N, K], the log of their exponentials' sums (the log-sum-exp minus the
 * max) [N, 1], the exponentials and their sums [N, 1], at least 1: a row of -Infinity gets a sum of
 * 1 and exponentials 0, so its softmax is 0 instead of NaN, and its log-sum-exp -Infinity.
 */
function logSumExp(t: tf.Tensor): {
  max: tf.Tensor;
  shifted: tf.Tensor;
  logSums: tf.Tensor;
  exps: tf.Tensor;
  sums: tf.Tensor;
} {
  const max = tf.clipByValue(tf.max(t, -1, true), -FLOAT32_MAX, FLOAT32_MAX);
  const shifted = tf.sub(t, acrossRow(max, t.shape[1]!));
  const exps = expNonPositive(shifted);
  const rawSums = tf.sum(exps, -1, true);
  return {max, shifted, logSums: tf.log(rawSums), exps, sums: tf.clipByValue(rawSums, 1, Infinity)};
}

/**
 * Per-row negative log-likelihood [N] of targets [N, D] under the mixtures of a head's packed
 * output [N, P] (both validated, N >= 1), with hand-written gradients w.r.t. both: by the
 * WebAssembly kernel of fused_kernel.ts on host-memory backends, else by the tf ops below.
 */
export function mdnNegLogLikelihood(yTrue: tf.Tensor2D, yPred: tf.Tensor2D, spec: ResolvedMdnSpec): tf.Tensor1D {
  return fusedMdnNllAvailable()
    ? fusedMdnNegLogLikelihood(yTrue, yPred, spec)
    : tfOpsNegLogLikelihood(yTrue, yPred, spec);
}

/** {@link mdnNegLogLikelihood} in tf ops: every backend. */
function tfOpsNegLogLikelihood(yTrue: tf.Tensor2D, yPred: tf.Tensor2D, spec: ResolvedMdnSpec): tf.Tensor1D {
  const {nComponents: K, outputDim: D, covarianceType, minScale, paramsSize: P, coefficientsSize} = spec;
  const N = yPred.shape[0];
  const KD = K * D;
  const matrices = lossMatrices(spec);
  const spherical = covarianceType === 'spherical';
  const full = matrices.coefficients !== undefined;
  // Sums over each component's coordinates, [N, K D] -> [N, K]: a reduction, not a matmul, so that
  // a square that overflowed to Infinity does not meet a 0 (Infinity * 0 = NaN).
  const sumPerComponent = (t: tf.Tensor) => tf.sum(tf.reshape(t, [N, K, D]), -1);

  const forward = (save: tf.GradSaveFunc): tf.Tensor => {
    const logits = tf.matMul(yPred, constant(matrices.logits));
    // (y - mu) / sqrt(2), [N, K D].
    const differences = tf.add(
      tf.matMul(yTrue, constant(matrices.targets)),
      tf.matMul(yPred, constant(matrices.means)),
    );
    const raw = tf.matMul(yPred, constant(matrices.scales));
    // sigma = minScale + softplus(raw), softplus(r) = relu(r) + log1p(exp(-|r|)) and
    // log1p(exp(-|r|)) = -log1p(-sigmoid(-|r|)): accurate on both sides of the knee.
    const sigma = tf.sub(tf.add(tf.relu(raw), minScale), tf.log1p(tf.neg(tf.sigmoid(tf.neg(tf.abs(raw))))));
    const coordinateSigma = spherical ? tf.matMul(sigma, constant(matrices.expand)) : sigma;
    const z = tf.div(differences, coordinateSigma);
    let residuals = z;
    const extra: tf.Tensor[] = spherical ? [coordinateSigma] : [];
    if (full) {
      const coefficients = tf.matMul(yPred, constant(matrices.coefficients!));
      const zAtCoefficients = tf.matMul(z, constant(matrices.pickI!));
      residuals = tf.sub(z, tf.matMul(tf.mul(coefficients, zAtCoefficients), constant(matrices.placeJ!)));
      extra.push(residuals, coefficients, zAtCoefficients);
    }
    const logSigma = tf.log(sigma);
    const cost = spherical
      ? tf.add(tf.mul(logSigma, D), sumPerComponent(tf.square(residuals)))
      : sumPerComponent(tf.add(logSigma, tf.square(residuals)));
    // Shifted logits first: logits of 1e30 would swallow the costs.
    const prior = logSumExp(logits);
    const weighted = logSumExp(tf.sub(prior.shifted, cost));
    // Saved tensors are copied: only what the backward cannot get cheaper.
    save([weighted.exps, weighted.sums, prior.exps, prior.sums, raw, sigma, z, ...extra]);
    const weightedLse = tf.add(weighted.max, weighted.logSums);
    return tf.reshape(tf.add(tf.sub(prior.logSums, weightedLse), (D / 2) * LOG_2PI), [N]);
  };

  const backward = (dy: tf.Tensor, saved: tf.Tensor[]): GradientThunks => {
    const [exps, sums, priorExps, priorSums, raw, sigma, z, ...extra] = saved;
    const coordinateSigma = spherical ? extra[0] : sigma;
    const [residuals, coefficients, zAtCoefficients] = full ? extra : [z];
    const g = tf.reshape(dy, [N, 1]);
    const expand = () => constant(matrices.expand);
    // g r [N, K], and g r / sigma on the coordinates [N, K D].
    const responsibilities = () => tf.mul(exps, acrossRow(tf.div(g, sums), K));
    const perCoordinate = (gr: tf.Tensor) => tf.div(tf.matMul(gr, expand()), coordinateSigma);
    // gz = e - C e: the residuals fed back through the coefficients (full), else z.
    const gz = () =>
      full
        ? tf.sub(
            residuals,
            tf.matMul(
              tf.mul(coefficients, tf.matMul(residuals, constant(matrices.pickJ!))),
              constant(matrices.placeI!),
            ),
          )
        : z;
    const padded = (t: tf.Tensor, before: number) =>
      tf.pad(t, [
        [0, 0],
        [before, P - before - t.shape[1]!],
      ]);
    return {
      yTrue: () => tf.matMul(tf.mul(perCoordinate(responsibilities()), gz()), constant(matrices.targetSums)),
      yPred: () => {
        const gr = responsibilities();
        const grOverSigma = perCoordinate(gr);
        const gzValue = gz();
        const dLogits = tf.sub(tf.mul(priorExps, acrossRow(tf.div(g, priorSums), K)), gr);
        const dMeans = tf.mul(tf.mul(grOverSigma, gzValue), -Math.SQRT2);
        // g r sigmoid(raw) / sigma first: it is 0 wherever either factor is, and finite.
        const sig = tf.sigmoid(raw);
        let dRaw: tf.Tensor;
        if (spherical) {
          const scaled = tf.mul(tf.div(gr, sigma), sig); // [N, K]
          const quadratic = tf.mul(tf.mul(tf.matMul(scaled, expand()), z), tf.add(z, z));
          dRaw = tf.sub(tf.mul(scaled, D), sumPerComponent(quadratic));
        } else {
          const scaled = tf.mul(grOverSigma, sig);
          dRaw = tf.sub(scaled, tf.mul(tf.mul(scaled, gzValue), tf.add(z, z)));
        }
        const pieces = [padded(dLogits, 0), padded(dMeans, K), padded(dRaw, K + KD)];
        if (full) {
          const atCoefficients = tf.matMul(gr, constant(matrices.expandCoefficients!));
          const eJ = tf.matMul(residuals, constant(matrices.pickJ!));
          const dCoefficients = tf.mul(tf.mul(tf.mul(atCoefficients, eJ), zAtCoefficients), -2);
          pieces.push(padded(dCoefficients, P - coefficientsSize));
        }
        return tf.addN(pieces);
      },
    };
  };

  return runWithGradientThunks({yTrue, yPred}, forward, backward) as tf.Tensor1D;
}
