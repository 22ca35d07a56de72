/**
 * The constructor arguments every tfjs-layers layer accepts, for the strict-options check of our
 * layers: unknown keys are errors, tfjs-layers' own keys (and so every config `getConfig` writes
 * and `fromConfig` reads back) are accepted.
 */
import * as tf from '@tensorflow/tfjs-core';
import type {LayerArgs} from '@tensorflow/tfjs-layers/dist/engine/topology';

import {assertKnownKeys, optionKeys} from '../ops/util/args';

/** tfjs-layers' `LayerArgs` keys, as the record {@link optionKeys} takes. */
export const LAYER_ARG_KEY_RECORD = {
  inputShape: true,
  batchInputShape: true,
  batchSize: true,
  dtype: true,
  name: true,
  trainable: true,
  weights: true,
  inputDType: true,
} as const;

/** The keys of tfjs-layers' `LayerArgs` (the compiler checks that none is missing). */
export const LAYER_ARG_KEYS = optionKeys<LayerArgs>(LAYER_ARG_KEY_RECORD);

/**
 * Rejects unknown keys of a layer's constructor arguments (naming the nearest known one) and
 * returns what to pass to tfjs-layers' constructor: the arguments, or `undefined` when they are
 * not an object (the layer's own checks then report them).
 */
export function checkLayerArgs<T extends object>(fn: string, args: T, known: readonly string[]): T | undefined {
  if (args === null || typeof args !== 'object') return undefined;
  assertKnownKeys(fn, 'args', args, known);
  return args;
}

/**
 * A saved config as our constructors take it: tfjs-layers adds `customObjects` to every config it
 * deserialises (for layers that construct others), which is not an argument of ours.
 */
export function configAsArgs(config: tf.serialization.ConfigDict): tf.serialization.ConfigDict {
  const {customObjects: _loaderObjects, ...args} = config;
  return args;
}
