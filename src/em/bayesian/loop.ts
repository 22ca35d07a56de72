/**
 * Variational inference for a Bayesian Gaussian mixture on the chunked EM engine: the E-step's
 * per-component log-probabilities come from the engine's kernels (feature-basis matmuls, with the
 * exact path for ill-conditioned components) plus the variational offset of every component;
 * the engine's M-step turns the responsibilities into N_k, x_k and s_k; the variational M-step
 * (posterior.ts, covariance.ts) turns those into the posterior. Everything runs in the scaled
 * space of `EmData`; the lower bound is computed in the data space.
 */
import * as tf from '@tensorflow/tfjs-core';

import {NK_EPSILON} from '../covariance/em_covariance';
import {EmContext} from '../engine/context';
import {EStepPlan, disposeEStepPlan, planEStep, posterior as softmaxPosterior} from '../engine/e_step';
import {IterationInfo} from '../engine/loop';
import {mStep, readExactSet} from '../engine/m_step';
import {ChunkResponsibilities} from '../engine/pass';
import {ResponsibilitySource, stateFromResponsibilities} from '../init/methods';
import {ScaledState, disposeState} from '../parameters';
import {BayesianCovarianceType} from './covariance';
import {WeightConcentrationPriorType} from './options';
import {Posterior, disposePosterior, logDetCholesky, logProbOffset, lowerBoundOf, variationalMStep} from './posterior';
import {ScaledPriors} from './priors';

/** Everything an iteration needs besides the posterior. */
export interface VariationalContext {
  ctx: EmContext;
  type: BayesianCovarianceType;
  priorType: WeightConcentrationPriorType;
  priors: ScaledPriors;
}

/** The Gaussian part of a posterior as an engine state (unit weights: the offset carries E[log pi]). */
function gaussianState(p: Posterior, K: number): ScaledState {
  return {weights: tf.ones([K]), means: p.means, covariances: p.covariances, precisionsCholesky: p.precisionsCholesky};
}

/**
 * Per chunk: responsibilities softmax(L + offset) and, in place of the log-likelihood the
 * engine's pass sums, sum_k r log r [B, 1] (with log r = logits - logSumExp, no log of a floored r).
 */
function variationalResponsibilities(
  ctx: EmContext,
  state: ScaledState,
  plan: EStepPlan,
  offset: tf.Tensor2D,
): ChunkResponsibilities {
  const {em, data} = ctx;
  const all = Array.from({length: em.K}, (_, k) => k);
  return (index: number, z: tf.Tensor2D) => {
    const chunk = data.chunks[index];
    const x = chunk.x;
    let logits: tf.Tensor2D;
    if (!plan.coefficients) {
      logits = em.directLogits(chunk, state, all);
    } else {
      logits = tf.matMul(z, plan.coefficients);
      const shared = em.sharedLogit(x, state);
      if (shared) logits = tf.add(logits, shared);
      if (plan.placement) logits = tf.add(logits, tf.matMul(em.directLogits(chunk, state, plan.exact), plan.placement));
    }
    logits = tf.add(logits, offset);
    const {resp, logLikelihood} = softmaxPosterior(logits);
    return {resp, logLikelihood: tf.sum(tf.mul(resp, tf.sub(logits, logLikelihood)), -1, true) as tf.Tensor2D};
  };
}

/** N_k (+ 10 eps, as the engine's M-step adds it) from the M-step's weights and the total responsibility. */
function componentCounts(weights: tf.Tensor1D, totalResponsibility: number): Float64Array {
  const K = weights.shape[0];
  const total = totalResponsibility + K * NK_EPSILON;
  return Float64Array.from(weights.dataSync(), (w) => w * total);
}

/** The variational M-step from an engine M-step's state (weights = N_k / sum N_k, means x_k, covariances s_k). */
function posteriorFromMoments(vc: VariationalContext, moments: ScaledState, totalResponsibility: number): Posterior {
  const nk = componentCounts(moments.weights, totalResponsibility);
  return variationalMStep(vc.ctx.fn, vc.type, vc.priorType, vc.priors, nk, moments.means, moments.covariances);
}

/** The starting posterior from an initialisation's responsibilities (scikit-learn's `_initialize`). */
export function initialPosterior(
  vc: VariationalContext,
  source: ResponsibilitySource,
  totalResponsibility: number,
): Posterior {
  const moments = stateFromResponsibilities(vc.ctx, source);
  try {
    return posteriorFromMoments(vc, moments, totalResponsibility);
  } finally {
    disposeState(moments);
  }
}

