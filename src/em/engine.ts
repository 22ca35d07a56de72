/**
 * The EM engine: passes over the chunks of the data, the M-step with its exact-path fallback,
 * one EM iteration, and the iteration loop. Everything here works in the scaled space of
 * `EmData`; the public functions (em_step.ts, gaussian_mixture.ts) map parameters in and out.
 *
 * One iteration is one pass over the chunks. Per chunk: logits = Z W (E-step), R = softmax,
 * log-likelihood = rowMax(logits) - log rowMax(R), and the moments Z^T R accumulate (M-step).
 * Only [width, K]-sized sums cross chunk boundaries, so memory is bounded by the chunk size
 * (`batchSize`), never by N. The host reads back one small vector per iteration (the
 * log-likelihood sum and, per component, the conditioning, a finiteness flag and the
 * cancellation of the exact path), which decides whether a component is redone exactly.
 */
import * as tf from '@tensorflow/tfjs-core';

import {diagPart} from '../../ops/linalg/matrix_utils';
import {ChunkFeatures, EmData, featureCacheBudget} from './data';
import {EmCovariance, Moments, NK_EPSILON, centreScatter, exactScatterChunk, replaceRows} from './covariance/em_covariance';
import {ScaledState, disposeState, stateTensors} from './parameters';

/**
 * Components whose conditioning kappa (see em_covariance.ts) exceeds this limit take the exact
 * path. The fast path's log-probabilities are off by up to about (D + 2) eps32 kappa (the
 * expansion has (D+1)^2 terms of size ~kappa), i.e. ~1e-4 per 100 of kappa at D = 16; rounding
 * mostly averages out in the sums, so parameters come out far more accurate than that. Typical
 * clustered data have kappa between D and a few hundred. Measured (scikit-learn fixtures): a
 * collapsing component at kappa ~1300 needed the exact path for its tail responsibilities to be
 * right to 1e-5; the 100k-point benchmark has 1 of 16 components above 1024.
 */
const DEFAULT_EXACT_PATH_LIMIT = 1024;

let exactPathLimit = DEFAULT_EXACT_PATH_LIMIT;

/**
 * @internal Sets the conditioning limit above which a component takes the exact path
 * (0 forces the exact path everywhere, Infinity the fast path unless a covariance comes out
 * indefinite), so that tests can run both paths. Returns the previous limit.
 */
export function setExactPathLimit(limit: number): number {
  const previous = exactPathLimit;
  exactPathLimit = limit;
  return previous;
}

/** Everything an EM pass needs besides the parameters. */
export interface EmContext {
  /** Caller name used in messages. */
  fn: string;
  data: EmData;
  em: EmCovariance;
  /** regCovar in the scaled space (regCovar / s^2). */
  regCovar: number;
  /** regCovar as the user gave it, for messages. */
  userRegCovar: number;
  /** Whether the per-chunk features are cached for the whole fit. */
  cacheFeatures: boolean;
}

/** Creates the context of a fit; the caller disposes `em` and `data`. */
export function createContext(fn: string, data: EmData, em: EmCovariance, regCovar: number): EmContext {
  const bytesPerRow = em.width * 4 * (em.transposedMoments ? 2 : 1);
  return {
    fn, data, em,
    regCovar: regCovar / (data.transform.scale * data.transform.scale),
    userRegCovar: regCovar,
    cacheFeatures: data.N * bytesPerRow <= featureCacheBudget(),
  };
}

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
 * Responsibilities softmax(L) (floored at 1e-30) and log-likelihoods
 * max L - log max softmax(L) = logSumExp L.
 */
export function posterior(logits: tf.Tensor2D): {resp: tf.Tensor2D; logLikelihood: tf.Tensor2D} {
  const softmax = tf.softmax(logits) as tf.Tensor2D;
  const logLikelihood = tf.sub(rowMax(logits), tf.log(rowMax(softmax))) as tf.Tensor2D;
  return {resp: tf.clipByValue(softmax, RESPONSIBILITY_FLOOR, 1) as tf.Tensor2D, logLikelihood};
}

/** Responsibilities (and, in an E-step, log-likelihoods [B, 1]) of one chunk. */
export type ChunkResponsibilities = (index: number, z: tf.Tensor2D) => {resp: tf.Tensor2D; logLikelihood: tf.Tensor2D | null};

/** Components with an exact scatter, and the shifts [Kf, D] it is taken around. */
interface ExactPlan {
  indices: number[];
  indexTensor: tf.Tensor1D;
  shifts: tf.Tensor2D;
}

