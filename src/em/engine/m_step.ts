/**
 * The M-step: new parameters from the moments of a pass, with the exact-path fallback. Per
 * component, the host reads back one small vector (conditioning, finiteness, cancellation of the
 * exact scatter) that decides whether the component is redone exactly.
 */
import * as tf from '@tensorflow/tfjs-core';

import {gmmFlag} from '../../../ops/flags';
import {tidyNullable} from '../../../ops/util/tidy';
import {EmCovariance, Moments, NK_EPSILON, replaceRows} from '../covariance/em_covariance';
import {ScaledState, disposeState} from '../parameters';
import {EmContext, meanLogLikelihood} from './context';
import {EmProgram, PassSource, pass, passCall} from './program';
import {
  ChunkResponsibilities,
  ExactPlan,
  PassRequest,
  PassResult,
  disposePass,
  disposePlan,
  makeExactPlan,
  runPass,
} from './pass';

/**
 * An exact scatter taken around shifts c is centred on the component's new mean c + a / n:
 * S_c - a a^T / n. When the component moved far in this iteration, that subtraction cancels;
 * above this ratio trace(S_c) / trace(centred) (one bit lost), the component is redone around
 * its new mean.
 */
const MAX_SHIFT_CANCELLATION = 2;

/** Per-component diagnostics of new parameters, read back from the backend. */
interface ComponentChecks {
  /** Conditioning kappa_k (see em_covariance.ts). */
  kappa: Float32Array;
  /** Whether the precision factor of component k is finite (false: indefinite covariance). */
  finite: boolean[];
  /** trace(S_c) / trace(centred) of the exact components (1 for the others). */
  cancellation: Float32Array;
}

/** New parameters and their checks, on the backend, or on the host for a host M-step. */
interface Finalized {
  state: ScaledState;
  /** [kappa (K), finite (K), cancellation (K)], packed so that one read-back gets them all. */
  packedChecks: tf.Tensor1D | Float32Array;
}

/** The packed checks of `finalized` and the pass's log-likelihood sum (NaN without one), in one read-back. */
function readChecks(finalized: Finalized, sum: tf.Tensor | null): {values: Float32Array; logLikelihoodSum: number} {
  const packed = finalized.packedChecks;
  if (packed instanceof Float32Array) return {values: packed, logLikelihoodSum: sum ? sum.dataSync()[0] : NaN};
  const readBack = tf.tidy(() => (sum ? tf.concat([packed, tf.reshape(sum, [1])]) : tf.clone(packed)));
  const values = readBack.dataSync() as Float32Array;
  tf.dispose([readBack, packed]);
  return {values, logLikelihoodSum: sum ? values[packed.shape[0]] : NaN};
}

/** Unpacks {@link Finalized.packedChecks} (the first 3K values of `values`). */
function unpackChecks(values: Float32Array, K: number): ComponentChecks {
  return {
    kappa: values.subarray(0, K),
    finite: Array.from(values.subarray(K, 2 * K), (v) => v === 1),
    cancellation: values.subarray(2 * K, 3 * K),
  };
}

/** Moments unpacked from the [K, width] matrix of a pass. */
function unpackMoments(all: tf.Tensor2D, K: number, D: number): Moments {
  return {
    all,
    n: tf.reshape(tf.slice(all, [0, 0], [K, 1]), [K]) as tf.Tensor1D,
    m1: tf.slice(all, [0, 1], [K, D]) as tf.Tensor2D,
  };
}

/** Means from the moments: sum r x' / (N_k + 10 eps). */
function meansFromMoments(moments: Moments): tf.Tensor2D {
  const K = moments.n.shape[0];
  return tf.div(moments.m1, tf.reshape(tf.add(moments.n, NK_EPSILON), [K, 1])) as tf.Tensor2D;
}

/**
 * TwoSum: a + b as a float32 sum and its rounding error, both exact (elementwise float32 ops
 * round correctly on every backend the tests run).
 */
function twoSum(a: tf.Tensor2D, b: tf.Tensor2D): {sum: tf.Tensor2D; error: tf.Tensor2D} {
  const sum = tf.add(a, b) as tf.Tensor2D;
  const bPart = tf.sub(sum, a);
  const error = tf.add(tf.sub(a, tf.sub(sum, bPart)), tf.sub(b, bPart)) as tf.Tensor2D;
  return {sum, error};
}

/**
 * New parameters from the moments, with the exact statistics (`exactScatter`, packed, taken
 * around the plan's shifts) for the planned components: their scatter, and their means
 * c + a / N_k in two float32 parts (`meansLow`), so that a component narrower than float32's
 * resolution at its offset keeps its mean.
 */