/** The lower bound of a posterior (data space) given the E-step's sum r log r. */
function lowerBound(vc: VariationalContext, p: Posterior, sumRLogR: number): number {
  const {K, D} = vc.ctx.em;
  const t = logDetCholesky(vc.type, p.precisionsCholesky, K, D);
  const scaled = t.dataSync();
  t.dispose();
  const shift = D * Math.log(vc.ctx.data.transform.scale); // P = P' / s in the data space
  return lowerBoundOf(
    vc.type,
    vc.priorType,
    p,
    sumRLogR,
    Array.from(scaled, (v) => v - shift),
    D,
  );
}

/** One iteration (E-step, M-step) from `p` (left untouched): the new posterior and its lower bound. */
export function variationalIteration(vc: VariationalContext, p: Posterior): {posterior: Posterior; lowerBound: number} {
  const {ctx} = vc;
  const {K, D} = ctx.em;
  const state = gaussianState(p, K);
  const offset = tf.tensor2d(Float32Array.from(logProbOffset(vc.priorType, p, D)), [1, K]);
  // As the engine's loop: the components on the exact path in the E-step also get their exact
  // scatter in the first pass (around the current means), so that no second pass is needed for them.
  const exact = readExactSet(ctx, state);
  const plan = planEStep(ctx.em, state, exact);
  let moments: ScaledState | null = null;
  try {
    const step = mStep(ctx, variationalResponsibilities(ctx, state, plan, offset), {
      exact,
      previousMeans: {means: p.means},
      fastAllowed: true,
    });
    moments = step.state;
    // The pass reported sum r log r as if it were a log-likelihood sum: undo meanLogLikelihood's map.
    const sumRLogR = (step.logLikelihood + D * Math.log(ctx.data.transform.scale)) * ctx.data.totalWeight;
    const next = posteriorFromMoments(vc, moments, ctx.data.totalWeight);
    try {
      return {posterior: next, lowerBound: lowerBound(vc, next, sumRLogR)};
    } catch (e) {
      disposePosterior(next);
      throw e;
    }
  } finally {
    disposeState(moments);
    disposeEStepPlan(plan);
    tf.dispose([offset, state.weights]);
  }
}

/** Options of the loop. */
export interface VariationalLoopOptions {
  maxIter: number;
  tol: number;
  onIteration?: (info: IterationInfo) => void;
  /** Lower bound the first change is measured from (warm starts); default -Infinity. */
  startLowerBound?: number;
  init?: number;
}

/** Result of the loop; the caller owns `posterior`. */
export interface VariationalLoopResult {
  posterior: Posterior;
  converged: boolean;
  nIter: number;
  lowerBound: number;
  lowerBounds: number[];
}

/**
 * Iterates from `initial` (taking ownership of it) until the lower bound changes by less than
 * `tol` or `maxIter` iterations ran, as scikit-learn's `fit` does for one initialisation.
 */
export function runVariational(
  vc: VariationalContext,
  initial: Posterior,
  options: VariationalLoopOptions,
): VariationalLoopResult {
  let p = initial;
  let bound = options.startLowerBound ?? -Infinity;
  const lowerBounds: number[] = [];
  let converged = false;
  let nIter = 0;
  try {
    for (let iteration = 1; iteration <= options.maxIter; iteration++) {
      const previous = bound;
      const next = variationalIteration(vc, p);
      disposePosterior(p);
      p = next.posterior;
      bound = next.lowerBound;
      if (!Number.isFinite(bound))
        throw new Error(
          `${vc.ctx.fn}: the lower bound must stay finite, but it is ${bound} at iteration ${iteration} ` +
            '(numerical overflow; check the data for extreme values)',
        );
      lowerBounds.push(bound);
      nIter = iteration;
      const change = bound - previous;
      options.onIteration?.({iteration, lowerBound: bound, change, init: options.init ?? 0});
      if (Math.abs(change) < options.tol) {
        converged = true;
        break;
      }
    }
  } catch (e) {
    disposePosterior(p);
    throw e;
  }
  return {posterior: p, converged, nIter, lowerBound: nIter > 0 ? bound : -Infinity, lowerBounds};
}