interface PassResult {
  /** [K, width], or null when not requested. */
  moments: tf.Tensor2D | null;
  /** Exact scatter of the planned components ([Kf, D, D] or [Kf, D]). */
  exactScatter: tf.Tensor | null;
  /** Scalar sum of w * log-likelihood. */
  logLikelihoodSum: tf.Tensor | null;
}

function features(ctx: EmContext, index: number): ChunkFeatures {
  const {em} = ctx;
  return ctx.data.features(em.name, index, ctx.cacheFeatures, (chunk) => {
    const z = em.features(chunk.x);
    return {z, zT: em.transposedMoments && ctx.cacheFeatures ? tf.transpose(z) as tf.Tensor2D : null};
  });
}

/** tf.tidy for a tuple that may hold nulls. */
function tidyMany(body: () => Array<tf.Tensor | null>): Array<tf.Tensor | null> {
  const present: boolean[] = [];
  const kept = tf.tidy(() => {
    const values = body();
    values.forEach((v, i) => { present[i] = v !== null; });
    return values.filter((v): v is tf.Tensor => v !== null);
  });
  let next = 0;
  return present.map((p) => (p ? kept[next++] : null));
}

function accumulate(total: tf.Tensor | null, value: tf.Tensor | null): tf.Tensor | null {
  if (value === null) return total;
  if (total === null) return value;
  const sum = tf.add(total, value);
  tf.dispose([total, value]);
  return sum;
}

/** One pass over the chunks: moments, exact scatter and log-likelihood, as requested. */
function runPass(ctx: EmContext, responsibilities: ChunkResponsibilities, exact: ExactPlan | null, wantMoments: boolean, wantLogLikelihood = true): PassResult {
  const {data, em} = ctx;
  let moments: tf.Tensor | null = null;
  let scatter: tf.Tensor | null = null;
  let logLikelihood: tf.Tensor | null = null;
  try {
    for (let i = 0; i < data.chunks.length; i++) {
      const chunk = data.chunks[i];
      const [m, s, l] = tidyMany(() => {
        const f = features(ctx, i);
        const {resp, logLikelihood: ll} = responsibilities(i, f.z);
        const weighted = chunk.weightColumn ? tf.mul(resp, chunk.weightColumn) as tf.Tensor2D : resp;
        let m: tf.Tensor | null = null;
        if (wantMoments) {
          m = em.transposedMoments
            ? tf.matMul(f.zT ?? tf.transpose(f.z), weighted) // [width, K]
            : tf.matMul(tf.transpose(weighted), f.z); // [K, width]
        }
        const s = exact ? exactScatterChunk(em.form, chunk.x, tf.gather(weighted, exact.indexTensor, 1), exact.shifts) : null;
        const l = ll && wantLogLikelihood ? (chunk.weightRow ? tf.matMul(chunk.weightRow, ll) : tf.sum(ll)) : null;
        return [m, s, l];
      });
      moments = accumulate(moments, m);
      scatter = accumulate(scatter, s);
      logLikelihood = accumulate(logLikelihood, l);
    }
  } catch (e) {
    tf.dispose([moments, scatter, logLikelihood].filter((t): t is tf.Tensor => t !== null));
    throw e;
  }
  if (moments && em.transposedMoments) {
    const transposed = tf.transpose(moments);
    moments.dispose();
    moments = transposed;
  }
  return {moments: moments as tf.Tensor2D | null, exactScatter: scatter, logLikelihoodSum: logLikelihood};
}

function makeExactPlan(indices: number[], means: tf.Tensor2D): ExactPlan {
  return tf.tidy(() => {
    const indexTensor = tf.tensor1d(indices, 'int32');
    return {indices, indexTensor, shifts: tf.gather(means, indexTensor) as tf.Tensor2D};
  });
}

function disposePlan(plan: ExactPlan | null): void {
  if (plan) tf.dispose([plan.indexTensor, plan.shifts]);
}

/**
 * An exact scatter taken around shifts c has to be centred: sum r (x - mu)(x - mu)^T =
 * S_c - n (mu - c)(mu - c)^T (+ tiny terms). When the component moved far in this iteration,
 * that subtraction cancels; above this ratio trace(S_c) / trace(centred) (one bit lost), the
 * component is redone around its new mean.
 */
const MAX_SHIFT_CANCELLATION = 2;

/**
 * New parameters from the moments, with the exact scatter for the planned components.
 * Returns the state and a check vector [kappa_1..K, finite_1..K, cancellation_1..K].
 */