function finalize(
  ctx: EmContext,
  momentsAll: tf.Tensor2D,
  exact: ExactPlan | null,
  exactScatter: tf.Tensor | null,
): Finalized {
  const {em, data} = ctx;
  const {K, D} = em;
  if (exact === null) {
    const host = em.hostMStep(momentsAll.dataSync(), ctx.regCovar);
    if (host) return {state: host.state, packedChecks: host.checks};
  }
  const [weights, means, meansLow, covariances, precisionsCholesky, packedChecks] = tidyNullable(() => {
    const moments = unpackMoments(momentsAll, K, D);
    const nk = tf.add(moments.n, NK_EPSILON) as tf.Tensor1D;
    let means = meansFromMoments(moments);
    let meansLow: tf.Tensor2D | null = null;
    const weights = tf.div(nk, tf.sum(nk)) as tf.Tensor1D;
    const allExact = exact !== null && exact.indices.length === K;
    const fast = allExact ? null : em.scatterFromMoments(moments, means, data);
    let scatter = fast!;
    let cancellation: tf.Tensor = tf.ones([K]);
    if (exact && exactScatter) {
      const pick = <T extends tf.Tensor>(t: T) => tf.gather(t, exact.indexTensor) as T;
      const nExact = pick(moments.n);
      const {scatter: aroundShifts, first} = em.scatter.unpack(exactScatter);
      // scikit-learn's mean m1 / N_k (N_k = n + 10 eps) around the shift c: c + t with
      // t = (a - 10 eps c) / N_k, a = sum r (x' - c); t is small unless the component moved far
      // (or emptied: then the mean shrinks towards the origin, as scikit-learn's does).
      const step = tf.div(
        tf.sub(first, tf.mul(exact.shifts, NK_EPSILON)),
        tf.reshape(pick(nk), [-1, 1]),
      ) as tf.Tensor2D;
      const centered = em.scatter.centerExact(aroundShifts, nExact, first, step);
      scatter = em.combineScatter(fast, centered, exact.indices);
      const trace = (t: tf.Tensor) => tf.add(em.scatter.trace(t), 1e-30);
      cancellation = replaceRows(cancellation, tf.div(trace(aroundShifts), trace(centered)), exact.indices);
      const {sum, error} = twoSum(exact.shifts, step);
      const low = exact.shiftsLow ? tf.add(error, exact.shiftsLow) : error;
      means = replaceRows(means, sum, exact.indices) as tf.Tensor2D;
      meansLow = replaceRows(tf.zerosLike(means), low, exact.indices) as tf.Tensor2D;
    }
    const covariances = em.covariancesFromScatter(scatter, nk, ctx.regCovar, ctx.data.transform.scale);
    const precisionsCholesky = em.precisionCholesky(covariances, ctx.fn);
    const kappa = em.conditioning({weights, means, meansLow, covariances, precisionsCholesky});
    const perComponent = tf.reshape(precisionsCholesky, em.perComponentExact ? [K, -1] : [1, -1]);
    const finite = tf.mul(tf.ones([K]), tf.cast(tf.isFinite(tf.sum(perComponent, -1)), 'float32'));
    return [weights, means, meansLow, covariances, precisionsCholesky, tf.concat([kappa, finite, cancellation])];
  });
  const state: ScaledState = {
    weights: weights as tf.Tensor1D,
    means: means as tf.Tensor2D,
    meansLow: meansLow as tf.Tensor2D | null,
    covariances: covariances!,
    precisionsCholesky: precisionsCholesky!,
  };
  return {state, packedChecks: packedChecks as tf.Tensor1D};
}

/** Components that must take the exact path: kappa above the limit (all of them for tied). */
function exactSetFromKappa(em: EmCovariance, kappa: ArrayLike<number>): number[] {
  const limit = gmmFlag('GMM_EM_EXACT_PATH_LIMIT');
  const set: number[] = [];
  for (let k = 0; k < em.K; k++) if (!(kappa[k] <= limit)) set.push(k);
  if (set.length > 0 && !em.perComponentExact) return Array.from({length: em.K}, (_, k) => k);
  return set;
}

/** The components of a state that take the exact path (reads the conditioning back). */
export function readExactSet(ctx: EmContext, state: ScaledState): number[] {
  const kappa = tf.tidy(() => ctx.em.conditioning(state));
  const values = kappa.dataSync();
  kappa.dispose();
  return exactSetFromKappa(ctx.em, values);
}

/**
 * Components to redo with the exact scatter around their new means: indefinite covariances,
 * ill-conditioned fast-path components, and exact components whose shift cancelled.
 */
