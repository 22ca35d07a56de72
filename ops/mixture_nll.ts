import * as tf from '@tensorflow/tfjs-core';

import {TensorInput, fail, formatShape, toFloatTensor} from './util/args';
import {mixtureLogLikelihood} from './mixture_log_likelihood';
import {assertSampleWeights} from './internal/value_checks';

/**
 * Mean negative log-likelihood of a batch from its per-component log-probabilities:
 * `-mean_n logSumExp_k logProbs[n, k]`, or with `sampleWeights` w:
 * `-sum_n w_n ll_n / sum_n w_n`.
 *
 * @param logProbs [N, K] (the output of gmmLogProb, gmmLogProbPrecisionCholesky or GMMLayer).
 * @param sampleWeights optional non-negative weights [N].
 * @returns a scalar.
 */
export function mixtureNLL(logProbs: TensorInput, sampleWeights?: TensorInput): tf.Scalar {
  return mixtureNLLFor('mixtureNLL', logProbs, sampleWeights);
}

/** {@link mixtureNLL} on behalf of the public function `fn` (named in error messages). */
export function mixtureNLLFor(fn: string, logProbs: TensorInput, sampleWeights?: TensorInput): tf.Scalar {
  return tf.tidy(() => {
    const lp = toFloatTensor(logProbs, 'logProbs', fn);
    if (lp.rank !== 2 || lp.shape[1]! < 1)
      fail(fn, `logProbs must have shape [N, K], but got ${formatShape(lp.shape)}`);
    if (lp.shape[0] < 1)
      fail(fn, `logProbs must have at least one sample (N >= 1) to average over, but got ${formatShape(lp.shape)}`);
    const ll = mixtureLogLikelihood(lp);
    if (sampleWeights === undefined || sampleWeights === null) return tf.neg(tf.mean(ll)) as tf.Scalar;
    const w = toFloatTensor(sampleWeights, 'sampleWeights', fn);
    if (w.rank !== 1 || w.shape[0] !== lp.shape[0]) {
      fail(fn, `sampleWeights must have shape [${lp.shape[0]}] (N), but got ${formatShape(w.shape)}`);
    }
    assertSampleWeights(fn, 'sampleWeights', sampleWeights, w);
    return tf.neg(tf.div(tf.sum(tf.mul(w, ll)), tf.sum(w))) as tf.Scalar;
  });
}
