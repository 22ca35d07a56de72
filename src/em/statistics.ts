/**
 * The sufficient statistics of EM as a public API: `emStatistics` runs the E-step over some rows
 * and returns their sums as a small plain object, `mergeEmStatistics` adds the sums of disjoint
 * parts, and `emMStep` turns the merged sums into new parameters. The E-step can so run wherever
 * the data live (processes, machines, browsers) and only the statistics travel.
 *
 * The sums are taken in a frame x' = (x - center) / scale derived from the parameters alone (so
 * that every part agrees on it without seeing the others): center = sum_k w_k mu_k, scale^2 =
 * the mean variance of the mixture per feature. This is the engine's centring in float64 (see
 * data.ts): the float32 second moments stay accurate for data far from the origin.
 */
import * as tf from '@tensorflow/tfjs-core';

import {getCovarianceType} from '../../ops/covariance/registry';
import {readMixtureParameters} from '../../ops/mixture_parameters';
import {TensorInput, assertInteger, assertKnownKeys, assertNumber, fail, optionKeys} from '../../ops/util/args';
import {basisWidth, createEmCovariance, featureWidth} from './covariance/registry';
import {EmCovariance} from './covariance/em_covariance';
import {DataTransform, EmData, autoBatchSize, prepareData} from './data';
import {readType} from './em_step';
import {createContext} from './engine/context';
import {disposeEStepPlan, eStepResponsibilities, planEStep} from './engine/e_step';
import {disposeCenters, exactPlanAround, firstStage, readExactSet, secondStage} from './engine/m_step';
import {ExactPlan, disposePass, disposePlan, exactPlanFromValues, readShifts, runPass} from './engine/pass';
import {arraysToPass, passToArrays} from './engine/statistics';
import {
  GaussianMixtureParameters,
  GaussianMixtureParametersInput,
  ScaledState,
  disposeState,
  float64Rows,
  fromScaledState,
  readMeans,
  toScaledState,
} from './parameters';

/** The `format` tag of {@link EmStatistics}. */
export const EM_STATISTICS_FORMAT = 'tfjs-gmm/em-statistics';
/** The version of the {@link EmStatistics} wire format this release reads and writes. */
export const EM_STATISTICS_VERSION = 1;

/** Components asked to be redone with their scatter taken exactly around `centers` (see {@link emMStep}). */
export interface EmExactPass {
  /** Component indices, ascending. */
  components: number[];
  /** Data-space centers [Kf][D] (the new means of the components). */
  centers: number[][];
}

/** The exact scatter part of {@link EmStatistics}. */
export interface EmExactStatistics {
  /**
   * 'estep': the components that are ill-conditioned under the parameters of the E-step, around
   * their means; 'exactPass': the components and centers of an {@link EmExactPass}.
   */
  stage: 'estep' | 'exactPass';
  /** Component indices, ascending. */
  components: number[];
  /** Centers in the frame (float64), [Kf * D] row-major. */
  centers: number[];
  /**
   * Per component, packed: the scatter sum_n w r_nk (x'_n - c_k)(x'_n - c_k)^T in the frame,
   * then the first moment sum_n w r_nk (x'_n - c_k): [Kf * (D + 1) * D] for full and tied
   * (the D x D scatter, then one row), [Kf * 2D] for diag and spherical (the scatter's diagonal,
   * then the first moment).
   */
  scatter: number[];
}

/**
 * Sufficient statistics of an EM pass over some rows, under given parameters. Plain numbers and
 * arrays (JSON-serialisable); two parts merge by adding every sum. Wire format version 1:
 *
 * - `format` `'tfjs-gmm/em-statistics'`, `version` 1, `covarianceType`, `nComponents` K,
 *   `nFeatures` D;
 * - `frame` `{center: number[D], scale}`: the sums are taken over x' = (x - center) / scale;
 * - `rows` (count), `totalWeight` (sum of sample weights), `logLikelihoodSum` (sum of
 *   w log p(x) under the parameters, data space);
 * - `basisWidth` W and `moments` [K * W] row-major: per component sum w r phi(x') over the
 *   covariance type's basis phi: full the flattened z z^T of z = [1, x'] ((D + 1)^2 entries, row
 *   by row), tied [1, x'], diag [1, x', x'^2], spherical [1, x', |x'|^2], so the first entry is
 *   N_k and the next D are sum w r x';
 * - `exact` ({@link EmExactStatistics}) or null: the scatter of ill-conditioned components taken
 *   around centers close to their means, which the M-step uses instead of the moments;
 * - `dataStatistic` or null: tied only, sum w x' x'^T [D * D].
 */
