import * as tf from '@tensorflow/tfjs-core';

import {TensorInput} from './util/args';
import {decodeMdn, toPackedTensor} from './mdn/decode';
import {MdnSpec, resolveMdnSpec} from './mdn/spec';
import {argMaxOneHot, selectComponent} from './mdn/select';

/**
 * The mean of each row's heaviest component: a deterministic point prediction from a
 * mixture-density head (the mixture's most probable branch, rather than its average, which can
 * fall between branches).
 *
 * @param yPred the head's output [N, P].
 * @param spec the head, or the `{nComponents, outputDim, covarianceType, minScale}` it was built with.
 * @returns [N, D].
 */
export function mdnMode(yPred: TensorInput, spec: MdnSpec): tf.Tensor2D {
  const fn = 'mdnMode';
  const resolved = resolveMdnSpec(fn, spec);
  return tf.tidy(() => {
    const packed = toPackedTensor(fn, yPred, resolved);
    // An empty batch: an empty result (some backends' kernels divide by the row count).
    if (packed.shape[0] === 0) return tf.zeros([0, resolved.outputDim]) as tf.Tensor2D;
    const {logits, means} = decodeMdn(packed, resolved);
    return selectComponent(argMaxOneHot(logits), means) as tf.Tensor2D;
  });
}
