/**
 * Initialisation of EM, scikit-learn's `init_params`: each method yields responsibilities per
 * chunk, and one M-step turns them into starting parameters (scikit-learn's `_initialize`).
 * Methods sit in a registry keyed by scikit-learn's names.
 */
import * as tf from '@tensorflow/tfjs-core';

import {EmData} from '../data';
import {EmContext} from '../engine/context';
import {mStep} from '../engine/m_step';
import {ScaledState} from '../parameters';
import {SeededRandom} from '../../util/random';
import {kmeansOnData, kmeansPlusPlusIndices, assignLabels, oneHotRows} from './clustering';

/** scikit-learn's `init_params` values. */
export type InitParams = 'kmeans' | 'k-means++' | 'random' | 'random_from_data';

/** Responsibilities of an initialisation, chunk by chunk (the same chunking as the data). */
export interface ResponsibilitySource {
  /** Responsibilities [B, K] of chunk `index` (created in the caller's tidy scope). */
  chunk(index: number): tf.Tensor2D;
  /** Whether every row sums to one (random_from_data gives most rows no responsibility). */
  rowsSumToOne: boolean;
}

type InitMethod = (data: EmData, nComponents: number, rng: SeededRandom) => ResponsibilitySource;

/** One-hot responsibilities from hard labels. */
function fromLabels(data: EmData, K: number, labels: Int32Array): ResponsibilitySource {
  return {
    chunk: (index) => {
      const c = data.chunks[index];
      return oneHotRows(tf.tensor1d(labels.subarray(c.start, c.start + c.size), 'int32'), K);
    },
    rowsSumToOne: true,
  };
}

/** Rows with positive weight (all rows when unweighted). */
function eligibleRows(data: EmData): number[] | null {
  if (!data.sampleWeights) return null;
  const rows: number[] = [];
  data.sampleWeights.forEach((w, n) => {
    if (w > 0) rows.push(n);
  });
  return rows;
}

const INIT_METHODS: Record<InitParams, InitMethod> = {
  /** KMeans(n_init=1) labels: k-means++ seeding, then Lloyd (scikit-learn's stopping rules). */
  kmeans: (data, K, rng) => fromLabels(data, K, kmeansOnData(data, K, rng).labels),

  /** k-means++ seeds alone; every row is assigned to its nearest seed (as ott-jax does). */
  'k-means++': (data, K, rng) =>
    fromLabels(
      data,
      K,
      assignLabels(
        data,
        kmeansPlusPlusIndices(data, K, rng).map((n) => data.row(n)),
      ),
    ),

  /** Uniform random responsibilities, normalised per row. */
  random: (data, K, rng) => {
    const seed = rng.seed();
    return {
      chunk: (index) => {
        const c = data.chunks[index];
        // A generator per chunk, so a chunk's responsibilities can be regenerated identically.
        const chunkRng = new SeededRandom(seed + 0x9e3779b9 * (index + 1));
        const values = new Float32Array(c.size * K);
        for (let b = 0; b < c.size; b++) {
          let total = 0;
          for (let k = 0; k < K; k++) total += values[b * K + k] = chunkRng.uniform();
          for (let k = 0; k < K; k++) values[b * K + k] /= total;
        }
        return tf.tensor2d(values, [c.size, K]);
      },
      rowsSumToOne: true,
    };
  },

  /** K distinct random rows, each the sole member of one component. */
  random_from_data: (data, K, rng) => {
    const eligible = eligibleRows(data);
    const picks = rng
      .choiceWithoutReplacement(eligible ? eligible.length : data.N, K)
      .map((i) => (eligible ? eligible[i] : i));
    return {
      chunk: (index) => {
        const c = data.chunks[index];
        const values = new Float32Array(c.size * K);
        picks.forEach((n, k) => {
          if (n >= c.start && n < c.start + c.size) values[(n - c.start) * K + k] = 1;
        });
        return tf.tensor2d(values, [c.size, K]);
      },
      rowsSumToOne: false,
    };
  },
};

/** The names of the initialisation methods. */
export const INIT_PARAMS: readonly InitParams[] = Object.keys(INIT_METHODS) as InitParams[];

/** Responsibilities of the method `name`. */
export function initialResponsibilities(
  name: InitParams,
  data: EmData,
  nComponents: number,
  rng: SeededRandom,
): ResponsibilitySource {
  return INIT_METHODS[name](data, nComponents, rng);
}

/** Starting parameters (scaled space) from an initialisation's responsibilities: one M-step. */
export function stateFromResponsibilities(ctx: EmContext, source: ResponsibilitySource): ScaledState {
  const fastAllowed = source.rowsSumToOne || ctx.em.perComponentExact;
  return mStep(ctx, (index) => ({resp: source.chunk(index), logLikelihood: null}), {
    exact: [],
    previousMeans: null,
    fastAllowed,
  }).state;
}
