/**
 * One EM iteration (E-step, then M-step) and the iteration loop of one initialisation.
 * Everything here works in the scaled space of `EmData`; the public functions (em_step.ts,
 * gaussian_mixture.ts) map parameters in and out.
 */
import {ScaledState, disposeState} from '../parameters';
import {EmContext} from './context';
import {disposeEStepPlan, eStepResponsibilities, planEStep} from './e_step';
import {MStepResult, mStepProgram, readExactSet} from './m_step';
import {EmProgram, runProgram} from './program';

/** One EM iteration (E-step and M-step) from `state`; `state` is left untouched. */
export function emIteration(ctx: EmContext, state: ScaledState, exact: number[]): MStepResult {
  return runProgram(ctx, emIterationProgram(ctx, state, exact));
}

/**
 * {@link emIteration} as a program. With workers (`ctx.parallel`) its passes are calls of the
 * workers, which the driver runs blocking (`fit`) or awaits (`fitAsync`).
 */
export function* emIterationProgram(ctx: EmContext, state: ScaledState, exact: number[]): EmProgram<MStepResult> {
  const options = {exact, previousMeans: state, fastAllowed: true};
  if (ctx.parallel) return yield* mStepProgram(ctx, ctx.parallel.runner(state, exact), options);
  const plan = planEStep(ctx.em, state, exact);
  try {
    return yield* mStepProgram(ctx, (on) => eStepResponsibilities(on, state, plan), options);
  } finally {
    disposeEStepPlan(plan);
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
  /** 0-based index of the initialisation, reported to `onIteration`. */
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
  return runProgram(ctx, emProgram(ctx, initial, options));
}

/** {@link runEm} as a program; it reports the end of every iteration before `onIteration`. */
export function* emProgram(ctx: EmContext, initial: ScaledState, options: LoopOptions): EmProgram<LoopResult> {
  let state = initial;
  let lowerBound = options.startLowerBound ?? -Infinity;
  const lowerBounds: number[] = [];
  let converged = false;
  let nIter = 0;
  try {
    let exact = options.maxIter > 0 ? readExactSet(ctx, state) : [];
    for (let iteration = 1; iteration <= options.maxIter; iteration++) {
      const previous = lowerBound;
      const next = yield* emIterationProgram(ctx, state, exact);
      disposeState(state);
      state = next.state;
      exact = next.exactNext;
      lowerBound = next.logLikelihood;
      if (!Number.isFinite(lowerBound)) {
        throw new Error(
          `${ctx.fn}: the log-likelihood must stay finite, but it is ${lowerBound} at iteration ${iteration} ` +
            '(numerical overflow; check the data for extreme values)',
        );
      }
      lowerBounds.push(lowerBound);
      nIter = iteration;
      yield {kind: 'iteration', state, iteration, lowerBound, lowerBounds};
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