export interface EmStatistics {
  format: typeof EM_STATISTICS_FORMAT;
  version: typeof EM_STATISTICS_VERSION;
  covarianceType: string;
  nComponents: number;
  nFeatures: number;
  frame: {center: number[]; scale: number};
  rows: number;
  totalWeight: number;
  logLikelihoodSum: number;
  basisWidth: number;
  moments: number[];
  exact: EmExactStatistics | null;
  dataStatistic: number[] | null;
}

/** Options of {@link emStatistics}. */
export interface EmStatisticsOptions {
  /** Non-negative weight per row [N]. */
  sampleWeights?: TensorInput;
  /** Rows per chunk (bounds memory, not the result); default as in {@link emStep}. */
  batchSize?: number;
  /** The {@link EmExactPass} of an {@link emMStep} result: take these components' scatter exactly. */
  exactPass?: EmExactPass;
}

const STATISTICS_OPTION_KEYS = optionKeys<EmStatisticsOptions>({sampleWeights: true, batchSize: true, exactPass: true});

/** Options of {@link emMStep}. */
export interface EmMStepOptions {
  /** Added to the diagonal of every covariance (default 1e-6, scikit-learn's `reg_covar`). */
  regCovar?: number;
}

const M_STEP_OPTION_KEYS = optionKeys<EmMStepOptions>({regCovar: true});

/** Result of {@link emMStep}. */
export interface EmMStepResult {
  /** The new parameters (owned by the caller), or null when `exactPass` asks for another pass. */
  parameters: GaussianMixtureParameters | null;
  /** Weighted mean log-likelihood of the rows under the parameters of the statistics. */
  logLikelihood: number;
  /**
   * null, or the components whose new covariance the moments cannot give accurately (they became
   * ill-conditioned or indefinite in this step): compute `emStatistics(x, params, {exactPass})`
   * for every part again, merge, and call `emMStep` on that.
   */
  exactPass: EmExactPass | null;
}

/** The frame of a parameter set: center sum w mu / sum w, scale^2 the mean variance per feature. */
function frameOf(weights: tf.Tensor, means: tf.Tensor, covariances: tf.Tensor, D: number): DataTransform {
  const w = Float64Array.from(weights.dataSync());
  const mu = Float64Array.from(means.dataSync());
  const K = w.length;
  const total = w.reduce((s, v) => s + v, 0) || 1;
  const center = new Float64Array(D);
  for (let k = 0; k < K; k++) for (let j = 0; j < D; j++) center[j] += (w[k] * mu[k * D + j]) / total;
  let between = 0;
  for (let k = 0; k < K; k++)
    for (let j = 0; j < D; j++) between += (w[k] * (mu[k * D + j] - center[j]) ** 2) / (total * D);
  // Mean of the covariances' diagonal entries (matrices [.., D, D], or diagonals / scalars).
  const c = covariances.dataSync();
  const shape = covariances.shape;
  const isMatrix = shape.length >= 2 && shape[shape.length - 1] === D && shape[shape.length - 2] === D;
  let within = 0;
  let count = 0;
  if (isMatrix) {
    for (let base = 0; base < c.length; base += D * D)
      for (let j = 0; j < D; j++, count++) within += c[base + j * D + j];
  } else {
    for (let i = 0; i < c.length; i++, count++) within += c[i];
  }
  const scale = Math.sqrt(within / Math.max(count, 1) + between);
  return {center, scale: scale > 0 && Number.isFinite(scale) ? scale : 1};
}

/** Validates an exact pass request against K and D; its centers in the frame [Kf, D]. */
function readExactPass(fn: string, pass: EmExactPass, K: number, D: number, frame: DataTransform): number[][] {
  if (pass === null || typeof pass !== 'object' || !Array.isArray(pass.components) || !Array.isArray(pass.centers))
    fail(fn, `options.exactPass must be an emMStep result's exactPass {components, centers}, but got ${String(pass)}`);
  pass.components.forEach((k, i) => {
    if (!Number.isInteger(k) || k < 0 || k >= K || (i > 0 && k <= pass.components[i - 1]))
      fail(
        fn,
        `options.exactPass.components must be ascending component indices in [0, ${K}), but got [${pass.components.join(', ')}]`,
      );
  });
  if (pass.components.length === 0)
    fail(fn, 'options.exactPass.components must name at least one component, but got []');
  const Kf = pass.components.length;
  if (pass.centers.length !== Kf || pass.centers.some((row) => !Array.isArray(row) || row.length !== D))
    fail(fn, `options.exactPass.centers must have shape [${Kf}, ${D}] (components, D)`);
  return pass.centers.map((row) =>
    row.map((v, j) => {
      if (!Number.isFinite(v)) fail(fn, `options.exactPass.centers must be finite, but got ${v}`);
      return (v - frame.center[j]) / frame.scale;
    }),
  );
}

