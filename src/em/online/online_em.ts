/**
 * Stepwise (online) EM, Cappé and Moulines (2009) / Liang and Klein (2009): running averages of
 * the per-row sufficient statistics (the M-step moments of the feature basis, and tied's second
 * moment), updated per batch as s <- (1 - gamma_t) s + gamma_t s_batch with the step size
 * gamma_t = (t + learningOffset)^-learningDecay, 0.5 < learningDecay <= 1 (the Robbins-Monro
 * conditions; names and ranges as scikit-learn's online LatentDirichletAllocation). The M-step
 * of the running statistics follows every `mStepEvery` batches. Everything runs in the scaled
 * space of the first batch's float64 centring and scaling, which stays fixed for the stream.
 */
import * as tf from '@tensorflow/tfjs-core';

import {TensorInput, assertInteger, assertNumber, fail, optionKeys} from '../../../ops/util/args';
import {EmCovariance} from '../covariance/em_covariance';
import {DataTransform, EmData} from '../data';
import {EmContext, createContext, meanLogLikelihood} from '../engine/context';
import {disposeEStepPlan, eStepResponsibilities, planEStep} from '../engine/e_step';
import {disposeCenters, exactPlanAround, firstStage, readExactSet, secondStage} from '../engine/m_step';
import {disposePass, disposePlan, runPass} from '../engine/pass';
import {ScaledState} from '../parameters';

/** Options of `GaussianMixture.partialFit`. */
export interface PartialFitOptions {
  /** Non-negative weight per row of the batch [B]. */
  sampleWeight?: TensorInput;
  /** kappa of the step size (t + tau0)^-kappa: in (0.5, 1] (default 0.7). */
  learningDecay?: number;
  /** tau0 of the step size (t + tau0)^-kappa: >= 0 (default 2, Liang and Klein's). */
  learningOffset?: number;
  /** Batches between M-steps (default 1: after every batch). */
  mStepEvery?: number;
}

/** The keys of {@link PartialFitOptions}. */
export const PARTIAL_FIT_OPTION_KEYS = optionKeys<PartialFitOptions>({
  sampleWeight: true,
  learningDecay: true,
  learningOffset: true,
  mStepEvery: true,
});

/** Validated step-size options. */
export interface StepOptions {
  learningDecay: number;
  learningOffset: number;
  mStepEvery: number;
}

/** Validates the step-size options and fills in the defaults. */
export function readStepOptions(fn: string, options: PartialFitOptions): StepOptions {
  const learningDecay = options.learningDecay ?? 0.7;
  assertNumber(fn, 'options.learningDecay', learningDecay);
  if (!(learningDecay > 0.5 && learningDecay <= 1))
    fail(fn, `options.learningDecay must be in (0.5, 1], but got ${learningDecay}`);
  const learningOffset = options.learningOffset ?? 2;
  assertNumber(fn, 'options.learningOffset', learningOffset, {min: 0});
  const mStepEvery = options.mStepEvery ?? 1;
  assertInteger(fn, 'options.mStepEvery', mStepEvery, 1);
  return {learningDecay, learningOffset, mStepEvery};
}

/** The running state of online EM (plain numbers: it is serialised with the model). */
export interface OnlineState {
  /** The fixed transform of the stream (from its first batch). */
  center: number[];
  scale: number;
  /** Batches seen (t of the step size). */
  steps: number;
  /** Batches since the last M-step. */
  pending: number;
  /** Running per-row moments [K * width] (row k: component k's N_k, sum r x', second moments). */
  moments: number[];
  /** Running per-row data statistic (tied: sum x' x'^T, [D * D]), or null. */
  dataStatistic: number[] | null;
}

/** The transform of an online state. */
export function transformOf(state: OnlineState): DataTransform {
  return {center: Float64Array.from(state.center), scale: state.scale};
}

/** s <- (1 - gamma) s + gamma v, entrywise. */
function blend(running: number[] | null, value: ArrayLike<number>, gamma: number): number[] {
  return Array.from(value, (v, i) => (running ? (1 - gamma) * running[i] + gamma * v : v));
}

/** Result of one online update. */
export interface OnlineUpdate {
  online: OnlineState;
  /** New parameters after an M-step (the caller owns them), or null when none ran. */
  state: ScaledState | null;
  /** Weighted mean log-likelihood of the batch under the parameters before the update. */
  logLikelihood: number;
}

/**
 * One stepwise-EM update on `data` (scaled with the online transform) from `current`: the
 * E-step's moments enter the running average; the M-step of the running statistics runs when
 * `mStepEvery` batches have accumulated. A component whose covariance the moment formula cannot
 * resolve (collapsed, ill-conditioned) takes its scatter from this batch, exactly, scaled to its
 * running count.
 */
