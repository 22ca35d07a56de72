/**
 * The statistics of an EM pass as plain arrays (float64 on the host), and back: the currency in
 * which the public statistics API (../statistics.ts) and the workers (../parallel) exchange the
 * results of `runPass` and merge them.
 */
import * as tf from '@tensorflow/tfjs-core';

import {EmCovariance} from '../covariance/em_covariance';
import {PassResult} from './pass';

/** The sums of one pass over some rows, on the host. */
export interface PassArrays {
  /** [K * width] row-major moments (component k: N_k, sum r x', the basis' second moments), or null. */
  moments: Float64Array | null;
  /** The exact scatter of the planned components, flattened ([Kf * D * D] or [Kf * D]), or null. */
  exactScatter: Float64Array | null;
  /** Sum of w * log-likelihood in the scaled space, or null. */
  logLikelihoodSum: number | null;
}

/** Reads a pass's tensors back (and disposes them). */
export function passToArrays(pass: PassResult): PassArrays {
  const read = (t: tf.Tensor | null) => (t ? Float64Array.from(t.dataSync()) : null);
  try {
    return {
      moments: read(pass.moments),
      exactScatter: read(pass.exactScatter),
      logLikelihoodSum: pass.logLikelihoodSum ? pass.logLikelihoodSum.dataSync()[0] : null,
    };
  } finally {
    tf.dispose([pass.moments, pass.exactScatter, pass.logLikelihoodSum].filter((t): t is tf.Tensor => t !== null));
  }
}

/** Element-wise a + b of two optional arrays of the same length (float64). */
export function addArrays(a: Float64Array | null, b: Float64Array | null): Float64Array | null {
  if (a === null) return b === null ? null : Float64Array.from(b);
  if (b === null) return Float64Array.from(a);
  const sum = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) sum[i] = a[i] + b[i];
  return sum;
}

/** The sums of two passes over disjoint rows (the same request). */
export function mergePassArrays(a: PassArrays, b: PassArrays): PassArrays {
  const add = (u: number | null, v: number | null) => (u === null ? v : v === null ? u : u + v);
  return {
    moments: addArrays(a.moments, b.moments),
    exactScatter: addArrays(a.exactScatter, b.exactScatter),
    logLikelihoodSum: add(a.logLikelihoodSum, b.logLikelihoodSum),
  };
}

/** Shape of the exact statistics (scatter and first moments, packed) of `Kf` components. */
export function exactScatterShape(em: EmCovariance, Kf: number): number[] {
  return em.scatter.packedShape(Kf, em.D);
}

/** Host sums back to the tensors of a pass (the caller owns them). */
export function arraysToPass(em: EmCovariance, arrays: PassArrays, exactCount: number): PassResult {
  return {
    moments: arrays.moments ? tf.tensor2d(Float32Array.from(arrays.moments), [em.K, em.width]) : null,
    exactScatter: arrays.exactScatter
      ? tf.tensor(Float32Array.from(arrays.exactScatter), exactScatterShape(em, exactCount))
      : null,
    logLikelihoodSum: arrays.logLikelihoodSum === null ? null : tf.scalar(arrays.logLikelihoodSum),
  };
}