function componentsToRedo(em: EmCovariance, checks: ComponentChecks, exact: ExactPlan | null): number[] {
  const limit = gmmFlag('GMM_EM_EXACT_PATH_LIMIT');
  const redo: number[] = [];
  for (let k = 0; k < em.K; k++) {
    const wasExact = exact !== null && exact.indices.includes(k);
    const illConditioned = !wasExact && !(checks.kappa[k] <= limit);
    const ratio = checks.cancellation[k];
    const cancelled = wasExact && !(ratio > 0 && ratio <= MAX_SHIFT_CANCELLATION);
    if (!checks.finite[k] || illConditioned || cancelled) redo.push(k);
  }
  if (redo.length === 0) return redo;
  if (!em.perComponentExact) return Array.from({length: em.K}, (_, k) => k);
  return exact ? Array.from(new Set([...redo, ...exact.indices])).sort((a, b) => a - b) : redo;
}

/** Fails when a component's covariance is still indefinite after the exact path. */
function assertPositiveDefinite(ctx: EmContext, checks: ComponentChecks): void {
  const k = checks.finite.indexOf(false);
  if (k < 0) return;
  const which = ctx.em.perComponentExact ? `the covariance of component ${k}` : 'the shared covariance';
  throw new Error(
    `${ctx.fn}: regCovar must keep every covariance positive definite, but ${which} is not ` +
      `(ill-defined empirical covariance, e.g. from collapsed or singleton samples); increase regCovar ` +
      `(now ${ctx.userRegCovar}), decrease nComponents, or check the data`,
  );
}

/** Means [K, D] in two float32 parts (see `ScaledState.meansLow`), as exact plans are centred. */
export type CenterSet = Pick<ScaledState, 'means' | 'meansLow'>;

/** An exact plan for `indices` around their means in `centers`. */
export function exactPlanAround(indices: number[], centers: CenterSet): ExactPlan {
  return makeExactPlan(indices, centers.means, centers.meansLow);
}

/** Releases the tensors of a center set. */
export function disposeCenters(centers: CenterSet): void {
  tf.dispose([centers.means, centers.meansLow].filter((t): t is tf.Tensor2D => !!t));
}

/** Result of an M-step. */
export interface MStepResult {
  state: ScaledState;
  /** Weighted mean log-likelihood of the responsibilities' E-step, or NaN when there was none. */
  logLikelihood: number;
  /** Components that should take the exact path next time. */
  exactNext: number[];
}

/** Options of {@link mStep}. */
export interface MStepOptions {
  /** Components whose scatter is taken exactly in the first pass, around `previousMeans`. */
  exact: number[];
  /** The means of the E-step's state (null for an initialisation). */
  previousMeans: CenterSet | null;
  /**
   * false when the fast formula does not apply (tied with responsibilities that do not sum to one
   * per row): every component then takes the exact path.
   */
  fastAllowed: boolean;
}

/**
 * One pass of the M-step: the moments, exact scatter and log-likelihood sum that `request` asks
 * for. In-thread it is {@link runPass} over the chunks; the workers (engine/parallel) run the
 * same per-chunk statistics on their rows and merge them.
 */
export type PassRunner = (request: PassRequest) => PassResult;

/** What the first stage of an M-step found from the statistics of one pass. */
export interface FirstStage {
  /** The parameters, or null when some components must be redone (`redo`). */
  state: ScaledState | null;
  /** Weighted mean log-likelihood of the pass's E-step (NaN without one). */
  logLikelihood: number;
  /** Components to redo with their exact statistics around `newMeans` (empty when `state` is set). */
  redo: number[];
  /** The new means when `redo` is not empty (the caller disposes them), else null. */
  newMeans: CenterSet | null;
  /** Components that should take the exact path next time (when `state` is set). */
  exactNext: number[];
}

/**
 * The first stage of the M-step from a pass's statistics (moments, and the exact scatter of the
 * components of `plan` around its shifts): the parameters, or the components whose scatter must
 * be taken exactly around their new means in a second pass.
 */
export function firstStage(ctx: EmContext, pass: PassResult, plan: ExactPlan | null, fastAllowed: boolean): FirstStage {
  const {em} = ctx;
  const {K} = em;
  const moments = pass.moments!;
  if (!fastAllowed) {
    const logLikelihood = pass.logLikelihoodSum ? meanLogLikelihood(ctx, pass.logLikelihoodSum.dataSync()[0]) : NaN;
    const redo = Array.from({length: K}, (_, k) => k);
    const newMeans = {means: tf.tidy(() => meansFromMoments(unpackMoments(moments, K, em.D))), meansLow: null};
    return {state: null, logLikelihood, redo, newMeans, exactNext: []};
  }
  const first = finalize(ctx, moments, plan, pass.exactScatter);
  const {values, logLikelihoodSum} = readChecks(first, pass.logLikelihoodSum);
  const logLikelihood = pass.logLikelihoodSum ? meanLogLikelihood(ctx, logLikelihoodSum) : NaN;
  const checks = unpackChecks(values, K);
  const redo = componentsToRedo(em, checks, plan);
  if (redo.length === 0)
    return {state: first.state, logLikelihood, redo, newMeans: null, exactNext: exactSetFromKappa(em, checks.kappa)};
  const {means, meansLow} = first.state;
  const newMeans = {means: tf.clone(means), meansLow: meansLow ? tf.clone(meansLow) : null};
  disposeState(first.state);
  return {state: null, logLikelihood, redo, newMeans, exactNext: []};
}

