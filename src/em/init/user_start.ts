/**
 * The starting parameters of one initialisation of `GaussianMixture.fit`: the user's
 * `weightsInit` / `meansInit` / `precisionsInit`, with the parts not given estimated from the
 * initialisation method, as scikit-learn does.
 */
import * as tf from '@tensorflow/tfjs-core';

import {getCovarianceType} from '../../../ops/covariance/registry';
import {assertFiniteValues, fail, formatShape, shapeMatches} from '../../../ops/util/args';
import {tidyNullable} from '../../../ops/util/tidy';
import {SeededRandom} from '../../util/random';
import {EmContext} from '../engine/context';
import {ResolvedGaussianMixtureOptions} from '../options';
import {ScaledState, float64Rows, toScaledState} from '../parameters';
import {initialResponsibilities, stateFromResponsibilities} from './methods';

/** The user-given parts of the start as tensors (data space), validated against K and D. */
function userParts(
  fn: string,
  options: ResolvedGaussianMixtureOptions,
  D: number,
): {weights: tf.Tensor | null; means: tf.Tensor | null; factor: tf.Tensor | null} {
  const K = options.nComponents;
  const type = getCovarianceType(options.covarianceType);
  const [weights, means, factor] = tidyNullable(() => {
    const weights = options.weightsInit !== null ? tf.tensor1d(options.weightsInit as number[]) : null;
    let means: tf.Tensor | null = null;
    if (options.meansInit !== null) {
      means = tf.tensor(options.meansInit as number[][]) as tf.Tensor;
      if (!shapeMatches(means.shape, [K, D]))
        fail(fn, `meansInit must have shape [${K}, ${D}] (nComponents, D), but got ${formatShape(means.shape)}`);
      assertFiniteValues(fn, 'meansInit', means.dataSync());
    }
    let factor: tf.Tensor | null = null;
    if (options.precisionsInit !== null) {
      const precisions = tf.tensor(options.precisionsInit as number[]);
      const expected = type.parameterShape(K, D);
      if (!shapeMatches(precisions.shape, expected)) {
        fail(
          fn,
          `precisionsInit must have shape ${formatShape(expected)} (${type.symbolicShape.join(', ')}), but got ${formatShape(precisions.shape)}`,
        );
      }
      type.checkPrecisions(fn, 'precisionsInit', precisions);
      factor = type.precisionCholeskyFromPrecision(precisions, {validate: true, caller: fn, argName: 'precisionsInit'});
    }
    return [weights, means, factor];
  });
  return {weights, means, factor};
}

/** Starting parameters of one initialisation (scaled space). */
export function userStart(
  fn: string,
  ctx: EmContext,
  rng: SeededRandom,
  options: ResolvedGaussianMixtureOptions,
): ScaledState {
  const {data} = ctx;
  const K = options.nComponents;
  const {weights, means, factor} = userParts(fn, options, data.D);
  // meansInit in float64 where given as arrays (see toScaledState).
  const meanValues = float64Rows(options.meansInit);
  try {
    if (weights && means && factor)
      return toScaledState(options.covarianceType, data.transform, weights, means, factor, meanValues);
    const base = stateFromResponsibilities(ctx, initialResponsibilities(options.initParams, data, K, rng));
    if (!weights && !means && !factor) return base;
    // The given parts replace those estimated from the initialisation. They are mapped into the
    // scaled space together (parts not given are placeholders, and `pick` keeps the estimated
    // state's tensor for them).
    const placeholder = means ? null : tf.zeros([K, data.D]);
    const given = toScaledState(
      options.covarianceType,
      data.transform,
      weights ?? base.weights,
      means ?? placeholder!,
      factor ?? base.precisionsCholesky,
      meanValues,
    );
    placeholder?.dispose();
    const pick = (useGiven: boolean, a: tf.Tensor, b: tf.Tensor) => {
      (useGiven ? b : a).dispose();
      return useGiven ? a : b;
    };
    const [unusedLow, meansLow] = means !== null ? [base.meansLow, given.meansLow] : [given.meansLow, base.meansLow];
    unusedLow?.dispose();
    return {
      weights: pick(weights !== null, given.weights, base.weights) as tf.Tensor1D,
      means: pick(means !== null, given.means, base.means) as tf.Tensor2D,
      meansLow: meansLow ?? null,
      covariances: pick(factor !== null, given.covariances, base.covariances),
      precisionsCholesky: pick(factor !== null, given.precisionsCholesky, base.precisionsCholesky),
    };
  } finally {
    tf.dispose([weights, means, factor].filter((t): t is tf.Tensor => t !== null));
  }
}
