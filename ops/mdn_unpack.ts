import * as tf from '@tensorflow/tfjs-core';

import {covarianceFromPrecisionCholesky} from './linalg/spd';
import {TensorInput} from './util/args';
import {decodeMdn, toPackedTensor} from './mdn/decode';
import {MdnSpec, resolveMdnSpec} from './mdn/spec';

/** The mixtures a mixture-density head predicts, one per row, in natural terms. */
export interface MdnMixtures {
  /** [N, K] mixture weights (softmax of the logits). */
  weights: tf.Tensor;
  /** [N, K, D] component means. */
  means: tf.Tensor;
  /**
   * Covariances in the per-sample shape of the covariance type: [N, K, D, D] (full), [N, K, D]
   * variances (diag) or [N, K] variances (spherical).
   */
  covariances: tf.Tensor;
}

/**
 * Decodes a mixture-density head's output into the natural parameters of each row's mixture,
 * in the per-sample shapes that `gmmLogProb` accepts.
 *
 * @param yPred the head's output [N, P].
 * @param spec the head, or the `{nComponents, outputDim, covarianceType, minScale}` it was built with.
 * @returns weights, means and covariances; the caller owns them.
 */
export function mdnUnpack(yPred: TensorInput, spec: MdnSpec): MdnMixtures {
  const fn = 'mdnUnpack';
  const resolved = resolveMdnSpec(fn, spec);
  return tf.tidy(() => {
    const {logits, means, scales, factor} = decodeMdn(toPackedTensor(fn, yPred, resolved), resolved);
    const covariances = resolved.covarianceType === 'full' ? covarianceFromPrecisionCholesky(factor) : tf.square(scales);
    return {weights: tf.softmax(logits), means, covariances};
  });
}
