/**
 * Conversion and shape validation of (x, weights, means, covariance parameter) for the GMM ops.
 */
import * as tf from '@tensorflow/tfjs-core';

import {assertAllocatable} from '../util/allocation';
import {TensorInput, fail, formatShape, shapeMatches, toFloatTensor} from '../util/args';
import {CovarianceType} from '../covariance/covariance_type';
import {getCovarianceType} from '../covariance/registry';

/** Validated, converted arguments of a GMM op. Tensors are owned by the enclosing tidy. */
export interface MixtureArgs {
  x: tf.Tensor;
  weights: tf.Tensor;
  means: tf.Tensor;
  covariance: tf.Tensor;
  type: CovarianceType;
  /** Samples (1 for a single input vector; 0 for an empty batch). */
  N: number;
  K: number;
  D: number;
  /** x was a single vector [D]. */
  singleInput: boolean;
  /** At least one parameter carries a leading per-sample axis. */
  perSample: boolean;
}

/** Argument names used in messages, per parameterisation. */
export interface MixtureArgNames {
  weights: string;
  covariance: string;
}

function describeShapes(shared: number[], sharedNames: readonly string[], N: number | null): string {
  const sharedText = `${formatShape(shared)} (${sharedNames.join(', ')})`;
  if (N === null) return sharedText;
  return `${sharedText} or ${formatShape([N, ...shared])} (N, ${sharedNames.join(', ')}: one mixture per sample)`;
}

/** Returns true when `shape` is the per-sample version of `shared`, false when shared, else throws. */
function classify(
  fn: string,
  argName: string,
  shape: number[],
  shared: number[],
  names: readonly string[],
  N: number | null,
): boolean {
  if (shapeMatches(shape, shared)) return false;
  if (N !== null && shapeMatches(shape, [N, ...shared])) return true;
  return fail(fn, `${argName} must have shape ${describeShapes(shared, names, N)}, but got ${formatShape(shape)}`);
}

/**
 * Converts and validates the arguments of a GMM op.
 *
 * Shapes: x [N, D] or [D]; weights [K] or [N, K]; means [K, D] or [N, K, D]; the covariance
 * parameter in the covariance type's shape, optionally with a leading N.
 */
export function parseMixtureArgs(
  fn: string,
  names: MixtureArgNames,
  x: TensorInput,
  weights: TensorInput,
  means: TensorInput,
  covariance: TensorInput,
  covarianceType: unknown,
): MixtureArgs {
  const type = getCovarianceType(covarianceType, fn);
  const xt = toFloatTensor(x, 'x', fn);
  if (xt.rank !== 1 && xt.rank !== 2) fail(fn, `x must have shape [N, D] or [D], but got ${formatShape(xt.shape)}`);
  const singleInput = xt.rank === 1;
  const N = singleInput ? 1 : xt.shape[0];
  const D = xt.shape[xt.rank - 1];
  if (D < 1) fail(fn, `x must have at least one feature (D >= 1), but got shape ${formatShape(xt.shape)}`);
  // N = 0 (x [0, D]) is an empty batch: mixtureLogProb returns [0, K].
  const perSampleN = singleInput ? null : N;

  const wt = toFloatTensor(weights, names.weights, fn);
  if (wt.rank !== 1 && wt.rank !== 2) {
    fail(
      fn,
      `${names.weights} must have shape [K] or [N, K] (one mixture per sample), but got ${formatShape(wt.shape)}`,
    );
  }
  const K = wt.shape[wt.rank - 1];
  if (K < 1)
    fail(fn, `${names.weights} must have at least one component (K >= 1), but got shape ${formatShape(wt.shape)}`);
  const weightsPerSample = classify(fn, names.weights, wt.shape, [K], ['K'], perSampleN);

  const mt = toFloatTensor(means, 'means', fn);
  const meansPerSample = classify(fn, 'means', mt.shape, [K, D], ['K', 'D'], perSampleN);

  const ct = toFloatTensor(covariance, names.covariance, fn);
  const covPerSample = classify(
    fn,
    names.covariance,
    ct.shape,
    type.parameterShape(K, D),
    type.symbolicShape,
    perSampleN,
  );

  // The kernels whiten every sample against every component: [N, K, D] (or [N, K D]).
  assertAllocatable(fn, 'the whitened samples (N, K, D)', [N, K, D]);

  return {
    x: xt,
    weights: wt,
    means: mt,
    covariance: ct,
    type,
    N,
    K,
    D,
    singleInput,
    perSample: weightsPerSample || meansPerSample || covPerSample,
  };
}
