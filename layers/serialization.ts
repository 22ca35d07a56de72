/**
 * Resolving and serialising initializers and regularizers for layer configs, through the public
 * tfjs serialization registry (tfjs-layers does not export its own helpers).
 */
import * as tf from '@tensorflow/tfjs-core';
import type {Initializer} from '@tensorflow/tfjs-layers/dist/initializers';
import type {Regularizer} from '@tensorflow/tfjs-layers/dist/regularizers';

import {fail} from '../ops/util/args';

/** An initializer instance, its tfjs-layers identifier (e.g. `'zeros'`), or its serialized config. */
export type InitializerSpec = Initializer | string | tf.serialization.ConfigDict;
/** A regularizer instance, `'l1l2'`, or its serialized config. */
export type RegularizerSpec = Regularizer | string | tf.serialization.ConfigDict;

function deserialize<T>(fn: string, argName: string, className: string, config: tf.serialization.ConfigDict): T {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[className];
  if (!entry) fail(fn, `${argName} names an unknown class ${JSON.stringify(className)}`);
  const [cls, fromConfig] = entry;
  return fromConfig(cls, config) as unknown as T;
}

function resolve<T extends tf.serialization.Serializable>(
  fn: string,
  argName: string,
  spec: T | string | tf.serialization.ConfigDict,
  stringToClass: (s: string) => string,
): T {
  if (spec instanceof tf.serialization.Serializable) return spec as T;
  if (typeof spec === 'string') return deserialize<T>(fn, argName, stringToClass(spec), {});
  if (spec && typeof spec === 'object' && typeof spec.className === 'string') {
    return deserialize<T>(fn, argName, spec.className, (spec.config ?? {}) as tf.serialization.ConfigDict);
  }
  return fail(
    fn,
    `${argName} must be an instance, an identifier string or a {className, config} object, but got ${JSON.stringify(spec)}`,
  );
}

/** Resolves an initializer spec ('randomNormal' -> class RandomNormal, as tfjs-layers names them). */
export function resolveInitializer(fn: string, argName: string, spec: InitializerSpec): Initializer {
  return resolve<Initializer>(fn, argName, spec, (s) => s.charAt(0).toUpperCase() + s.slice(1));
}

/** Resolves a regularizer spec; `undefined` and `null` mean none. */
export function resolveRegularizer(
  fn: string,
  argName: string,
  spec: RegularizerSpec | null | undefined,
): Regularizer | undefined {
  if (spec === undefined || spec === null) return undefined;
  return resolve<Regularizer>(fn, argName, spec, (s) => (s === 'l1l2' ? 'L1L2' : s));
}

/** `{className, config}` of a serializable object, or null. */
export function serialize(value: tf.serialization.Serializable | undefined): tf.serialization.ConfigDict | null {
  return value ? {className: value.getClassName(), config: value.getConfig()} : null;
}
