/**
 * Refusing sizes the backend cannot allocate before allocating them: past its heap the wasm
 * backend writes out of bounds and stays broken for the rest of the process, and typed arrays
 * past their length limit throw "Invalid typed array length" from deep inside tfjs.
 */
import {gmmFlag} from '../flags';
import {fail, formatShape} from './args';

const UNITS = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** `1.5 GiB`, `512 bytes`. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} bytes` : `${Number(value.toPrecision(3))} ${UNITS[unit]}`;
}

/**
 * Throws `<fn>: <what> of shape [...] would take <size> as float32, more than the allocation
 * limit` when a float32 tensor of `shape` would exceed GMM_MAX_ALLOCATION_BYTES.
 */
export function assertAllocatable(fn: string, what: string, shape: readonly number[]): void {
  const bytes = 4 * shape.reduce((a, b) => a * b, 1);
  const limit = gmmFlag('GMM_MAX_ALLOCATION_BYTES');
  if (bytes <= limit) return;
  fail(
    fn,
    `${what} of shape ${formatShape(shape)} would take ${formatBytes(bytes)} as float32, more than the allocation ` +
      `limit of ${formatBytes(limit)} (tf.env() flag GMM_MAX_ALLOCATION_BYTES; the wasm heap holds at most 4 GiB in all)`,
  );
}

/** Whether a tensor of `shape` has no entries (an empty batch). */
export function isEmpty(shape: readonly number[]): boolean {
  return shape.some((s) => s === 0);
}