function finalize(ctx: EmContext, momentsAll: tf.Tensor2D, exact: ExactPlan | null, exactScatter: tf.Tensor | null): {state: ScaledState; check: tf.Tensor1D} {
  const {em, data} = ctx;
  const {K, D} = em;
  const result = tf.tidy(() => {
    const moments: Moments = {
      all: momentsAll,
      n: tf.reshape(tf.slice(momentsAll, [0, 0], [K, 1]), [K]) as tf.Tensor1D,
      m1: tf.slice(momentsAll, [0, 1], [K, D]) as tf.Tensor2D,
    };
    const nk = tf.add(moments.n, NK_EPSILON) as tf.Tensor1D;
    const means = tf.div(moments.m1, tf.reshape(nk, [K, 1])) as tf.Tensor2D;
    const weights = tf.div(nk, tf.sum(nk)) as tf.Tensor1D;
    const allExact = exact !== null && exact.indices.length === K;
    const fast = allExact ? null : em.scatterFromMoments(moments, means, data);
    let scatter: tf.Tensor;
    let cancellation: tf.Tensor = tf.ones([K]);
    if (exact && exactScatter) {
      const idx = exact.indexTensor;
      const centred = centreScatter(em.form, exactScatter, tf.gather(moments.n, idx) as tf.Tensor1D, tf.gather(moments.m1, idx) as tf.Tensor2D,
        tf.gather(means, idx) as tf.Tensor2D, exact.shifts);
      scatter = em.combineScatter(fast, centred, exact.indices);
      const trace = (t: tf.Tensor) => tf.add(tf.sum(tf.reshape(em.form === 'matrix' ? diagPart(t) : t, [exact.indices.length, D]), -1), 1e-30);
      cancellation = replaceRows(cancellation, tf.div(trace(exactScatter), trace(centred)), exact.indices);
    } else {
      scatter = fast!;
    }
    const covariances = em.covariancesFromScatter(scatter, nk, ctx.regCovar);
    const precisionsCholesky = em.type.precisionCholeskyFromCovariance(covariances, {caller: ctx.fn});
    const state: ScaledState = {weights, means, covariances, precisionsCholesky};
    const kappa = em.conditioning(state);
    const perComponent = tf.reshape(precisionsCholesky, em.perComponentExact ? [K, -1] : [1, -1]);
    const finite = tf.mul(tf.ones([K]), tf.cast(tf.isFinite(tf.sum(perComponent, -1)), 'float32'));
    return [...stateTensors(state), tf.concat([kappa, finite, cancellation])];
  });
  const [weights, means, covariances, precisionsCholesky, check] = result;
  return {state: {weights: weights as tf.Tensor1D, means: means as tf.Tensor2D, covariances, precisionsCholesky}, check: check as tf.Tensor1D};
}

/** Components that must take the exact path: kappa above the limit (all of them for tied). */
function exactSetFromKappa(em: EmCovariance, kappa: ArrayLike<number>): number[] {
  const set: number[] = [];
  for (let k = 0; k < em.K; k++) if (!(kappa[k] <= exactPathLimit)) set.push(k);
  if (set.length > 0 && !em.perComponentExact) return Array.from({length: em.K}, (_, k) => k);
  return set;
}

/** The conditioning of a state, read back. */
export function readExactSet(ctx: EmContext, state: ScaledState): number[] {
  const kappa = tf.tidy(() => ctx.em.conditioning(state));
  const values = kappa.dataSync();
  kappa.dispose();
  return exactSetFromKappa(ctx.em, values);
}

/**
 * The weighted mean log-likelihood in the data space from the sum in the scaled space:
 * densities transform with the Jacobian of x' = (x - c) / s, log p(x) = log p'(x') - D log s.
 */
function meanLogLikelihood(ctx: EmContext, scaledSum: number): number {
  return scaledSum / ctx.data.totalWeight - ctx.data.D * Math.log(ctx.data.transform.scale);
}

/** Result of an M-step. */
export interface MStepResult {
  state: ScaledState;
  /** Weighted mean log-likelihood of the responsibilities' E-step, or NaN when there was none. */
  logLikelihood: number;
  /** Components that should take the exact path next time. */
  exactNext: number[];
}

/**
 * The M-step from per-chunk responsibilities (computed by an E-step or given by an
 * initialisation): one pass for the moments (and the exact scatter of the components in
 * `exactIndices`, around `previousMeans`), then a second pass for any component whose new
 * covariance is ill-conditioned or indefinite, with the exact scatter around its new mean.
 *
 * @param fastAllowed false when the fast formula does not apply (tied with responsibilities
 *   that do not sum to one per row): every component then takes the exact path.
 */
