/**
 * Checks of a weights manifest against the bytes it describes, before tfjs decodes them.
 */
import * as tf from '@tensorflow/tfjs-core';

import {fail} from '../../ops/util/args';

const BYTES_PER_ELEMENT: Record<string, number> = {float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, float16: 2};

/** Bytes one weight occupies, or undefined where its size is not fixed by its spec (strings). */
function specBytes(spec: tf.io.WeightsManifestEntry): number | undefined {
  const elements = spec.shape.reduce((a, b) => a * b, 1);
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const bytes = BYTES_PER_ELEMENT[dtype];
  return bytes === undefined ? undefined : elements * bytes;
}

/**
 * Fails unless the weights files hold exactly the bytes the specs describe; the message names the
 * files and the first weight that does not fit, with its shape.
 */
export function assertWeightsFit(
  fn: string,
  specs: tf.io.WeightsManifestEntry[],
  byteLength: number,
  files: string,
  modelPath: string,
): void {
  let offset = 0;
  for (const spec of specs) {
    const bytes = specBytes(spec);
    if (bytes === undefined) return;
    if (offset + bytes > byteLength)
      fail(
        fn,
        `${files} holds ${byteLength} bytes, too few for the weights listed in ${modelPath}: weight ` +
          `'${spec.name}' (shape [${spec.shape.join(', ')}], ${spec.dtype}) needs bytes ${offset} to ${offset + bytes} ` +
          '(the file is truncated or belongs to another model)',
      );
    offset += bytes;
  }
  if (offset !== byteLength)
    fail(
      fn,
      `${files} holds ${byteLength} bytes, but the weights listed in ${modelPath} take ${offset} ` +
        '(the file belongs to another model)',
    );
}

/**
 * Fails unless `file` names a file inside `directory` (no absolute paths, no `..` out of it): a
 * manifest must not make a load read files elsewhere.
 */
export function assertInsideDirectory(
  fn: string,
  path: typeof import('path'),
  directory: string,
  file: string,
  modelPath: string,
): string {
  if (typeof file !== 'string' || file.length === 0)
    fail(fn, `the weights manifest of ${modelPath} lists ${JSON.stringify(file)}, which is not a file name`);
  const root = path.resolve(directory);
  const resolved = path.resolve(root, file);
  const relative = path.relative(root, resolved);
  if (path.isAbsolute(file) || relative === '' || relative.startsWith('..') || path.isAbsolute(relative))
    fail(
      fn,
      `the weights manifest of ${modelPath} lists ${JSON.stringify(file)}, which is outside the model's directory ${root}`,
    );
  return resolved;
}
