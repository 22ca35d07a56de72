/**
 * Argument conversion and validation shared by every public function.
 *
 * Error messages follow one pattern so that users (and tests) can rely on them:
 * `<function>: <argument> must <expectation>, but got <actual>.`
 */
import * as tf from '@tensorflow/tfjs-core';

import {NestedArrayError, nestedToTensor} from './nested_array';

/** Anything our public functions accept where a tensor is expected. */
export type TensorInput = tf.Tensor | tf.TensorLike;

/** Formats a shape as `[a, b, c]`. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Throws `Error('<fn>: <message>')`. */
export function fail(fn: string, message: string): never {
  throw new Error(`${fn}: ${message}`);
}

/**
 * Throws a message that says what to do when no tfjs backend is registered (tfjs itself says "No
 * backend found in registry.", which a user reads as a problem with their argument). Called
 * where a public function first creates a tensor.
 */
export function assertBackendRegistered(fn: string): void {
  if (tf.engine().backendNames().length > 0) return;
  fail(
    fn,
    "no tfjs backend is registered: import one before calling tfjs-gmm, e.g. import '@tensorflow/tfjs' " +
      "(cpu, and webgl in browsers), '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-cpu' or '@tensorflow/tfjs-node'",
  );
}

/**
 * Converts `value` to a float32 tensor. Tensors of another dtype are cast; the caller owns the
 * result only when it differs from `value` (run inside `tf.tidy`).
 */
export function toFloatTensor(value: TensorInput, argName: string, fn: string): tf.Tensor {
  if (value instanceof tf.Tensor) {
    if (value.isDisposed) fail(fn, `${argName} is a disposed tensor`);
    if (value.dtype === 'string') fail(fn, `${argName} must be numeric, but got a string tensor`);
    return value.dtype === 'float32' ? value : tf.cast(value, 'float32');
  }
  if (value === null || value === undefined) fail(fn, `${argName} is required, but got ${value}`);
  if (typeof value === 'string') fail(fn, `${argName} must be numeric, but got a string`);
  assertBackendRegistered(fn);
  if (typeof value === 'number') return tf.scalar(value, 'float32');
  // A flat Float32Array is taken as it is; nested and other typed arrays are read cell by cell.
  if (value instanceof Float32Array) return tf.tensor(value, undefined, 'float32');
  if (!Array.isArray(value) && !ArrayBuffer.isView(value)) {
    fail(fn, `${argName} must be a tensor, a number or a nested array of numbers, but got ${typeof value}`);
  }
  try {
    return nestedToTensor(value as ArrayLike<unknown>);
  } catch (e) {
    if (e instanceof NestedArrayError) fail(fn, `${argName} must ${e.message}`);
    return fail(fn, `${argName} could not be converted to a tensor (${(e as Error).message})`);
  }
}

/** Checks that `shape` equals `expected`; `null` entries in `expected` match any size. */
export function shapeMatches(shape: readonly number[], expected: readonly (number | null)[]): boolean {
  return shape.length === expected.length && expected.every((s, i) => s === null || s === shape[i]);
}

function describeExpected(expected: readonly (number | null)[], names?: readonly string[]): string {
  const parts = expected.map((s, i) => (s === null ? (names?.[i] ?? '?') : String(s)));
  return `[${parts.join(', ')}]`;
}

/**
 * Asserts that a tensor has one of the allowed shapes.
 *
 * @param fn name of the public function, used as the message prefix.
 * @param argName name of the argument.
 * @param shape actual shape.
 * @param allowed allowed shapes; `null` entries match any size.
 * @param names optional symbolic names (e.g. `['N', 'D']`) used for the `null` entries.
 */
export function assertShape(
  fn: string,
  argName: string,
  shape: readonly number[],
  allowed: readonly (readonly (number | null)[])[],
  names?: readonly (readonly string[])[],
): void {
  if (allowed.some((e) => shapeMatches(shape, e))) return;
  const expected = allowed.map((e, i) => describeExpected(e, names?.[i])).join(' or ');
  fail(fn, `${argName} must have shape ${expected}, but got ${formatShape(shape)}`);
}

