/**
 * Losses and a fit helper for models whose output is per-component log-probabilities.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import {mixtureLogLikelihood} from '../ops/mixture_log_likelihood';
import {fail, formatShape} from '../src/util/args';

/**
 * Loss for `model.compile`: the negative log-likelihood per sample, `-logSumExp_k yPred[n, k]`,
 * for a model whose output is a GMMLayer's (or any [batch, K] per-component log-probabilities).
 * `yTrue` is ignored: density estimation has no targets (see {@link fitWithoutTargets}).
 * tfjs-layers averages the returned [batch] values (and applies sample weights, if given).
 */
export function gmmNLLLoss(_yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    if (yPred.rank !== 2) fail('gmmNLLLoss', `yPred must have shape [batch, K], but got ${formatShape(yPred.shape)}`);
    return tf.neg(mixtureLogLikelihood(yPred));
  });
}

/**
 * `model.fit` for models trained without targets (e.g. with {@link gmmNLLLoss}): tfjs-layers
 * requires targets shaped like the outputs, so this passes zeros of that shape, which the loss
 * ignores, and disposes them afterwards. Equivalent to
 * `model.fit(x, tf.zeros([x.shape[0], K]), args)`.
 */
export async function fitWithoutTargets(model: tfl.LayersModel, x: tf.Tensor | tf.Tensor[], args: tfl.ModelFitArgs = {}): Promise<tfl.History> {
  const fn = 'fitWithoutTargets';
  if (!(model instanceof tfl.LayersModel)) fail(fn, 'model must be a tf.LayersModel');
  const first = Array.isArray(x) ? x[0] : x;
  if (!(first instanceof tf.Tensor) || first.rank < 1) fail(fn, 'x must be a tensor (or tensors) with a batch axis');
  const N = first.shape[0];
  const targets = model.outputs.map((output) => tf.zeros([N, ...output.shape.slice(1).map((s) => s ?? 1)]));
  try {
    return await model.fit(x, targets.length === 1 ? targets[0] : targets, args);
  } finally {
    tf.dispose(targets);
  }
}
