/**
 * Field checks of model JSON documents (types, ranges, shapes), each naming the field.
 */
import {fail} from '../../ops/util/args';

function shown(value: unknown): string {
  if (value === undefined) return 'undefined';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * Fails unless `value` is a nested array of finite numbers of exactly `shape` (no nulls, no
 * ragged rows); `dims` names the axes in the message (e.g. ['nComponents', 'nFeatures']).
 */
export function assertNumberArray(
  fn: string,
  name: string,
  value: unknown,
  shape: readonly number[],
  dims: readonly string[],
): void {
  const expected = `[${shape.join(', ')}] (${dims.join(', ')})`;
  const walk = (v: unknown, depth: number, at: string): void => {
    if (depth === shape.length) {
      if (typeof v !== 'number' || !Number.isFinite(v))
        fail(fn, `${name}${at} must be a finite number, but got ${shown(v)}`);
      return;
    }
    if (!Array.isArray(v))
      fail(fn, `${name} must have shape ${expected}, but ${name}${at} is ${shown(v)}, not an array`);
    if (v.length !== shape[depth])
      fail(fn, `${name} must have shape ${expected}, but ${name}${at} has ${v.length} entries, not ${shape[depth]}`);
    v.forEach((entry, i) => walk(entry, depth + 1, `${at}[${i}]`));
  };
  walk(value, 0, '');
}

/** Fails unless `value` is an integer >= `min`. */
export function assertInteger(fn: string, name: string, value: unknown, min: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min)
    fail(fn, `${name} must be an integer >= ${min}, but got ${shown(value)}`);
}

/** Fails unless `value` is a boolean. */
export function assertBoolean(fn: string, name: string, value: unknown): asserts value is boolean {
  if (typeof value !== 'boolean') fail(fn, `${name} must be true or false, but got ${shown(value)}`);
}

/** Fails unless `value` is a finite number, or null (standing for -Infinity). */
export function assertNumberOrNull(fn: string, name: string, value: unknown): asserts value is number | null {
  if (value !== null && (typeof value !== 'number' || !Number.isFinite(value)))
    fail(fn, `${name} must be a finite number or null (-Infinity), but got ${shown(value)}`);
}

/** Fails unless `value` is an array of finite numbers. */
export function assertNumberList(fn: string, name: string, value: unknown): asserts value is number[] {
  if (!Array.isArray(value)) fail(fn, `${name} must be an array of finite numbers, but got ${shown(value)}`);
  assertNumberArray(fn, name, value, [value.length], ['n']);
}

/** Fails unless `value` is a plain object. */
export function assertObject(fn: string, name: string, value: unknown): asserts value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    fail(fn, `${name} must be an object, but got ${shown(value)}`);
}
