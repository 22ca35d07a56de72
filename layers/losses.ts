/**
 * Losses for models whose output is per-component log-probabilities (GMMLayer) or packed
 * mixture parameters (MixtureDensityHead), and a fit helper for training without targets.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import {decodeMdn, toPackedTensor} from '../ops/mdn/decode';
import {mdnNegLogLikelihood} from '../ops/mdn/loss_op';
import {MdnSpec, resolveMdnSpec} from '../ops/mdn/spec';
import {mixtureLogLikelihood} from '../ops/mixture_log_likelihood';
import {gmmFlag} from '../ops/flags';
import {assertEach, valuesToCheck} from '../ops/internal/value_checks';
import {fail, formatShape, toFloatTensor} from '../ops/util/args';
import {scaleCheckOf} from './scale_check';

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
export async function fitWithoutTargets(
  model: tfl.LayersModel,
  x: tf.Tensor | tf.Tensor[],
  args: tfl.ModelFitArgs = {},
): Promise<tfl.History> {
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

/** Throws naming the first row whose loss is not finite (read back: GMM_VALIDATE_VALUES only). */
function assertFiniteLosses(fn: string, losses: tf.Tensor): void {
  const values = losses.dataSync();
  const row = values.findIndex((v) => !Number.isFinite(v));
  if (row < 0) return;
  fail(
    fn,
    `the loss of row ${row} is ${values[row]}: its target lies beyond what float32 can score (|y - mu| / sigma above ` +
      `about 2.6e19, so NLL above 3.4e38), or the row holds non-finite values`,
  );
}

/**
 * The loss of a mixture-density network, for `model.compile({loss: mdnLoss(head)})`: the negative
 * log-likelihood of each target row under the mixture its own output row predicts.
 *
 * The packed output (see `MixtureDensityHead`) is scored by one op: decoding and the per-sample
 * log-density are fused, and the hand-written gradient goes straight to the packed output (and to
 * the targets, computed only when asked for).
 * Standard deviations are at least `minScale`, the weights stay in log space and the log-sum-exp
 * is max-shifted, so targets far out in a tail and components whose weight underflows give
 * finite values and gradients, never NaN, wherever the NLL itself fits float32: |y - mu| / sigma
 * up to about 2.6e19 (|y - mu| up to about 2.6e16 at the default minScale). Beyond, the row's loss
 * is +Infinity; with the `GMM_VALIDATE_VALUES` flag it is an error naming the row (a read-back).
 *
 * @param spec the head itself, or the same `{nComponents, outputDim, covarianceType, minScale}`
 *   it was built with.
 * @returns `(yTrue [batch, outputDim], yPred [batch, P]) => [batch]` per-row NLL; tfjs-layers
 *   averages it (applying class weights, if any), so the reported loss is the mean NLL.
 */
export function mdnLoss(spec: MdnSpec): (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor {
  const fn = 'mdnLoss';
  const resolved = resolveMdnSpec(fn, spec);
  const {outputDim: D} = resolved;
  const scaleCheck = scaleCheckOf(spec);
  const owner = spec instanceof tfl.layers.Layer ? `MixtureDensityHead '${spec.name}'` : 'mdnLoss';
  return (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor =>
    tf.tidy(() => {
      const packed = toPackedTensor(fn, yPred, resolved);
      const targets = toFloatTensor(yTrue, 'yTrue', fn);
      const N = packed.shape[0];
      if (targets.rank !== 2 || targets.shape[0] !== N || targets.shape[1] !== D) {
        fail(
          fn,
          `yTrue must have shape [${N}, ${D}] (the batch of yPred, outputDim), but got ${formatShape(targets.shape)}`,
        );
      }
      // An empty batch: no losses (some backends' kernels divide by the row count).
      if (N === 0) return tf.zeros([0]);
      // The user's tensors, by their names (valuesToCheck reads them back only with GMM_VALIDATE_VALUES).
      for (const [argName, given, converted] of [
        ['yPred', yPred, packed],
        ['yTrue', yTrue, targets],
      ] as const) {
        const values = valuesToCheck(given, converted);
        if (values) assertEach(fn, argName, values, converted.shape, 'be finite', Number.isFinite);
      }
      scaleCheck.check(
        targets,
        () => {
          const decoded = decodeMdn(packed, resolved);
          return tf.sqrt(tf.add(tf.mean(tf.square(decoded.means)), tf.mean(tf.square(decoded.scales))));
        },
        (data, mixture) =>
          `${owner}: the first batch of targets has root-mean-square ${data.toPrecision(3)}, far from the scale of the predicted mixtures (${mixture.toPrecision(3)}); the head's default start (means near 0, standard deviations near 0.7) and minScale = ${resolved.minScale} assume standardised targets: standardise them, or start the head from them with initializeFrom(yTrain) (warned once)`,
      );
      const losses = mdnNegLogLikelihood(targets as tf.Tensor2D, packed, resolved);
      if (gmmFlag('GMM_VALIDATE_VALUES')) assertFiniteLosses(fn, losses);
      return losses;
    });
}
