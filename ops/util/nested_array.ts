/**
 * Reading nested JavaScript arrays into a flat float32 buffer, checking on the way what tfjs does
 * not: tf.tensor infers the shape from the first entry of every level and then reads the values
 * in order, so a ragged array (`[[0, 0], [1, 2, 3]]`) is silently re-cut, and `null` cells
 * become 0. One pass over the values, which the conversion makes anyway.
 */
import * as tf from '@tensorflow/tfjs-core';

/** A typed array or a plain array: one level of a nested input. */
type Level = ArrayLike<unknown>;

function isLevel(value: unknown): value is Level {
  return Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
}

/** Where an entry sits, in words: `entry 3` (rank 1), `row 1, column 2` (rank 2), `entry [1, 0, 2]`. */
export function describePosition(path: readonly number[], rank: number): string {
  if (rank === 1) return `entry ${path[0]}`;
  if (rank === 2) return path.length === 1 ? `row ${path[0]}` : `row ${path[0]}, column ${path[1]}`;
  return `entry [${path.join(', ')}]`;
}

/** {@link describePosition} of the entry at `flatIndex` (row-major) of a tensor of `shape`. */
export function describeFlatPosition(flatIndex: number, shape: readonly number[]): string {
  const path = new Array<number>(shape.length);
  let rest = flatIndex;
  for (let d = shape.length - 1; d >= 0; d--) {
    path[d] = rest % shape[d];
    rest = Math.floor(rest / shape[d]);
  }
  return shape.length === 0 ? 'the value' : describePosition(path, shape.length);
}

function entries(count: number): string {
  return count === 1 ? '1 entry' : `${count} entries`;
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'boolean') return `the boolean ${value}`;
  if (typeof value === 'number') return `the number ${value}`;
  if (isLevel(value)) return `an array of ${entries(value.length)}`;
  return `a value of type ${typeof value}`;
}

/** The shape read from the first entry of every level (what tfjs would infer). */
function inferShape(value: Level): number[] {
  const shape: number[] = [];
  let level: unknown = value;
  while (isLevel(level)) {
    shape.push(level.length);
    if (level.length === 0) break;
    level = level[0];
  }
  return shape;
}

/** Thrown by {@link flattenNested}; the caller prefixes the function and argument names. */
export class NestedArrayError extends Error {}

/**
 * Flattens a nested array of numbers (plain or typed arrays at any level) to float32, or throws a
 * {@link NestedArrayError} whose message completes `<argName> must ...` and names the first
 * ragged level or non-numeric cell by its row (and column) index. NaN and Infinity are numbers
 * here; callers that need finite values check those.
 */
export function flattenNested(value: Level): {values: Float32Array; shape: number[]} {
  const shape = inferShape(value);
  const rank = shape.length;
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  let offset = 0;
  const path: number[] = [];
  const visit = (level: Level, depth: number): void => {
    if (level.length !== shape[depth]) {
      const where = describePosition(path, rank);
      const first = describePosition(
        path.map(() => 0),
        rank,
      );
      throw new NestedArrayError(
        `be a regular nested array (every row of the same length), but ${where} has ${entries(level.length)} where ${first} has ${shape[depth]}`,
      );
    }
    if (depth === rank - 1) {
      if (!Array.isArray(level)) {
        values.set(level as ArrayLike<number>, offset);
        offset += level.length;
        return;
      }
      for (let i = 0; i < level.length; i++) {
        const cell = level[i];
        if (typeof cell !== 'number') {
          throw new NestedArrayError(
            `contain only numbers, but ${describePosition([...path, i], rank)} is ${describeValue(cell)}`,
          );
        }
        values[offset++] = cell;
      }
      return;
    }
    for (let i = 0; i < level.length; i++) {
      const child = level[i];
      path.push(i);
      if (!isLevel(child)) {
        throw new NestedArrayError(
          `be a regular nested array of rank ${rank}, but ${describePosition(path, rank)} is ${describeValue(child)} where an array of ${entries(shape[depth + 1])} is expected`,
        );
      }
      visit(child, depth + 1);
      path.pop();
    }
  };
  visit(value, 0);
  return {values, shape};
}

/** A float32 tensor from a nested array; see {@link flattenNested}. */
export function nestedToTensor(value: Level): tf.Tensor {
  const {values, shape} = flattenNested(value);
  return tf.tensor(values, shape, 'float32');
}
