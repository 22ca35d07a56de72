/**
 * Seeded random parameters for gradient and training tests. Values are rounded to float32
 * (Math.fround) so that float64 references see exactly what the tensors hold.
 */
import {CovType, Nd} from './reference_f64';

/** mulberry32: a small seeded PRNG. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws via Box-Muller. */
export function normal(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Builds an array of the given shape from a generator of float32-rounded values. */
export function fill(shape: number[], gen: () => number): Nd {
  if (shape.length === 0) return Math.fround(gen());
  return Array.from({length: shape[0]}, () => fill(shape.slice(1), gen));
}

function spd(random: () => number, D: number): number[][] {
  const a = Array.from({length: D}, () => Array.from({length: D}, () => normal(random)));
  return a.map((row, i) =>
    a.map((other, j) => Math.fround(row.reduce((s, v, t) => s + v * other[t], 0) / D + (i === j ? 0.6 : 0))),
  );
}

/** Random natural parameters (positive weights, SPD covariances) with optional leading N. */
export function randomNatural(random: () => number, type: CovType, K: number, D: number, lead: number[] = []) {
  const covariance = (): Nd => {
    if (type === 'full') return Array.from({length: K}, () => spd(random, D));
    if (type === 'tied') return spd(random, D);
    if (type === 'diag') return fill([K, D], () => 0.4 + 1.6 * random());
    if (type === 'spherical') return fill([K], () => 0.4 + 1.6 * random());
    return fill([], () => 0.4 + 1.6 * random()); // shared_isotropic, constant: one variance
  };
  const repeat = (gen: () => Nd): Nd => (lead.length ? Array.from({length: lead[0]}, gen) : gen());
  return {
    weights: repeat(() => fill([K], () => 0.2 + random())),
    means: repeat(() => fill([K, D], () => 1.5 * normal(random))),
    covariances: repeat(covariance),
  };
}

/**
 * Random precision-Cholesky parameters: logits, means, and factors whose diagonal is bounded
 * away from zero (with random signs) and whose ignored lower triangle holds noise.
 */
export function randomPrecisionCholesky(
  random: () => number,
  type: CovType,
  K: number,
  D: number,
  lead: number[] = [],
) {
  const diagonal = () => (random() < 0.3 ? -1 : 1) * (0.6 + random());
  const matrix = () =>
    Array.from({length: D}, (_, i) =>
      Array.from({length: D}, (_, j) =>
        Math.fround(i === j ? diagonal() : j > i ? 0.4 * normal(random) : normal(random)),
      ),
    );
  const factor = (): Nd => {
    if (type === 'full') return Array.from({length: K}, matrix);
    if (type === 'tied') return matrix();
    if (type === 'diag') return fill([K, D], diagonal);
    if (type === 'spherical') return fill([K], diagonal);
    return fill([], diagonal);
  };
  const repeat = (gen: () => Nd): Nd => (lead.length ? Array.from({length: lead[0]}, gen) : gen());
  return {
    logits: repeat(() => fill([K], () => normal(random))),
    means: repeat(() => fill([K, D], () => 1.5 * normal(random))),
    factors: repeat(factor),
  };
}
