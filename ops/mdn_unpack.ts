import * as tf from '@tensorflow/tfjs-core';

import {TensorInput} from './util/args';
import {decodeMdn, mdnCovarianceShape, toPackedTensor} from './mdn/decode';
import {MDN_LAYOUTS} from './mdn/layouts';
import {MixtureParameters} from './mixture_parameters';
import {MdnSpec, resolveMdnSpec} from './mdn/spec';

/**
 * Decodes a mixture-density head's output into the natural parameters of each row's mixture,
 * in the per-sample shapes that `gmmLogProb` accepts: weights [N, K] (softmax of the logits),
 * means [N, K, D] and covariances [N, K, D, D] (full), [N, K, D] variances (diag) or [N, K]
 * variances (spherical).
 *
 * @param yPred the head's output [N, P].
 * @param spec the head, or the `{nComponents, outputDim, covarianceType, minScale}` it was built with.
 * @returns weights, means and covariances; the caller owns them.
 */
export function mdnUnpack(yPred: TensorInput, spec: MdnSpec): MixtureParameters {
  const fn = 'mdnUnpack';
  const resolved = resolveMdnSpec(fn, spec);
  return tf.tidy(() => {
    const packed = toPackedTensor(fn, yPred, resolved);
    if (packed.shape[0] === 0) {
      // An empty batch: empty results (some backends' kernels divide by the row count).
      const {nComponents: K, outputDim: D} = resolved;
      return {
        weights: tf.zeros([0, K]),
        means: tf.zeros([0, K, D]),
        covariances: tf.zeros(mdnCovarianceShape(resolved, 0)),
      };
    }
    const decoded = decodeMdn(packed, resolved);
    return {
      weights: tf.softmax(decoded.logits),
      means: decoded.means,
      covariances: MDN_LAYOUTS[resolved.covarianceType].covariances(decoded),
    };
  });
}