/**
 * The EM sufficient statistics of the rows `x` under `params`: the E-step's responsibilities
 * reduced to per-component sums (see {@link EmStatistics} for the format). Statistics of
 * disjoint parts of a data set, computed under the same parameters, combine with
 * {@link mergeEmStatistics}; {@link emMStep} turns them into the parameters of one EM step.
 *
 * @param x rows [N, D] (N >= 1).
 * @param params the current parameters (covarianceType defaults to 'full'); not modified.
 *
 * @example
 * const parts = [xA, xB].map((x) => emStatistics(x, params));
 * const step = emMStep(mergeEmStatistics(parts[0], parts[1]));
 */
export function emStatistics(
  x: TensorInput,
  params: GaussianMixtureParametersInput,
  options: EmStatisticsOptions = {},
): EmStatistics {
  const fn = 'emStatistics';
  assertKnownKeys(fn, 'options', options, STATISTICS_OPTION_KEYS);
  const type = readType(fn, params);
  if (options.batchSize !== undefined) assertInteger(fn, 'batchSize', options.batchSize, 1);
  const read = tf.tidy(() => {
    const p = readMixtureParameters(fn, params, getCovarianceType(type), {argName: 'params'});
    return [p.weights, p.means, p.covariances, p.precisionsCholesky].map((t) => tf.clone(t));
  });
  let data: EmData | null = null;
  let em: EmCovariance | null = null;
  let state: ScaledState | null = null;
  let plan: ExactPlan | null = null;
  try {
    const [weights, means, covariances, factor] = read;
    const [K, D] = means.shape;
    const frame = frameOf(weights, means, covariances, D);
    const width = basisWidth(type, D);
    data = prepareData(
      fn,
      'x',
      x,
      options.sampleWeights,
      options.batchSize ?? autoBatchSize(featureWidth(type, D)),
      frame,
    );
    if (data.D !== D) fail(fn, `x must have shape [N, ${D}] (D of params.means), but got [${data.N}, ${data.D}]`);
    em = createEmCovariance(type, K, D, fn);
    const ctx = createContext(fn, data, em, 0);
    state = toScaledState(type, frame, weights, means, factor, float64Rows(params.means));
    const eStepExact = readExactSet(ctx, state);
    let stage: EmExactStatistics['stage'] = 'estep';
    if (options.exactPass !== undefined) {
      const centers = readExactPass(fn, options.exactPass, K, D, frame);
      plan = exactPlanFromValues(options.exactPass.components, centers.flat(), D);
      stage = 'exactPass';
    } else if (eStepExact.length > 0) {
      plan = exactPlanAround(eStepExact, state);
    }
    const ePlan = planEStep(em, state, eStepExact);
    let pass;
    try {
      pass = runPass(ctx, eStepResponsibilities(ctx, state, ePlan), {moments: true, exact: plan, logLikelihood: true});
    } finally {
      disposeEStepPlan(ePlan);
    }
    const arrays = passToArrays(pass);
    const dataStatistic = em.dataStatistic(data);
    const shifts = plan ? Array.from(readShifts(plan)) : [];
    return {
      format: EM_STATISTICS_FORMAT,
      version: EM_STATISTICS_VERSION,
      covarianceType: type,
      nComponents: K,
      nFeatures: D,
      frame: {center: Array.from(frame.center), scale: frame.scale},
      rows: data.N,
      totalWeight: data.totalWeight,
      // Data space: log p(x) = log p'(x') - D log s.
      logLikelihoodSum: arrays.logLikelihoodSum! - data.totalWeight * D * Math.log(frame.scale),
      basisWidth: width,
      moments: Array.from(arrays.moments!),
      exact: plan
        ? {stage, components: plan.indices.slice(), centers: shifts, scatter: Array.from(arrays.exactScatter!)}
        : null,
      dataStatistic: dataStatistic ? Array.from(dataStatistic.dataSync()) : null,
    };
  } finally {
    tf.dispose(read);
    disposeState(state);
    disposePlan(plan);
    em?.dispose();
    data?.dispose();
  }
}

