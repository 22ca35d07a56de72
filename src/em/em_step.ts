/**
 * EM as pure functions: one iteration (`emStep`) and the loop of one initialisation (`emFit`),
 * with scikit-learn's M-step (regCovar on the diagonal, N_k + 10 eps) and its lower bound (the
 * weighted mean log-likelihood).
 */
import * as tf from '@tensorflow/tfjs-core';

import {CovarianceTypeName} from '../../ops/covariance/covariance_type';
import {getCovarianceType} from '../../ops/covariance/registry';
import {TensorInput, assertInteger, assertKnownKeys, assertNumber, fail, optionKeys} from '../../ops/util/args';
import {assertEmCovarianceType, createEmCovariance, featureWidth} from './covariance/registry';
import {BatchSizeOption, autoBatchSize, prepareData} from './data';
import {createContext} from './engine/context';
import {IterationInfo, emIteration, runEm} from './engine/loop';
import {readExactSet} from './engine/m_step';
import {readMixtureParameters} from '../../ops/mixture_parameters';
import {tidyNullable} from '../../ops/util/tidy';
import {
  GaussianMixtureParameters,
  GaussianMixtureParametersInput,
  ScaledState,
  disposeState,
  float64Rows,
  fromScaledState,
  toScaledState,
} from './parameters';

/** Options of {@link emStep}. */
export interface EmStepOptions {
  /** Added to the diagonal of every covariance (default 1e-6, scikit-learn's `reg_covar`). */
  regCovar?: number;
  /** Non-negative weight per sample [N]; EM then maximises the weighted log-likelihood. */
  sampleWeights?: TensorInput;
  /**
   * Rows per chunk of the E- and M-step; bounds memory, not the result (default: as many rows as
   * keep a chunk's features under 64 MiB, at most 131072).
   */
  batchSize?: number;
}

/** Result of {@link emStep}: the updated parameters and the log-likelihood before the update. */
const EM_STEP_OPTION_KEYS = optionKeys<EmStepOptions>({regCovar: true, sampleWeights: true, batchSize: true});

export interface EmStepResult extends GaussianMixtureParameters {
  /**
   * Weighted mean log-likelihood of x under the parameters passed in (scikit-learn's lower bound
   * of the iteration).
   */
  logLikelihood: number;
}

/** Options of {@link emFit}. */
export interface EmFitOptions extends EmStepOptions {
  /** Maximum number of iterations (default 100). */
  maxIter?: number;
  /** Convergence threshold on the change of the lower bound (default 1e-3). */
  tol?: number;
  /** Called after every iteration. */
  onIteration?: (info: IterationInfo) => void;
}

/** Result of {@link emFit}. */
const EM_FIT_OPTION_KEYS = optionKeys<EmFitOptions>({
  regCovar: true,
  sampleWeights: true,
  batchSize: true,
  maxIter: true,
  tol: true,
  onIteration: true,
});

export interface EmFitResult {
  /** The fitted parameters (owned by the caller). */
  parameters: GaussianMixtureParameters;
  /** Whether |change of the lower bound| < tol was reached within maxIter iterations. */
  converged: boolean;
  /** Number of iterations run. */
  nIter: number;
  /** Lower bound of the last iteration (-Infinity when maxIter is 0). */
  lowerBound: number;
  /** Lower bound of every iteration. */
  lowerBounds: number[];
}

/** Validated common options. */
export function readStepOptions(
  fn: string,
  options: EmStepOptions,
  type: CovarianceTypeName,
): {regCovar: number; batchSize: BatchSizeOption} {
  const regCovar = options.regCovar ?? 1e-6;
  assertNumber(fn, 'regCovar', regCovar, {min: 0});
  if (options.batchSize !== undefined) assertInteger(fn, 'batchSize', options.batchSize, 1);
  return {regCovar, batchSize: options.batchSize ?? ((D: number) => autoBatchSize(featureWidth(type, D)))};
}

/** The covariance type of `params` (validated; default full). */
export function readType(fn: string, params: GaussianMixtureParametersInput): CovarianceTypeName {
  if (params === null || typeof params !== 'object')
    fail(
      fn,
      `params must be an object {covarianceType, weights, means, covariances or precisionsCholesky}, but got ${String(params)}`,
    );
  const type = getCovarianceType(params.covarianceType ?? 'full', fn, 'params.covarianceType').name;
  // constant: the variance of params is kept, weights and means are fitted (see constant.ts).
  if (type !== 'constant') assertEmCovarianceType(fn, type);
  return type;
}

