/**
 * Independent references for mixture-density heads, written from the documented output layout:
 * a float64 decoder into natural parameters (weights, means, covariances built from the
 * autoregressive definition of `full`) scored with `referenceLogProb`, central finite
 * differences on it, and a plain tfjs composite (slices, stacks, no customGrad) for autodiff.
 */
import * as tf from '@tensorflow/tfjs-core';

import {fill, normal, rng} from './random';
import {F64, referenceLogProb} from './reference_f64';
import {plainLogProbPrecisionCholesky} from './reference_tf';

export type MdnType = 'diag' | 'spherical' | 'full';

export interface MdnRefSpec {
  K: number;
  D: number;
  type: MdnType;
  minScale: number;
}

/** P for the documented layout. */
export function refParamsSize({K, D, type}: MdnRefSpec): number {
  return K + K * D + (type === 'spherical' ? K : K * D) + (type === 'full' ? (K * D * (D - 1)) / 2 : 0);
}

const softplus = (v: number) => Math.log1p(Math.exp(-Math.abs(v))) + Math.max(v, 0);

/** One row decoded in float64: weights, means, standard deviations and coefficients c[k][j][i]. */
export interface RefMixture {
  weights: number[];
  means: number[][];
  /** [K][D] (spherical: the one sigma repeated). */
  sigmas: number[][];
  /** [K][D][D] covariances. */
  covariances: number[][][];
}

/** Decodes one output row following the documented layout, in float64. */
export function refDecodeRow(spec: MdnRefSpec, row: readonly number[]): RefMixture {
  const {K, D, type, minScale} = spec;
  const logits = row.slice(0, K);
  const max = Math.max(...logits);
  const exps = logits.map((l) => Math.exp(l - max));
  const total = exps.reduce((a, b) => a + b, 0);
  const weights = exps.map((e) => e / total);
  const means = Array.from({length: K}, (_, k) => row.slice(K + k * D, K + (k + 1) * D));
  const scaleStart = K + K * D;
  const sigmas = Array.from({length: K}, (_, k) =>
    Array.from(
      {length: D},
      (_, d) => minScale + softplus(type === 'spherical' ? row[scaleStart + k] : row[scaleStart + k * D + d]),
    ),
  );
  const coefficientStart = scaleStart + K * D;
  const covariances = sigmas.map((sigma, k) => {
    // z_j = sum_{i<j} c[j][i] z_i + e_j with e ~ N(0, I): z = G^-1 e, G unit lower triangular with
    // G[j][i] = -c[j][i]; y - mu = diag(sigma) z, so Sigma = diag(sigma) G^-1 G^-T diag(sigma).
    const Ginv: number[][] = Array.from({length: D}, (_, r) => Array.from({length: D}, (_, c) => (r === c ? 1 : 0)));
    for (let j = 1; j < D; j++) {
      for (let i = 0; i < j; i++) {
        const c = type === 'full' ? row[coefficientStart + (k * D * (D - 1)) / 2 + (j * (j - 1)) / 2 + i] : 0;
        // Row j of G^-1 = e_j + sum_{i<j} c[j][i] (row i of G^-1).
        for (let col = 0; col < D; col++) Ginv[j][col] += c * Ginv[i][col];
      }
    }
    return Array.from({length: D}, (_, a) =>
      Array.from({length: D}, (_, b) => sigma[a] * sigma[b] * Ginv[a].reduce((s, v, t) => s + v * Ginv[b][t], 0)),
    );
  });
  return {weights, means, sigmas, covariances};
}

/** Per-row negative log-likelihood of yTrue under each row's decoded mixture, in float64. */
export function refMdnNLL(
  spec: MdnRefSpec,
  yPred: readonly (readonly number[])[],
  yTrue: readonly (readonly number[])[],
): number[] {
  return yPred.map((row, n) => {
    const m = refDecodeRow(spec, row);
    // Natural parameters of the reference's 'full' type cover every case (diagonal matrices too).
    const logProbs = referenceLogProb(
      'full',
      {
        x: F64.from([yTrue[n] as number[]]),
        weights: F64.from(m.weights),
        means: F64.from(m.means),
        cov: F64.from(m.covariances),
      },
      'natural',
    )[0];
    const max = Math.max(...logProbs);
    return -(max + Math.log(logProbs.reduce((s, v) => s + Math.exp(v - max), 0)));
  });
}

