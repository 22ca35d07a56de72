/**
 * Data and sources for the streaming tests: a seeded mixture, and sources that yield it in
 * batches (plain arrays, async generators, tf.data).
 */
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
