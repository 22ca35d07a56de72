/**
 * Numeric assertions with stated tolerances, and the tensor-leak guard.
 */
import * as tf from '@tensorflow/tfjs-core';
import {expect} from 'chai';

/** Nested number arrays of any depth. */
export type Nested = number | Nested[];

/** Flattens a nested array or tensor to a plain number array. */
export function flat(value: Nested | tf.Tensor | Float32Array | Float64Array): number[] {
  if (value instanceof tf.Tensor) return Array.from(value.dataSync());
  if (value instanceof Float32Array || value instanceof Float64Array) return Array.from(value);
  if (typeof value === 'number') return [value];
  return (value as Nested[]).flatMap((v) => flat(v));
}

/**
 * Asserts |actual - expected| <= atol + rtol * |expected| elementwise (numpy's allclose), and
 * that both have the same length and the same non-finite entries.
 */
export function expectClose(
  actual: Nested | tf.Tensor | Float32Array,
  expected: Nested | tf.Tensor | Float32Array | Float64Array,
  {rtol = 1e-5, atol = 1e-5, label = ''} = {},
): void {
  const a = flat(actual);
  const e = flat(expected);
  expect(a.length, `${label} length`).to.equal(e.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(e[i])) {
      expect(a[i], `${label} entry ${i}`).to.equal(e[i]);
      continue;
    }
    const excess = Math.abs(a[i] - e[i]) - (atol + rtol * Math.abs(e[i]));
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Number.isNaN(excess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    expect.fail(`${label} entry ${worst}: got ${a[worst]}, expected ${e[worst]} (rtol ${rtol}, atol ${atol})`);
  }
}

/** Runs `fn` and asserts that the number of live tensors is unchanged afterwards. */
export async function expectNoLeak<T>(fn: () => T | Promise<T>, label = ''): Promise<T> {
  const before = tf.memory().numTensors;
  const result = await fn();
  const after = tf.memory().numTensors;
  expect(after - before, `${label} leaked tensors`).to.equal(0);
  return result;
}

/** Asserts that `fn` throws an Error whose message contains every fragment. */
export function expectThrowsWith(fn: () => unknown, ...fragments: string[]): void {
  let message: string | undefined;
  try {
    fn();
  } catch (e) {
    message = (e as Error).message;
  }
  expect(message, 'expected an error').to.be.a('string');
  for (const fragment of fragments) expect(message).to.contain(fragment);
}

/** A variable initialised from `init`, disposing `init` (tf.variable keeps its own reference). */
export function variableFrom(init: tf.Tensor): tf.Variable {
  const variable = tf.variable(init);
  init.dispose();
  return variable;
}

/** Asserts that `promise` rejects with an Error whose message contains every fragment. */
export async function expectRejectsWith(promise: Promise<unknown>, ...fragments: string[]): Promise<Error> {
  let error: unknown = null;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  // An Error, or the DOMException an AbortSignal rejects with (not an Error subclass in Node).
  expect((error as Error | null)?.message, 'expected a rejection').to.be.a('string');
  for (const fragment of fragments) expect((error as Error).message).to.contain(fragment);
  return error as Error;
}