/**
 * Runs `body` on prepared data and scaled parameters, releasing everything afterwards.
 */
function withScaledProblem<T>(
  fn: string,
  x: TensorInput,
  params: GaussianMixtureParametersInput,
  options: EmStepOptions,
  body: (ctx: ReturnType<typeof createContext>, scaled: ReturnType<typeof toScaledState>) => T,
): T {
  const type = readType(fn, params);
  const {regCovar, batchSize} = readStepOptions(fn, options, type);
  const data = prepareData(fn, 'x', x, options.sampleWeights, batchSize);
  let em: ReturnType<typeof createEmCovariance> | null = null;
  try {
    const scaled = tidyNullable(() => {
      const p = readMixtureParameters(fn, params, getCovarianceType(type), {argName: 'params', nFeatures: data.D});
      const s = toScaledState(
        type,
        data.transform,
        p.weights,
        p.means,
        p.precisionsCholesky,
        float64Rows(params.means),
      );
      return [s.weights, s.means, s.covariances, s.precisionsCholesky, s.meansLow ?? null];
    });
    const state: ScaledState = {
      weights: scaled[0] as tf.Tensor1D,
      means: scaled[1] as tf.Tensor2D,
      covariances: scaled[2]!,
      precisionsCholesky: scaled[3]!,
      meansLow: scaled[4] as tf.Tensor2D | null,
    };
    // constant: the variance of params (data units) is the one EM keeps.
    const variance = type === 'constant' ? state.covariances.dataSync()[0] * data.transform.scale ** 2 : undefined;
    em = createEmCovariance(type, state.weights.shape[0], data.D, fn, variance);
    const ctx = createContext(fn, data, em, regCovar);
    return body(ctx, state);
  } finally {
    em?.dispose();
    data.dispose();
  }
}

/**
 * One EM iteration: the E-step (responsibilities under `params`) and the M-step (new weights,
 * means and covariances, with `regCovar` added to the diagonal), as scikit-learn's
 * `GaussianMixture` performs it for every covariance type.
 *
 * @param x data [N, D].
 * @param params current parameters (covarianceType defaults to 'full'); not modified.
 * @returns the new parameters (owned by the caller) and the log-likelihood under `params`.
 *
 * @example
 * const next = emStep(x, {covarianceType: 'diag', weights, means, covariances});
 * console.log(next.logLikelihood);
 */
export function emStep(
  x: TensorInput,
  params: GaussianMixtureParametersInput,
  options: EmStepOptions = {},
): EmStepResult {
  const fn = 'emStep';
  assertKnownKeys(fn, 'options', options, EM_STEP_OPTION_KEYS);
  return withScaledProblem(fn, x, params, options, (ctx, state) => {
    try {
      const result = emIteration(ctx, state, readExactSet(ctx, state));
      const out = fromScaledState(ctx.data.transform, result.state);
      disposeState(result.state);
      return {...out, covarianceType: ctx.em.name, logLikelihood: result.logLikelihood};
    } finally {
      disposeState(state);
    }
  });
}

/**
 * Iterates EM from `params` until the lower bound (the weighted mean log-likelihood) changes by
 * less than `tol`, or for `maxIter` iterations (scikit-learn's loop for one initialisation).
 *
 * @returns the fitted parameters (owned by the caller) and the convergence diagnostics.
 */
export function emFit(x: TensorInput, params: GaussianMixtureParametersInput, options: EmFitOptions = {}): EmFitResult {
  const fn = 'emFit';
  assertKnownKeys(fn, 'options', options, EM_FIT_OPTION_KEYS);
  const maxIter = options.maxIter ?? 100;
  assertInteger(fn, 'maxIter', maxIter, 0);
  const tol = options.tol ?? 1e-3;
  assertNumber(fn, 'tol', tol, {min: 0});
  if (options.onIteration !== undefined && typeof options.onIteration !== 'function') {
    fail(fn, `onIteration must be a function, but got ${typeof options.onIteration}`);
  }
  return withScaledProblem(fn, x, params, options, (ctx, state) => {
    const result = runEm(ctx, state, {maxIter, tol, onIteration: options.onIteration});
    const parameters = {...fromScaledState(ctx.data.transform, result.state), covarianceType: ctx.em.name};
    disposeState(result.state);
    return {
      parameters,
      converged: result.converged,
      nIter: result.nIter,
      lowerBound: result.lowerBound,
      lowerBounds: result.lowerBounds,
    };
  });
}