export function mStep(
  ctx: EmContext,
  responsibilities: ChunkResponsibilities,
  exactIndices: number[],
  previousMeans: tf.Tensor2D | null,
  fastAllowed = true,
): MStepResult {
  const {em} = ctx;
  const {K} = em;
  const firstPlan = exactIndices.length && previousMeans ? makeExactPlan(exactIndices, previousMeans) : null;
  let pass: PassResult | null = null;
  let state: ScaledState | null = null;
  let secondPlan: ExactPlan | null = null;
  try {
    pass = runPass(ctx, responsibilities, firstPlan, true, true);
    const moments = pass.moments!;
    let logLikelihood = NaN;
    let redo: number[];
    if (fastAllowed) {
      const first = finalize(ctx, moments, firstPlan, pass.exactScatter);
      state = first.state;
      const checkAndLikelihood = tf.tidy(() => (pass!.logLikelihoodSum ? tf.concat([first.check, tf.reshape(pass!.logLikelihoodSum, [1])]) : tf.clone(first.check)));
      const values = checkAndLikelihood.dataSync();
      tf.dispose([checkAndLikelihood, first.check]);
      if (pass.logLikelihoodSum) logLikelihood = meanLogLikelihood(ctx, values[3 * K]);
      redo = [];
      for (let k = 0; k < K; k++) {
        const wasExact = firstPlan !== null && firstPlan.indices.includes(k);
        const indefinite = values[K + k] !== 1;
        const illConditioned = !wasExact && !(values[k] <= exactPathLimit);
        const ratio = values[2 * K + k];
        const cancelled = wasExact && !(ratio > 0 && ratio <= MAX_SHIFT_CANCELLATION);
        if (indefinite || illConditioned || cancelled) redo.push(k);
      }
      if (redo.length === 0) return {state, logLikelihood, exactNext: exactSetFromKappa(em, values.subarray(0, K))};
      if (firstPlan) redo = Array.from(new Set([...redo, ...firstPlan.indices])).sort((a, b) => a - b);
      if (!em.perComponentExact) redo = Array.from({length: K}, (_, k) => k);
    } else {
      if (pass.logLikelihoodSum) logLikelihood = meanLogLikelihood(ctx, pass.logLikelihoodSum.dataSync()[0]);
      redo = Array.from({length: K}, (_, k) => k);
    }
    // Second pass: exact scatter around the new means.
    const newMeans = state ? state.means : tf.tidy(() => {
      const nk = tf.add(tf.slice(moments, [0, 0], [K, 1]), NK_EPSILON);
      return tf.div(tf.slice(moments, [0, 1], [K, em.D]), nk) as tf.Tensor2D;
    });
    secondPlan = makeExactPlan(redo, newMeans);
    if (!state) newMeans.dispose();
    disposeState(state);
    state = null;
    const second = runPass(ctx, responsibilities, secondPlan, false, false);
    const result = finalize(ctx, moments, secondPlan, second.exactScatter);
    tf.dispose(second.exactScatter!);
    state = result.state;
    const values = result.check.dataSync();
    result.check.dispose();
    for (let k = 0; k < K; k++) {
      if (values[K + k] !== 1) {
        const which = em.perComponentExact ? `the covariance of component ${k}` : 'the shared covariance';
        throw new Error(`${ctx.fn}: regCovar must keep every covariance positive definite, but ${which} is not ` +
          `(ill-defined empirical covariance, e.g. from collapsed or singleton samples); increase regCovar ` +
          `(now ${ctx.userRegCovar}), decrease nComponents, or check the data`);
      }
    }
    return {state, logLikelihood, exactNext: exactSetFromKappa(em, values.subarray(0, K))};
  } catch (e) {
    disposeState(state);
    throw e;
  } finally {
    if (pass) tf.dispose([pass.moments, pass.exactScatter, pass.logLikelihoodSum].filter((t): t is tf.Tensor => t !== null));
    disposePlan(firstPlan);
    disposePlan(secondPlan);
  }
}

/** Per-iteration E-step constants: W with the exact components' columns zeroed, and their placement. */
interface EStepPlan {
  coefficients: tf.Tensor2D | null;
  placement: tf.Tensor2D | null;
  exact: number[];
}

