/**
 * The starting posterior of one initialisation: from the responsibilities of `initParams` or of
 * the `initialResponsibilities` fit option (one variational M-step, scikit-learn's
 * `_initialize`), or, when warm-starting, the fitted posterior mapped into the new scaled space.
 */
import * as tf from '@tensorflow/tfjs-core';

import {TensorInput, fail, formatShape, toFloatTensor} from '../../../ops/util/args';
import {SeededRandom} from '../../util/random';
import {EmData} from '../data';
import {InitParams, ResponsibilitySource, initialResponsibilities} from '../init/methods';
import {FittedParameters, toScaledState} from '../parameters';
import {BayesianCovarianceType} from './covariance';
import {VariationalContext, initialPosterior} from './loop';
import {Posterior} from './posterior';
import {PosteriorVectors} from './serialization';

/** User-given responsibilities [N, K] as an initialisation source, with their total. */
export interface GivenResponsibilities {
  source: ResponsibilitySource;
  total: number;
}

/** Reads `initialResponsibilities` ([N, K], finite, non-negative, every column with some mass). */
export function readResponsibilities(fn: string, value: TensorInput, data: EmData, K: number): GivenResponsibilities {
  const name = 'options.initialResponsibilities';
  const t = toFloatTensor(value, name, fn);
  let values: Float32Array;
  try {
    if (t.rank !== 2 || t.shape[0] !== data.N || t.shape[1] !== K)
      fail(fn, `${name} must have shape [${data.N}, ${K}] (N, nComponents), but got ${formatShape(t.shape)}`);
    values = Float32Array.from(t.dataSync());
  } finally {
    if (t !== value) t.dispose();
  }
  let total = 0;
  let rowsSumToOne = true;
  for (let n = 0; n < data.N; n++) {
    let row = 0;
    for (let k = 0; k < K; k++) {
      const r = values[n * K + k];
      if (!(r >= 0) || !Number.isFinite(r))
        fail(fn, `${name} must be finite and non-negative, but entry [${n}, ${k}] is ${r}`);
      row += r;
    }
    total += row;
    if (Math.abs(row - 1) > 1e-5) rowsSumToOne = false;
  }
  if (!(total > 0)) fail(fn, `${name} must have a positive sum, but got ${total}`);
  return {
    source: {
      chunk: (index) => {
        const c = data.chunks[index];
        return tf.tensor2d(values.subarray(c.start * K, (c.start + c.size) * K), [c.size, K]);
      },
      rowsSumToOne,
    },
    total,
  };
}

/** The starting posterior of a fresh initialisation (scaled space; the caller owns it). */
export function freshPosterior(
  vc: VariationalContext,
  initParams: InitParams,
  given: GivenResponsibilities | null,
  rng: SeededRandom,
): Posterior {
  if (given) return initialPosterior(vc, given.source, given.total);
  const {data, em} = vc.ctx;
  const source = initialResponsibilities(initParams, data, em.K, rng);
  // random_from_data gives K rows one responsibility each; the other methods' rows sum to one.
  return initialPosterior(vc, source, source.rowsSumToOne ? data.totalWeight : em.K);
}

/** A fitted posterior (data space) mapped into the scaled space of `data` (warm start). */
export function warmPosterior(
  type: BayesianCovarianceType,
  data: EmData,
  params: FittedParameters,
  vectors: PosteriorVectors,
): Posterior {
  const scaled = toScaledState(type, data.transform, params.weights, params.means, params.precisionsCholesky);
  scaled.weights.dispose();
  return {
    weightConcentration: vectors.weightConcentration.map((v) => Float64Array.from(v)),
    meanPrecision: Float64Array.from(vectors.meanPrecision),
    degreesOfFreedom: Float64Array.from(vectors.degreesOfFreedom),
    means: scaled.means,
    covariances: scaled.covariances,
    precisionsCholesky: scaled.precisionsCholesky,
  };
}