/** Asserts that `value` is an integer >= `min`. */
export function assertInteger(fn: string, argName: string, value: unknown, min: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    fail(fn, `${argName} must be an integer >= ${min}, but got ${JSON.stringify(value)}`);
  }
}

/** Asserts that `value` is a finite number, optionally within [min, max]. */
export function assertNumber(
  fn: string,
  argName: string,
  value: unknown,
  {min = -Infinity, max = Infinity, exclusiveMin = false}: {min?: number; max?: number; exclusiveMin?: boolean} = {},
): asserts value is number {
  const ok =
    typeof value === 'number' && Number.isFinite(value) && (exclusiveMin ? value > min : value >= min) && value <= max;
  if (!ok) {
    const lower = Number.isFinite(min) ? `${exclusiveMin ? '>' : '>='} ${min}` : '';
    const upper = Number.isFinite(max) ? `<= ${max}` : '';
    const range = [lower, upper].filter(Boolean).join(' and ');
    fail(fn, `${argName} must be a finite number${range ? ' ' + range : ''}, but got ${JSON.stringify(value)}`);
  }
}

/** Asserts that `value` is one of `choices`. */
export function assertOneOf<T extends string>(
  fn: string,
  argName: string,
  value: unknown,
  choices: readonly T[],
): asserts value is T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    fail(fn, `${argName} must be one of ${choices.map((c) => `'${c}'`).join(', ')}, but got ${JSON.stringify(value)}`);
  }
}

/** Asserts that every entry is finite, naming the first that is not. */
export function assertFiniteValues(fn: string, argName: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]))
      fail(fn, `${argName} must contain only finite values, but entry ${i} is ${values[i]}`);
  }
}

/** Asserts that `values` are mixture weights: finite, non-negative and summing to 1 (to float32 accuracy). */
export function assertProbabilities(fn: string, argName: string, values: ArrayLike<number>): void {
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]) || values[i] < 0)
      fail(fn, `${argName} must be finite and non-negative, but entry ${i} is ${values[i]}`);
    total += values[i];
  }
  if (Math.abs(total - 1) > 1e-5 + 2e-7 * values.length) fail(fn, `${argName} must sum to 1, but the sum is ${total}`);
}

/** How a key is compared for suggestions: case, `_` and `-` do not matter. */
function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[_-]/g, '');
}

/** Levenshtein distance between two short strings. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({length: b.length + 1}, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/** The known key closest to `key` (ignoring case, `_` and `-`), or null when none is close. */
export function nearestKey(key: string, known: readonly string[]): string | null {
  const target = normalizeKey(key);
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(target, normalizeKey(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(1, Math.floor(target.length / 3)) ? best : null;
}

/**
 * Asserts that an options object has only known keys, naming the first unknown one and the known
 * key nearest to it: `GaussianMixture: options must have only known keys, but got "n_components"
 * (did you mean "nComponents"?; known keys: nComponents, ...)`. Keys whose value is undefined
 * count like any other.
 */
export function assertKnownKeys(fn: string, argName: string, options: object, known: readonly string[]): void {
  if (options === null || typeof options !== 'object')
    fail(fn, `${argName} must be an object, but got ${options === null ? 'null' : typeof options}`);
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const nearest = nearestKey(key, known);
    const hint = nearest ? `did you mean "${nearest}"?; ` : '';
    fail(fn, `${argName} must have only known keys, but got "${key}" (${hint}known keys: ${known.join(', ')})`);
  }
}

/**
 * The keys of an options interface, as a list the compiler checks for completeness: every key of
 * `T` must be listed and nothing else, so a new option cannot be forgotten by
 * {@link assertKnownKeys}. `optionKeys<FitOptions>({sampleWeight: true})`.
 */
export function optionKeys<T extends object>(keys: {[K in keyof Required<T>]: true}): readonly (keyof T & string)[] {
  return Object.keys(keys) as (keyof T & string)[];
}
