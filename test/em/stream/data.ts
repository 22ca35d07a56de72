/**
 * Data and sources for the streaming tests: a seeded mixture, and sources that yield it in
 * batches (plain arrays, async generators, tf.data, with weights), and a fit's start from a model.
 */
import * as tf from '@tensorflow/tfjs-core';

import {getCovarianceType} from '../../../ops/covariance/registry';
import {GaussianMixture, GaussianMixtureOptions} from '../../../src';
import {normal, rng} from '../../helpers/random';

/**
 * N rows of a K-component mixture in D dimensions: means uniform in [-spread, spread]^D, each
 * component with its own random axis scales in [0.5, 1.5] (float32-rounded values).
 */
export function mixtureRows(N: number, D: number, K: number, seed: number, spread = 8): number[][] {
  const random = rng(seed);
  const means = Array.from({length: K}, () => Array.from({length: D}, () => (2 * random() - 1) * spread));
  const scales = Array.from({length: K}, () => Array.from({length: D}, () => 0.5 + random()));
  return Array.from({length: N}, () => {
    const k = Math.floor(random() * K);
    return means[k].map((m, j) => Math.fround(m + scales[k][j] * normal(random)));
  });
}

/** Splits rows into batches of `size` (the last one shorter). */
export function batches(rows: number[][], size: number): number[][][] {
  const out: number[][][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

/** A source function yielding `rows` in batches of `size` from an async generator. */
export function asyncSource(rows: number[][], size: number): () => AsyncGenerator<number[][]> {
  return async function* () {
    for (const batch of batches(rows, size)) yield batch;
  };
}

/** A source of `{x, sampleWeight}` batches of `size` rows (arrays). */
export function weightedSource(rows: number[][], weights: number[], size: number) {
  return async function* () {
    for (let i = 0; i < rows.length; i += size)
      yield {x: rows.slice(i, i + size), sampleWeight: weights.slice(i, i + size)};
  };
}

/** The options of a fit from `starter`'s parameters (weightsInit, meansInit, precisionsInit). */
export function startOf(
  starter: GaussianMixture,
): Pick<GaussianMixtureOptions, 'weightsInit' | 'meansInit' | 'precisionsInit'> {
  const precisions = tf.tidy(() =>
    getCovarianceType(starter.covarianceType).precisionFromPrecisionCholesky(starter.precisionsCholesky),
  );
  const start = {
    weightsInit: starter.weights.arraySync(),
    meansInit: starter.means.arraySync(),
    precisionsInit: precisions.arraySync() as number[],
  };
  precisions.dispose();
  return start;
}
