import * as tf from '@tensorflow/tfjs-core';

import {scaleRowsByPosterior, wasmPosterior, wasmPosteriorAvailable} from './kernels/wasm/posterior';
import {TensorInput, fail, formatShape, toFloatTensor} from './util/args';

/**
 * log sum_k exp(logProbs[..., k]) over the last axis, with a max shift, for custom training loops
 * on the output of {@link gmmLogProb}, {@link gmmLogProbPrecisionCholesky} or `GMMLayer`.
 *
 * A row whose entries are all -Infinity gives -Infinity and a zero gradient (tf.logSumExp gives
 * NaN there). The gradient is the responsibilities softmax(logProbs) times the upstream gradient.
 *
 * @param logProbs per-component log-probabilities [..., K] (rank >= 1).
 * @returns log-likelihoods [...].
 */
export function mixtureLogLikelihood(logProbs: TensorInput): tf.Tensor {
  const fn = 'mixtureLogLikelihood';
  return tf.tidy(() => {
    const lp = toFloatTensor(logProbs, 'logProbs', fn);
    if (lp.rank < 1 || lp.shape[lp.rank - 1] < 1) {
      fail(fn, `logProbs must have shape [..., K] with K >= 1, but got ${formatShape(lp.shape)}`);
    }
    const K = lp.shape[lp.rank - 1];
    const rows = lp.size / K;
    if (rows > 0 && wasmPosteriorAvailable()) {
      return tf.reshape(logSumExpRowsKernel(tf.reshape(lp, [rows, K])), lp.shape.slice(0, -1));
    }
    return logSumExpLastAxis(lp);
  });
}

/**
 * log sum exp of each row of [rows, K] by the posterior kernel (ops/kernels/wasm/posterior.ts),
 * with the same values and the same handling of infinities as {@link logSumExpLastAxis}: its
 * responsibilities (not floored) are the gradient.
 */
const logSumExpRowsKernel = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const lp = inputs[0] as tf.Tensor2D;
  const save = inputs[1] as tf.GradSaveFunc;
  const {resp, logSumExp} = wasmPosterior(lp, 0);
  save([resp]);
  return {
    value: tf.reshape(logSumExp, [lp.shape[0]]),
    gradFunc: (dy: tf.Tensor, [responsibilities]: tf.Tensor[]) => [
      scaleRowsByPosterior(responsibilities as tf.Tensor2D, dy as tf.Tensor1D),
    ],
  };
});

/** Largest finite float32: clipping to it keeps softmax finite on rows holding infinities. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * log sum exp over the last axis as max - log(max softmax): the softmax is one fused kernel on
 * most backends, and it is also the gradient, so the backward needs no second exp. Infinite
 * entries are clipped before the softmax (an all -Infinity row then gives a uniform placeholder),
 * and rows without a finite maximum get a zero gradient. The mask of finite rows
 * multiplies the [..., 1] upstream gradient rather than the saved softmax: a broadcast along the
 * last axis is the slow kind on wasm, so the backward does one, the forward none.
 */
const logSumExpLastAxis = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const lp = inputs[0] as tf.Tensor;
  const save = inputs[1] as tf.GradSaveFunc;
  const max = tf.max(lp, -1, true);
  const softmax = tf.softmax(tf.clipByValue(lp, -FLOAT32_MAX, FLOAT32_MAX));
  const lse = tf.squeeze(tf.sub(max, tf.log(tf.max(softmax, -1, true))), [-1]);
  save([softmax, tf.cast(tf.isFinite(max), 'float32')]);
  return {
    value: lse,
    gradFunc: (dy: tf.Tensor, [responsibilities, finiteRows]: tf.Tensor[]) => [
      tf.mul(responsibilities, tf.mul(tf.expandDims(dy, -1), finiteRows)),
    ],
  };
});
