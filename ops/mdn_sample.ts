import * as tf from '@tensorflow/tfjs-core';

import {TensorInput, assertKnownKeys, assertNumber, fail, optionKeys} from './util/args';
import {getCovarianceType} from './covariance/registry';
import {drawFromMixtures} from './internal/mixture_sample';
import {decodeMdn, toPackedTensor} from './mdn/decode';
import {MdnSpec, resolveMdnSpec} from './mdn/spec';

/** Options of {@link mdnSample}. */
export interface MdnSampleOptions {
  /**
   * Divides the logits before the component is drawn: components are chosen with probabilities
   * softmax(logits / temperature). Below 1 favours heavy components; 0 always takes the heaviest
   * (default 1).
   */
  temperature?: number;
  /**
   * Multiplies every standard deviation of the chosen component (its covariance by the square);
   * 0 returns the component's mean (default 1).
   */
  sigmaTemperature?: number;
  /** Seed of the random draws: the same seed and inputs give the same samples on every backend. */
  seed?: number;
}

const MDN_SAMPLE_OPTION_KEYS = optionKeys<MdnSampleOptions>({temperature: true, sigmaTemperature: true, seed: true});

/**
 * Draws one sample per row from the mixture a mixture-density head predicts for that row (the
 * sampler of {@link gmmSample}): a component by the Gumbel-max trick on `logits / temperature`,
 * then a normal draw from it, `mu + sigmaTemperature * P^-T z` with P the component's precision
 * Cholesky factor (for diag and spherical, `mu + sigmaTemperature * sigma * z`).
 *
 * @param yPred the head's output [N, P].
 * @param spec the head, or the `{nComponents, outputDim, covarianceType, minScale}` it was built with.
 * @returns samples [N, D].
 */
export function mdnSample(yPred: TensorInput, spec: MdnSpec, options: MdnSampleOptions = {}): tf.Tensor2D {
  const fn = 'mdnSample';
  const resolved = resolveMdnSpec(fn, spec);
  if (!options || typeof options !== 'object')
    fail(fn, `options must be an object {temperature?, sigmaTemperature?, seed?}, but got ${JSON.stringify(options)}`);
  assertKnownKeys(fn, 'options', options, MDN_SAMPLE_OPTION_KEYS);
  const {temperature = 1, sigmaTemperature = 1, seed} = options;
  assertNumber(fn, 'temperature', temperature, {min: 0});
  assertNumber(fn, 'sigmaTemperature', sigmaTemperature, {min: 0});
  if (seed !== undefined) assertNumber(fn, 'seed', seed);
  const {nComponents: K, outputDim: D, covarianceType} = resolved;
  return tf.tidy(() => {
    const packed = toPackedTensor(fn, yPred, resolved);
    const N = packed.shape[0];
    // An empty batch: an empty result (some backends' kernels divide by the row count).
    if (N === 0) return tf.zeros([0, D]) as tf.Tensor2D;
    const {logits, means, factor} = decodeMdn(packed, resolved);
    const {samples} = drawFromMixtures({
      logWeights: logits,
      means,
      factors: factor,
      type: getCovarianceType(covarianceType, fn),
      K,
      D,
      N,
      n: 1,
      seed,
      temperature,
      spreadScale: sigmaTemperature,
    });
    return tf.reshape(samples, [N, D]) as tf.Tensor2D;
  });
}