export function planEStep(em: EmCovariance, state: ScaledState, exact: number[]): EStepPlan {
  const {K} = em;
  if (exact.length === K) return {coefficients: null, placement: null, exact};
  const kept = tf.tidy(() => {
    let coefficients = em.logitCoefficients(state);
    let placement: tf.Tensor2D | null = null;
    if (exact.length) {
      const keep = new Float32Array(K).fill(1);
      const place = new Float32Array(exact.length * K);
      exact.forEach((k, f) => {
        keep[k] = 0;
        place[f * K + k] = 1;
      });
      coefficients = tf.mul(coefficients, tf.tensor2d(keep, [1, K]));
      placement = tf.tensor2d(place, [exact.length, K]);
    }
    return placement ? [coefficients, placement] : [coefficients];
  });
  return {coefficients: kept[0] as tf.Tensor2D, placement: (kept[1] as tf.Tensor2D | undefined) ?? null, exact};
}

/** The E-step responsibilities of a state, per chunk. */
export function eStepResponsibilities(ctx: EmContext, state: ScaledState, plan: EStepPlan): ChunkResponsibilities {
  const {em, data} = ctx;
  const all = Array.from({length: em.K}, (_, k) => k);
  return (index: number, z: tf.Tensor2D) => {
    const x = data.chunks[index].x;
    let logits: tf.Tensor2D;
    if (!plan.coefficients) {
      logits = em.directLogits(x, state, all);
    } else {
      logits = tf.matMul(z, plan.coefficients);
      const shared = em.sharedLogit(x, state);
      if (shared) logits = tf.add(logits, shared);
      if (plan.placement) logits = tf.add(logits, tf.matMul(em.directLogits(x, state, plan.exact), plan.placement));
    }
    return posterior(logits);
  };
}

/** One EM iteration (E-step and M-step) from `state`; `state` is left untouched. */
export function emIteration(ctx: EmContext, state: ScaledState, exact: number[]): MStepResult {
  const plan = planEStep(ctx.em, state, exact);
  try {
    return mStep(ctx, eStepResponsibilities(ctx, state, plan), exact, state.means);
  } finally {
    tf.dispose([plan.coefficients, plan.placement].filter((t): t is tf.Tensor2D => t !== null));
  }
}

/** Per-iteration progress reported to `onIteration`. */
export interface IterationInfo {
  /** 1-based iteration number within the current initialisation. */
  iteration: number;
  /** Weighted mean log-likelihood of the data under the parameters before this iteration's M-step. */
  lowerBound: number;
  /** lowerBound minus the previous iteration's (Infinity on the first iteration of a fresh start). */
  change: number;
  /** 0-based index of the initialisation (restart). */
  init: number;
}

/** Options of the loop. */
export interface LoopOptions {
  maxIter: number;
  tol: number;
  onIteration?: (info: IterationInfo) => void;
  /** Lower bound the first change is measured from (warm starts); default -Infinity. */
  startLowerBound?: number;
  init?: number;
}

/** Result of the loop; the caller owns `state`. */
export interface LoopResult {
  state: ScaledState;
  converged: boolean;
  nIter: number;
  lowerBound: number;
  lowerBounds: number[];
}

/**
 * Iterates EM from `initial` (taking ownership of it) until the lower bound changes by less than
 * `tol` or `maxIter` iterations ran, as scikit-learn's `fit` does for one initialisation.
 */
export function runEm(ctx: EmContext, initial: ScaledState, options: LoopOptions): LoopResult {
  let state = initial;
  let lowerBound = options.startLowerBound ?? -Infinity;
  const lowerBounds: number[] = [];
  let converged = false;
  let nIter = 0;
  try {
    let exact = options.maxIter > 0 ? readExactSet(ctx, state) : [];
    for (let iteration = 1; iteration <= options.maxIter; iteration++) {
      const previous = lowerBound;
      const next = emIteration(ctx, state, exact);
      disposeState(state);
      state = next.state;
      exact = next.exactNext;
          lowerBound = next.logLikelihood;
      if (!Number.isFinite(lowerBound)) {
        throw new Error(`${ctx.fn}: the log-likelihood must stay finite, but it is ${lowerBound} at iteration ${iteration} (numerical overflow; check the data for extreme values)`);
      }
      lowerBounds.push(lowerBound);
      nIter = iteration;
      const change = lowerBound - previous;
      options.onIteration?.({iteration, lowerBound, change, init: options.init ?? 0});
      if (Math.abs(change) < options.tol) {
        converged = true;
        break;
      }
    }
  } catch (e) {
    disposeState(state);
    throw e;
  }
  return {state, converged, nIter, lowerBound: nIter > 0 ? lowerBound : -Infinity, lowerBounds};
}
