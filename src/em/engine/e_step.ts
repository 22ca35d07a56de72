/**
 * The E-step: per chunk, logits = Z W from the feature basis (plus, for the components on the
 * exact path, log-probabilities with the differences formed first), then the responsibilities
 * softmax(logits) and the log-likelihoods.
 */
import * as tf from '@tensorflow/tfjs-core';

import {wasmPosterior, wasmPosteriorAvailable, wasmPosteriorTransposed} from '../../../ops/kernels/wasm/posterior';
import {EmCovariance} from '../covariance/em_covariance';
import {ScaledState} from '../parameters';
import {EmContext} from './context';
import {ChunkResponsibilities, Responsibilities} from './pass';

/** Row-wise maximum [B, 1] of [B, K] (max pooling over the row: about twice as fast as tf.max on wasm). */
export function rowMax(t: tf.Tensor2D): tf.Tensor2D {
  const [B, K] = t.shape;
  return tf.reshape(tf.maxPool(tf.reshape(t, [1, B, K, 1]) as tf.Tensor4D, [1, K], [1, K], 'valid'), [B, 1]);
}

/**
 * Responsibilities are floored at this value. Softmax produces subnormal floats for logits
 * 87-103 below the row maximum, and one subnormal operand makes wasm's (XNNPACK's) matmul about
 * 100x slower per multiply: measured 4 ms -> 420 ms for a [153, 16384] x [16384, 16] product.
 * The floor (one clip, cheaper than zeroing) adds at most N * 1e-30 to N_k, far below
 * scikit-learn's 10 eps, so an empty component still gets mean ~0 and covariance regCovar.
 */
const RESPONSIBILITY_FLOOR = 1e-30;

/**
 * Responsibilities softmax(L) (floored at 1e-30) and log-likelihoods logSumExp L: one
 * WebAssembly kernel where it serves the backend, else max L - log max softmax(L) in tf ops.
 * `transposed`: the caller takes the responsibilities as [K, B], and the kernel writes them so
 * (the tf ops give [B, K] either way).
 */
export function posterior(logits: tf.Tensor2D): {resp: tf.Tensor2D; logLikelihood: tf.Tensor2D};
export function posterior(logits: tf.Tensor2D, transposed: boolean): Responsibilities & {logLikelihood: tf.Tensor2D};
export function posterior(logits: tf.Tensor2D, transposed = false): Responsibilities & {logLikelihood: tf.Tensor2D} {
  if (wasmPosteriorAvailable()) {
    if (transposed) {
      const {respT, logSumExp} = wasmPosteriorTransposed(logits, RESPONSIBILITY_FLOOR);
      return {respT, logLikelihood: logSumExp};
    }
    const {resp, logSumExp} = wasmPosterior(logits, RESPONSIBILITY_FLOOR);
    return {resp, logLikelihood: logSumExp};
  }
  const softmax = tf.softmax(logits) as tf.Tensor2D;
  const logLikelihood = tf.sub(rowMax(logits), tf.log(rowMax(softmax))) as tf.Tensor2D;
  return {resp: tf.clipByValue(softmax, RESPONSIBILITY_FLOOR, 1) as tf.Tensor2D, logLikelihood};
}

/** Per-iteration E-step constants: W with the exact components' columns zeroed, and their placement. */
export interface EStepPlan {
  /** W [width, K], or null when every component is exact. */
  coefficients: tf.Tensor2D | null;
  /** [Kf, K] 0/1 matrix placing the exact components' columns, or null when none is exact. */
  placement: tf.Tensor2D | null;
  /** The components on the exact path. */
  exact: number[];
}

/** The E-step constants of a state; the caller disposes them ({@link disposeEStepPlan}). */
export function planEStep(em: EmCovariance, state: ScaledState, exact: number[]): EStepPlan {
  const {K} = em;
  if (exact.length === K) return {coefficients: null, placement: null, exact};
  const kept = tf.tidy(() => {
    let coefficients = em.logitCoefficients(state);
    if (exact.length === 0) return [coefficients];
    const keep = new Float32Array(K).fill(1);
    const place = new Float32Array(exact.length * K);
    exact.forEach((k, f) => {
      keep[k] = 0;
      place[f * K + k] = 1;
    });
    coefficients = tf.mul(coefficients, tf.tensor2d(keep, [1, K]));
    return [coefficients, tf.tensor2d(place, [exact.length, K])];
  });
  return {coefficients: kept[0] as tf.Tensor2D, placement: (kept[1] as tf.Tensor2D | undefined) ?? null, exact};
}

/** Releases the tensors of a plan. */
export function disposeEStepPlan(plan: EStepPlan): void {
  tf.dispose([plan.coefficients, plan.placement].filter((t): t is tf.Tensor2D => t !== null));
}

/** The E-step responsibilities of a state, per chunk. */
export function eStepResponsibilities(ctx: EmContext, state: ScaledState, plan: EStepPlan): ChunkResponsibilities {
  const {em, data} = ctx;
  const all = Array.from({length: em.K}, (_, k) => k);
  // Narrow bases take R^T for their moments (see runPass).
  const transposed = !em.transposedMoments;
  return (index: number, z: tf.Tensor2D) => {
    const chunk = data.chunks[index];
    const x = chunk.x;
    if (!plan.coefficients) return posterior(em.directLogits(chunk, state, all), transposed);
    let logits: tf.Tensor2D = tf.matMul(z, plan.coefficients);
    const shared = em.sharedLogit(x, state);
    if (shared) logits = tf.add(logits, shared);
    if (plan.placement) logits = tf.add(logits, tf.matMul(em.directLogits(chunk, state, plan.exact), plan.placement));
    return posterior(logits, transposed);
  };
}