function isNumberArray(value: unknown, length: number): value is number[] {
  return Array.isArray(value) && value.length === length && value.every((v) => typeof v === 'number');
}

/** Validates a statistics object (`argName` of `fn`). */
function checkStatistics(fn: string, argName: string, s: EmStatistics): void {
  if (s === null || typeof s !== 'object' || s.format !== EM_STATISTICS_FORMAT)
    fail(
      fn,
      `${argName} must be an emStatistics result (format '${EM_STATISTICS_FORMAT}'), but got ${String(s?.format ?? s)}`,
    );
  if (s.version !== EM_STATISTICS_VERSION)
    fail(fn, `${argName}.version must be ${EM_STATISTICS_VERSION}, but got ${String(s.version)}`);
  const type = getCovarianceType(s.covarianceType, fn, `${argName}.covarianceType`).name;
  const K = s.nComponents;
  const D = s.nFeatures;
  assertInteger(fn, `${argName}.nComponents`, K, 1);
  assertInteger(fn, `${argName}.nFeatures`, D, 1);
  const width = basisWidth(type, D);
  const bad = (field: string, expected: string) => fail(fn, `${argName}.${field} must be ${expected}`);
  if (s.basisWidth !== width) bad('basisWidth', `${width} (${type}, D = ${D}), but got ${String(s.basisWidth)}`);
  if (!s.frame || !isNumberArray(s.frame.center, D) || !(s.frame.scale > 0))
    bad('frame', `{center: number[${D}], scale > 0}`);
  if (!isNumberArray(s.moments, K * width)) bad('moments', `a number array of length ${K * width} (K * basisWidth)`);
  assertNumber(fn, `${argName}.rows`, s.rows, {min: 0});
  assertNumber(fn, `${argName}.totalWeight`, s.totalWeight, {min: 0});
  if (typeof s.logLikelihoodSum !== 'number') bad('logLikelihoodSum', 'a number');
  const statisticLength = type === 'tied' ? D * D : 0;
  if (statisticLength > 0 ? !isNumberArray(s.dataStatistic, statisticLength) : s.dataStatistic !== null)
    bad('dataStatistic', statisticLength > 0 ? `a number array of length ${statisticLength}` : 'null');
  if (s.exact !== null) {
    const e = s.exact;
    if (!e || (e.stage !== 'estep' && e.stage !== 'exactPass') || !Array.isArray(e.components))
      bad('exact', "null or {stage: 'estep' | 'exactPass', components, centers, scatter}");
    const Kf = e.components.length;
    const perComponent = type === 'full' || type === 'tied' ? (D + 1) * D : 2 * D;
    if (!isNumberArray(e.centers, Kf * D)) bad('exact.centers', `a number array of length ${Kf * D}`);
    if (!isNumberArray(e.scatter, Kf * perComponent))
      bad('exact.scatter', `a number array of length ${Kf * perComponent}`);
  }
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

const sum = (a: number[], b: number[]) => a.map((v, i) => v + b[i]);

/**
 * The statistics of the union of two disjoint parts (every sum added, in float64). Both must
 * come from {@link emStatistics} under the same parameters (same type, K, D, frame and exact
 * components); `a` and `b` are not modified.
 */
export function mergeEmStatistics(a: EmStatistics, b: EmStatistics): EmStatistics {
  const fn = 'mergeEmStatistics';
  checkStatistics(fn, 'a', a);
  checkStatistics(fn, 'b', b);
  const mismatch = (what: string, x: string, y: string) =>
    fail(fn, `b must have the ${what} of a (statistics under the same parameters), but got ${y} and ${x}`);
  if (a.covarianceType !== b.covarianceType) mismatch('covarianceType', a.covarianceType, b.covarianceType);
  if (a.nComponents !== b.nComponents || a.nFeatures !== b.nFeatures)
    mismatch('K and D', `${a.nComponents}, ${a.nFeatures}`, `${b.nComponents}, ${b.nFeatures}`);
  if (a.frame.scale !== b.frame.scale || !sameNumbers(a.frame.center, b.frame.center))
    mismatch('frame', JSON.stringify(a.frame), JSON.stringify(b.frame));
  const ea = a.exact;
  const eb = b.exact;
  const exactKey = (e: EmExactStatistics | null) => (e ? `${e.stage} [${e.components.join(', ')}]` : 'null');
  if (
    (ea === null) !== (eb === null) ||
    (ea &&
      eb &&
      (ea.stage !== eb.stage || !sameNumbers(ea.components, eb.components) || !sameNumbers(ea.centers, eb.centers)))
  )
    mismatch('exact components and centers', exactKey(ea), exactKey(eb));
  return {
    ...a,
    frame: {center: a.frame.center.slice(), scale: a.frame.scale},
    rows: a.rows + b.rows,
    totalWeight: a.totalWeight + b.totalWeight,
    logLikelihoodSum: a.logLikelihoodSum + b.logLikelihoodSum,
    moments: sum(a.moments, b.moments),
    exact:
      ea && eb
        ? {...ea, components: ea.components.slice(), centers: ea.centers.slice(), scatter: sum(ea.scatter, eb.scatter)}
        : null,
    dataStatistic: a.dataStatistic && b.dataStatistic ? sum(a.dataStatistic, b.dataStatistic) : null,
  };
}

/**
 * The M-step of EM from merged statistics: the parameters of one EM step (as {@link emStep}
 * computes them from all rows at once), with `regCovar` added to every covariance's diagonal.
 * When a component's new covariance cannot be taken from the moments accurately, the result has
 * `parameters: null` and an `exactPass` to compute the statistics with (see {@link EmMStepResult}).
 *
 * @example
 * let step = emMStep(stats, {regCovar: 1e-6});
 * if (step.exactPass) step = emMStep(emStatistics(x, params, {exactPass: step.exactPass}));
 */
export function emMStep(statistics: EmStatistics, options: EmMStepOptions = {}): EmMStepResult {
  const fn = 'emMStep';
  assertKnownKeys(fn, 'options', options, M_STEP_OPTION_KEYS);
  checkStatistics(fn, 'statistics', statistics);
  const regCovar = options.regCovar ?? 1e-6;
  assertNumber(fn, 'regCovar', regCovar, {min: 0});
  const s = statistics;
  if (!(s.totalWeight > 0)) fail(fn, `statistics.totalWeight must be positive, but got ${s.totalWeight}`);
  const K = s.nComponents;
  const D = s.nFeatures;
  const frame: DataTransform = {center: Float64Array.from(s.frame.center), scale: s.frame.scale};
  const em = createEmCovariance(s.covarianceType, K, D, fn);
  const data = new EmData(s.rows, D, frame, [], s.totalWeight, null, new Float32Array(0));
  let plan: ExactPlan | null = null;
  const pass = arraysToPass(
    em,
    {
      moments: Float64Array.from(s.moments),
      exactScatter: s.exact ? Float64Array.from(s.exact.scatter) : null,
      logLikelihoodSum: null,
    },
    s.exact?.components.length ?? 0,
  );
  try {
    const key = em.dataStatisticKey;
    if (key && s.dataStatistic) data.provideExtra(key, tf.tensor2d(Float32Array.from(s.dataStatistic), [D, D]));
    const ctx = createContext(fn, data, em, regCovar);
    const logLikelihood = s.logLikelihoodSum / s.totalWeight;
    if (s.exact) {
      plan = exactPlanFromValues(s.exact.components, s.exact.centers, D);
    }
    let state: ScaledState;
    if (s.exact?.stage === 'exactPass') {
      state = secondStage(ctx, pass.moments!, plan!, pass.exactScatter).state;
    } else {
      const first = firstStage(ctx, pass, plan, true);
      if (!first.state) {
        const values = readMeans(first.newMeans!);
        disposeCenters(first.newMeans!);
        const centers = first.redo.map((k) =>
          Array.from({length: D}, (_, j) => frame.center[j] + frame.scale * values[k * D + j]),
        );
        return {parameters: null, logLikelihood, exactPass: {components: first.redo, centers}};
      }
      state = first.state;
    }
    const out = fromScaledState(frame, state);
    disposeState(state);
    return {parameters: {...out, covarianceType: em.name}, logLikelihood, exactPass: null};
  } finally {
    disposePass(pass);
    disposePlan(plan);
    em.dispose();
    data.dispose();
  }
}