/**
 * The second stage: the parameters from the first pass's moments with the exact scatter of the
 * redone components (`plan`, around their new means); fails when a covariance is still
 * indefinite.
 */
export function secondStage(
  ctx: EmContext,
  moments: tf.Tensor2D,
  plan: ExactPlan,
  exactScatter: tf.Tensor | null,
): {state: ScaledState; exactNext: number[]} {
  const finalized = finalize(ctx, moments, plan, exactScatter);
  const {values} = readChecks(finalized, null);
  const checks = unpackChecks(values, ctx.em.K);
  try {
    assertPositiveDefinite(ctx, checks);
  } catch (e) {
    disposeState(finalized.state);
    throw e;
  }
  return {state: finalized.state, exactNext: exactSetFromKappa(ctx.em, checks.kappa)};
}

/**
 * The M-step from per-chunk responsibilities (computed by an E-step or given by an
 * initialisation): see {@link mStepWith}.
 */
export function mStep(ctx: EmContext, responsibilities: ChunkResponsibilities, options: MStepOptions): MStepResult {
  return mStepWith(ctx, (request) => runPass(ctx, responsibilities, request), options);
}

/**
 * {@link mStepWith} as a program (engine/program.ts): its passes are run by a driver, over
 * in-memory chunks or a stream, or by the workers. `source` gives the responsibilities for the
 * context a pass runs on, or is the workers.
 */
export function* mStepProgram(ctx: EmContext, source: PassSource, options: MStepOptions): EmProgram<MStepResult> {
  const firstPlan =
    options.exact.length && options.previousMeans ? exactPlanAround(options.exact, options.previousMeans) : null;
  let result: PassResult | null = null;
  try {
    result = yield* pass(passCall(source, {moments: true, exact: firstPlan, logLikelihood: true}));
    const first = firstStage(ctx, result, firstPlan, options.fastAllowed);
    if (first.state) return {state: first.state, logLikelihood: first.logLikelihood, exactNext: first.exactNext};
    const plan = exactPlanAround(first.redo, first.newMeans!);
    disposeCenters(first.newMeans!);
    try {
      const second = yield* pass(passCall(source, {moments: false, exact: plan, logLikelihood: false}));
      try {
        const {state, exactNext} = secondStage(ctx, result.moments!, plan, second.exactScatter);
        return {state, logLikelihood: first.logLikelihood, exactNext};
      } finally {
        disposePass(second);
      }
    } finally {
      disposePlan(plan);
    }
  } finally {
    disposePass(result);
    disposePlan(firstPlan);
  }
}

/**
 * The M-step from the passes of `runner`: one pass for the moments (and the exact scatter of the
 * components in `options.exact`, around `options.previousMeans`), then a second pass for any
 * component whose new covariance is ill-conditioned or indefinite, with the exact scatter around
 * its new mean.
 */
export function mStepWith(ctx: EmContext, runner: PassRunner, options: MStepOptions): MStepResult {
  const firstPlan =
    options.exact.length && options.previousMeans ? exactPlanAround(options.exact, options.previousMeans) : null;
  let pass: PassResult | null = null;
  try {
    pass = runner({moments: true, exact: firstPlan, logLikelihood: true});
    const first = firstStage(ctx, pass, firstPlan, options.fastAllowed);
    if (first.state) return {state: first.state, logLikelihood: first.logLikelihood, exactNext: first.exactNext};
    const plan = exactPlanAround(first.redo, first.newMeans!);
    disposeCenters(first.newMeans!);
    try {
      const second = runner({moments: false, exact: plan, logLikelihood: false});
      try {
        const {state, exactNext} = secondStage(ctx, pass.moments!, plan, second.exactScatter);
        return {state, logLikelihood: first.logLikelihood, exactNext};
      } finally {
        disposePass(second);
      }
    } finally {
      disposePlan(plan);
    }
  } finally {
    disposePass(pass);
    disposePlan(firstPlan);
  }
}
