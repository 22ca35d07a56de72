/**
 * Runs a forward function whose gradient is given per input as a thunk, so that backprop only
 * computes the gradients it needs (tfjs prunes inputs that do not lead to the requested xs).
 *
 * tf.customGrad computes every input's gradient eagerly. The engine method behind it,
 * `runKernelFunc`, accepts lazy per-input gradients; it is not part of tfjs-core's typed public
 * API, so it is feature-detected, and tf.customGrad (eager) is the fallback. Both work on every
 * backend: the forward and the gradients are ordinary tfjs ops. The GMM_LAZY_GRADIENTS flag
 * (ops/flags.ts) forces the eager path.
 */
import * as tf from '@tensorflow/tfjs-core';

import {gmmFlag} from '../flags';

/** Per-input gradient thunks, keyed like the inputs. */
export type GradientThunks = Record<string, () => tf.Tensor>;

interface KernelFuncEngine {
  runKernelFunc(params: {
    forwardFunc: (backend: unknown, save: tf.GradSaveFunc) => tf.Tensor;
    backwardsFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => GradientThunks;
    inputs: tf.NamedTensorMap;
  }): tf.Tensor;
}

/**
 * @param inputs the op's tensor inputs, by name.
 * @param forward computes the output; `save` keeps tensors for the backward (only while a
 *   gradient tape records).
 * @param backward returns one gradient thunk per input name.
 */
export function runWithGradientThunks(
  inputs: tf.NamedTensorMap,
  forward: (save: tf.GradSaveFunc) => tf.Tensor,
  backward: (dy: tf.Tensor, saved: tf.Tensor[]) => GradientThunks,
): tf.Tensor {
  const engine = tf.engine() as unknown as Partial<KernelFuncEngine>;
  if (gmmFlag('GMM_LAZY_GRADIENTS') && typeof engine.runKernelFunc === 'function') {
    return engine.runKernelFunc({forwardFunc: (_backend, save) => forward(save), backwardsFunc: backward, inputs});
  }
  const names = Object.keys(inputs);
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args[names.length] as tf.GradSaveFunc;
    return {
      value: forward(save),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const thunks = backward(dy, saved);
        return names.map((name) => thunks[name]());
      },
    };
  });
  return op(...names.map((name) => inputs[name]));
}