/** Central differences of sum_n cotangent[n] nll_n w.r.t. every entry of yPred (float64). */
export function refMdnGradient(
  spec: MdnRefSpec,
  yPred: readonly (readonly number[])[],
  yTrue: readonly (readonly number[])[],
  cotangent: readonly number[],
  step = 1e-6,
): number[][] {
  return yPred.map((row, n) =>
    row.map((value, p) => {
      const h = step * Math.max(1, Math.abs(value));
      const at = (v: number) => {
        const perturbed = row.slice();
        perturbed[p] = v;
        return refMdnNLL(spec, [perturbed], [yTrue[n]])[0];
      };
      return (cotangent[n] * (at(value + h) - at(value - h))) / (2 * h);
    }),
  );
}

/**
 * The per-row NLL [N] as a plain tfjs composite: column slices, softplus, the factor
 * P = diag(1/sigma) (I - C) stacked entry by entry, `plainLogProbPrecisionCholesky` and
 * tf.logSumExp. Autodiff gives its gradient.
 */
export function plainMdnNLL(spec: MdnRefSpec, yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  const {K, D, type, minScale} = spec;
  const N = yPred.shape[0];
  const column = (c: number) => tf.reshape(tf.slice(yPred, [0, c], [N, 1]), [N]);
  const logits = tf.slice(yPred, [0, 0], [N, K]);
  const means = tf.reshape(tf.slice(yPred, [0, K], [N, K * D]), [N, K, D]);
  const scaleStart = K + K * D;
  const sigma = (k: number, d: number) =>
    tf.add(tf.softplus(column(type === 'spherical' ? scaleStart + k : scaleStart + k * D + d)), minScale);
  let factor: tf.Tensor;
  if (type === 'spherical') {
    factor = tf.stack(
      Array.from({length: K}, (_, k) => tf.reciprocal(sigma(k, 0))),
      1,
    );
  } else if (type === 'diag') {
    factor = tf.stack(
      Array.from({length: K}, (_, k) =>
        tf.stack(
          Array.from({length: D}, (_, d) => tf.reciprocal(sigma(k, d))),
          1,
        ),
      ),
      1,
    );
  } else {
    const coefficientStart = scaleStart + K * D;
    factor = tf.stack(
      Array.from({length: K}, (_, k) =>
        tf.stack(
          Array.from({length: D}, (_, i) =>
            tf.stack(
              Array.from({length: D}, (_, j) => {
                if (j < i) return tf.zeros([N]);
                const inverse = tf.reciprocal(sigma(k, i));
                if (j === i) return inverse;
                return tf.neg(
                  tf.mul(column(coefficientStart + (k * D * (D - 1)) / 2 + (j * (j - 1)) / 2 + i), inverse),
                );
              }),
              1,
            ),
          ),
          1,
        ),
      ),
      1,
    );
  }
  const logProbs = plainLogProbPrecisionCholesky(type, yTrue, logits, means, factor);
  return tf.neg(tf.logSumExp(logProbs, 1));
}

/**
 * Random head outputs and targets (float32-rounded): logits and means ~N(0, 1), raw scales
 * uniform in [-2, 2] (standard deviations 0.13-2.1, both sides of softplus' knee), coefficients
 * ~N(0, 0.8); targets ~N(0, 1.5^2); per-row cotangents in [0.5, 1.5).
 */
export function randomMdnCase(
  spec: MdnRefSpec,
  N: number,
  seed: number,
): {yPred: number[][]; yTrue: number[][]; cotangent: number[]} {
  const random = rng(seed);
  const {K, D, type} = spec;
  const scalesEnd = K + K * D + (type === 'spherical' ? K : K * D);
  const yPred = Array.from({length: N}, () =>
    Array.from({length: refParamsSize(spec)}, (_, p) =>
      Math.fround(p < K + K * D ? normal(random) : p < scalesEnd ? 4 * random() - 2 : 0.8 * normal(random)),
    ),
  );
  const yTrue = fill([N, D], () => Math.fround(1.5 * normal(random))) as number[][];
  const cotangent = Array.from({length: N}, () => Math.fround(0.5 + random()));
  return {yPred, yTrue, cotangent};
}