export function onlineUpdate(
  fn: string,
  data: EmData,
  em: EmCovariance,
  regCovar: number,
  current: ScaledState,
  previous: OnlineState | null,
  options: StepOptions,
): OnlineUpdate {
  const ctx = createContext(fn, data, em, regCovar);
  const exact = readExactSet(ctx, current);
  const plan = planEStep(em, current, exact);
  const responsibilities = eStepResponsibilities(ctx, current, plan);
  try {
    const pass = runPass(ctx, responsibilities, {moments: true, exact: null, logLikelihood: true});
    let moments: Float32Array;
    let logLikelihood: number;
    try {
      moments = pass.moments!.dataSync() as Float32Array;
      logLikelihood = meanLogLikelihood(ctx, pass.logLikelihoodSum!.dataSync()[0]);
    } finally {
      disposePass(pass);
    }
    const w = data.totalWeight;
    const steps = (previous?.steps ?? 0) + 1;
    const gamma = previous ? (steps + options.learningOffset) ** -options.learningDecay : 1;
    const statistic = em.dataStatistic(data);
    const online: OnlineState = {
      center: Array.from(data.transform.center),
      scale: data.transform.scale,
      steps,
      pending: (previous?.pending ?? 0) + 1,
      moments: blend(
        previous?.moments ?? null,
        Array.from(moments, (v) => v / w),
        gamma,
      ),
      dataStatistic: statistic
        ? blend(
            previous?.dataStatistic ?? null,
            Array.from(statistic.dataSync(), (v) => v / w),
            gamma,
          )
        : null,
    };
    // The first batch always ends with an M-step: it initialises the model.
    if (previous && online.pending < options.mStepEvery) return {online, state: null, logLikelihood};
    online.pending = 0;
    return {online, state: mStepOfRunning(ctx, online, responsibilities), logLikelihood};
  } finally {
    disposeEStepPlan(plan);
  }
}

/** The M-step of the running statistics (per-row averages: a data set of total weight 1). */
function mStepOfRunning(
  batchCtx: EmContext,
  online: OnlineState,
  responsibilities: ReturnType<typeof eStepResponsibilities>,
): ScaledState {
  const {em} = batchCtx;
  const summary = new EmData(1, em.D, batchCtx.data.transform, [], 1, null, new Float32Array(0));
  try {
    if (online.dataStatistic)
      summary.provideExtra(em.dataStatisticKey!, tf.tensor2d(online.dataStatistic, [em.D, em.D]));
    const ctx: EmContext = {...batchCtx, data: summary};
    const moments = tf.tensor2d(online.moments, [em.K, em.width]);
    try {
      const first = firstStage(ctx, {moments, exactScatter: null, logLikelihoodSum: null}, null, true);
      if (first.state) return first.state;
      // The moment formula failed for `redo`: their scatter from this batch, exactly, around the
      // new means, scaled from the batch's N_k to the running N_k.
      const plan = exactPlanAround(first.redo, first.newMeans!);
      disposeCenters(first.newMeans!);
      try {
        const pass = runPass(batchCtx, responsibilities, {moments: true, exact: plan, logLikelihood: false});
        try {
          const scaled = tf.tidy(() => {
            const batchN = tf.gather(tf.slice(pass.moments!, [0, 0], [em.K, 1]), plan.indexTensor);
            const runningN = tf.gather(tf.slice(moments, [0, 0], [em.K, 1]), plan.indexTensor);
            const ratio = tf.div(runningN, tf.add(batchN, 1e-30)); // [Kf, 1]
            const rank = pass.exactScatter!.rank;
            return tf.mul(pass.exactScatter!, tf.reshape(ratio, rank === 3 ? [-1, 1, 1] : [-1, 1]));
          });
          try {
            return secondStage(ctx, moments, plan, scaled).state;
          } finally {
            scaled.dispose();
          }
        } finally {
          disposePass(pass);
        }
      } finally {
        disposePlan(plan);
      }
    } finally {
      moments.dispose();
    }
  } finally {
    summary.dispose();
  }
}

/** Checks a serialised online state against the model (K, D, covariance type's width). */
export function checkOnlineState(fn: string, online: OnlineState, em: EmCovariance): void {
  const finiteArray = (v: unknown, n: number) =>
    Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'number' && Number.isFinite(x));
  const problems: string[] = [];
  if (!finiteArray(online.center, em.D)) problems.push(`center must be ${em.D} finite numbers`);
  if (!(typeof online.scale === 'number' && online.scale > 0 && Number.isFinite(online.scale)))
    problems.push(`scale must be a positive number, but got ${JSON.stringify(online.scale)}`);
  if (!(Number.isInteger(online.steps) && online.steps >= 1)) problems.push('steps must be an integer >= 1');
  if (!(Number.isInteger(online.pending) && online.pending >= 0)) problems.push('pending must be an integer >= 0');
  if (!finiteArray(online.moments, em.K * em.width))
    problems.push(`moments must be ${em.K * em.width} finite numbers (K x basis width)`);
  const statisticSize = em.dataStatisticKey ? em.D * em.D : 0;
  if (statisticSize ? !finiteArray(online.dataStatistic, statisticSize) : online.dataStatistic !== null)
    problems.push(
      statisticSize ? `dataStatistic must be ${statisticSize} finite numbers` : 'dataStatistic must be null',
    );
  if (problems.length) fail(fn, `json.online is not a valid online EM state: ${problems.join('; ')}`);
}
