/**
 * The configuration shared by a mixture-density head and the functions that read its output,
 * and the packed layout of that output.
 *
 * A head's output row holds, for K components over D target coordinates (P entries in all):
 *
 * | entries | what | decoded as |
 * |---|---|---|
 * | `[0, K)` | mixture logits | weights = softmax(logits) |
 * | `[K, K + K D)` | means, component-major (`mean[k][d]` at `K + k D + d`) | as is |
 * | next `K D` (diag, full) or `K` (spherical) | raw scales `r` | sigma = minScale + softplus(r) |
 * | next `K D (D - 1) / 2` (full only) | correlation coefficients `c` | as is |
 *
 * - `diag`: `sigma[k][d]` at `K + K D + k D + d` is the standard deviation of coordinate d.
 * - `spherical`: `sigma[k]` at `K + K D + k`, one standard deviation for every coordinate.
 * - `full`: each component is a Gaussian autoregression over the coordinates in standardised
 *   units `z_i = (y_i - mu_i) / sigma_i`: given coordinates 0..j-1, `z_j` is normal with mean
 *   `sum_{i<j} c[k][j][i] z_i` and variance 1. So `sigma[k][j]` is the standard deviation of
 *   coordinate j given the previous ones (`sigma[k][0]` is the marginal one), and the
 *   coefficients are scale-free: for D = 2 the correlation is `c / sqrt(1 + c^2)` whatever the
 *   scales. The coefficients of coordinate j are contiguous: for j = 1..D-1, for i = 0..j-1,
 *   component by component (`c[k][j][i]` at `K + 2 K D + k D (D - 1) / 2 + j (j - 1) / 2 + i`).
 *   The precision Cholesky factor is `P = diag(1 / sigma) (I - C)` with `C` strictly upper
 *   triangular, `C[i][j] = c[k][j][i]`, and `Sigma^-1 = P P^T`; every covariance has exactly
 *   one such form (the modified Cholesky decomposition).
 */
import {assertInteger, assertNumber, fail} from '../util/args';
import {MDN_LAYOUTS, MdnCovarianceType} from './layouts';

export type {MdnCovarianceType};

/** The covariance types of {@link MdnCovarianceType}, default first. */
export const MDN_COVARIANCE_TYPES = Object.keys(MDN_LAYOUTS) as readonly MdnCovarianceType[];

/** Default lower bound on every predicted standard deviation, in target units. */
export const DEFAULT_MIN_SCALE = 1e-3;

/**
 * What the functions reading a head's output need to know about it. A `MixtureDensityHead`
 * layer is itself an `MdnSpec`, so `mdnLoss(head)` and `mdnSample(yPred, head)` work.
 */
export interface MdnSpec {
  /** Number of mixture components K (>= 1). */
  nComponents: number;
  /** Number of target coordinates D (>= 1). */
  outputDim: number;
  /** Covariance of each component (default 'diag'). */
  covarianceType?: MdnCovarianceType;
  /**
   * Lower bound on every predicted standard deviation (conditional ones for 'full'), in target
   * units (default 1e-3). It bounds the density from above, so no component can collapse onto a
   * single target.
   */
  minScale?: number;
}

/** An {@link MdnSpec} with defaults filled in and the derived sizes. */
export interface ResolvedMdnSpec {
  nComponents: number;
  outputDim: number;
  /** 'diag' when not given. */
  covarianceType: MdnCovarianceType;
  /** {@link DEFAULT_MIN_SCALE} when not given. */
  minScale: number;
  /** Entries per output row, {@link mdnParamsSize}. */
  paramsSize: number;
  /** Raw scales per row: K D (diag, full) or K (spherical). */
  scalesSize: number;
  /** Correlation coefficients per row: K D (D - 1) / 2 (full) or 0. */
  coefficientsSize: number;
}

/** Validates a covariance type for a per-sample head, explaining why 'tied' is not one. */
export function assertMdnCovarianceType(fn: string, value: unknown): asserts value is MdnCovarianceType {
  if (value === 'tied') {
    fail(
      fn,
      "covarianceType must be one of 'diag', 'spherical', 'full', but got \"tied\" (a mixture-density head predicts every component's covariance per row, so there is nothing to tie; use 'full')",
    );
  }
  if (typeof value !== 'string' || !(MDN_COVARIANCE_TYPES as readonly string[]).includes(value)) {
    fail(
      fn,
      `covarianceType must be one of ${MDN_COVARIANCE_TYPES.map((c) => `'${c}'`).join(', ')}, but got ${JSON.stringify(value)}`,
    );
  }
}

/**
 * Number of entries P of a head's output row for K components over D target coordinates:
 * `K + K D + K D` (diag), `K + K D + K` (spherical), `K + K D + K D (D + 1) / 2` (full).
 * See the layout in `ops/mdn/spec.ts` (and the README).
 */
export function mdnParamsSize(
  nComponents: number,
  outputDim: number,
  covarianceType: MdnCovarianceType = 'diag',
): number {
  return resolveMdnSpec('mdnParamsSize', {nComponents, outputDim, covarianceType}).paramsSize;
}

/**
 * Validates an {@link MdnSpec} (messages prefixed by `fn`) and fills in the defaults.
 */
export function resolveMdnSpec(fn: string, spec: unknown, argName = 'spec'): ResolvedMdnSpec {
  if (!spec || typeof spec !== 'object') {
    const alternative = argName === 'spec' ? ' (or a MixtureDensityHead)' : '';
    fail(
      fn,
      `${argName} must be an object {nComponents, outputDim, covarianceType?, minScale?}${alternative}, but got ${JSON.stringify(spec)}`,
    );
  }
  const {nComponents, outputDim, covarianceType = 'diag', minScale = DEFAULT_MIN_SCALE} = spec as MdnSpec;
  assertInteger(fn, 'nComponents', nComponents, 1);
  assertInteger(fn, 'outputDim', outputDim, 1);
  assertMdnCovarianceType(fn, covarianceType);
  assertNumber(fn, 'minScale', minScale, {min: 0, exclusiveMin: true});
  const layout = MDN_LAYOUTS[covarianceType];
  const scalesSize = layout.scalesSize(nComponents, outputDim);
  const coefficientsSize = layout.coefficientsSize(nComponents, outputDim);
  return {
    nComponents,
    outputDim,
    covarianceType,
    minScale,
    scalesSize,
    coefficientsSize,
    paramsSize: nComponents + nComponents * outputDim + scalesSize + coefficientsSize,
  };
}
