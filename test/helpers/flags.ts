/**
 * Setting tfjs-gmm's tf.env() flags in tests (ops/flags.ts); every test restores what it set.
 */
import * as tf from '@tensorflow/tfjs-core';

import '../../ops/flags';
import type {GmmFlagName} from '../../ops/flags';

/** Sets a flag and returns its previous value, for the test to restore. */
export function setGmmFlag<T extends number | boolean | string>(name: GmmFlagName, value: T): T {
  const previous = tf.env().get(name) as T;
  tf.env().set(name, value);
  return previous;
}

/** Sets a flag for the enclosing mocha suite (before its tests) and restores it after them. */
export function useGmmFlagInSuite<T extends number | boolean | string>(name: GmmFlagName, value: T): void {
  let previous: T;
  before(() => (previous = setGmmFlag(name, value)));
  after(() => setGmmFlag(name, previous));
}
