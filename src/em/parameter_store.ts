/**
 * The parameters a fitted model owns. The host copy (float32, read back once when the
 * parameters are set) is the truth; the tensors the model hands out are a cache of it, kept out
 * of every tf.tidy scope and re-created when a user has disposed one. So neither an enclosing
 * tf.tidy nor `model.weights.dispose()` can break a model. The means are also kept in float64
 * (when they were known in float64: a fit, or parameters given as arrays), for scoring and saving:
 * at an offset, a narrow component's mean is finer than float32's spacing there.
 */
import * as tf from '@tensorflow/tfjs-core';

import {FittedParameters} from './parameters';

type ParameterName = keyof FittedParameters;

const NAMES: readonly ParameterName[] = ['weights', 'means', 'covariances', 'precisionsCholesky'];

/** The owned parameters of one fitted model. */
export class ParameterStore {
  private readonly host = {} as Record<ParameterName, {values: Float32Array; shape: number[]}>;
  private readonly cache = {} as Record<ParameterName, tf.Tensor>;
  /** The means in float64, row-major [K * D]. */
  readonly meanValues: Float64Array;

  /**
   * Takes ownership of `parameters` (their tensors become the first cached copies).
   *
   * @param meanValues the means in float64 (row-major [K * D]); default: the float32 means.
   */
  constructor(parameters: FittedParameters, meanValues?: ArrayLike<number>) {
    for (const name of NAMES) {
      const t = parameters[name];
      this.host[name] = {values: Float32Array.from(t.dataSync()), shape: t.shape.slice()};
      this.cache[name] = tf.keep(t);
    }
    this.meanValues = Float64Array.from(meanValues ?? this.host.means.values);
  }

  /** The tensor of one parameter, owned by the store (valid until the store is disposed). */
  tensor(name: ParameterName): tf.Tensor {
    let t = this.cache[name];
    if (t.isDisposed) {
      const {values, shape} = this.host[name];
      t = tf.keep(tf.tensor(values, shape, 'float32'));
      this.cache[name] = t;
    }
    return t;
  }

  /** All four tensors, owned by the store. */
  parameters(): FittedParameters {
    return {
      weights: this.tensor('weights'),
      means: this.tensor('means'),
      covariances: this.tensor('covariances'),
      precisionsCholesky: this.tensor('precisionsCholesky'),
    };
  }

  /** Releases the cached tensors. */
  dispose(): void {
    for (const name of NAMES) if (!this.cache[name].isDisposed) this.cache[name].dispose();
  }
}
