/**
 * Checks of parameter values where the math needs them (finite means, non-negative weights,
 * positive variances, usable sample weights). Values given as JavaScript data are on the host
 * already and are always checked; a tensor is read back (a backend synchronisation, a GPU
 * read-back on webgl/webgpu) only when the GMM_VALIDATE_VALUES flag asks for it.
 */
import * as tf from '@tensorflow/tfjs-core';

import {gmmFlag} from '../flags';
import {TensorInput, fail} from '../util/args';
import {describeFlatPosition} from '../util/nested_array';

/** The values of `converted` when checking them is free (`given` was not a tensor) or asked for; else null. */
export function valuesToCheck(given: TensorInput, converted: tf.Tensor): ArrayLike<number> | null {
  if (!(given instanceof tf.Tensor) || gmmFlag('GMM_VALIDATE_VALUES')) return converted.dataSync();
  return null;
}

/**
 * Throws `<fn>: <argName> must <requirement>, but <position> is <value>` for the first entry
 * failing `ok`. `entryFilter` restricts the check to some entries (e.g. a diagonal).
 */
export function assertEach(
  fn: string,
  argName: string,
  values: ArrayLike<number>,
  shape: readonly number[],
  requirement: string,
  ok: (value: number) => boolean,
  entryFilter?: (flatIndex: number) => boolean,
): void {
  for (let i = 0; i < values.length; i++) {
    if ((entryFilter === undefined || entryFilter(i)) && !ok(values[i])) {
      fail(fn, `${argName} must ${requirement}, but ${describeFlatPosition(i, shape)} is ${values[i]}`);
    }
  }
}

/** The sample weights of a weighted mean: finite, non-negative, not all zero. */
export function assertSampleWeights(fn: string, argName: string, given: TensorInput, weights: tf.Tensor): void {
  const values = valuesToCheck(given, weights);
  if (values === null) return;
  assertEach(fn, argName, values, weights.shape, 'be finite and non-negative', (w) => Number.isFinite(w) && w >= 0);
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i];
  if (!(total > 0))
    fail(fn, `${argName} must not all be zero (their sum divides the weighted mean), but all ${values.length} are`);
}
