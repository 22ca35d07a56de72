/**
 * The feature basis of `full` EM holds each product z_i z_j (z = [1, x']) once, in circulant
 * order (see src/em/covariance/full.ts). Checked against float64 closed forms, for even and odd
 * M = D + 1 (even M repeats some pairs): Z W is log pi_k + log N(x | mu_k, Sigma_k), and the
 * moments unpacked from R^T Z are the flattened sum_n r_nk z z^T.
 */
import {expect} from 'chai';
import * as tf from '@tensorflow/tfjs-core';

import {createEmCovariance, featureWidth} from '../../src/em/covariance/registry';
import {expectClose, expectNoLeak} from '../helpers/assertions';
import {describeOnBackends} from '../helpers/backends';
import {F64, referenceLogProb} from '../helpers/reference_f64';
import {fill, normal, randomPrecisionCholesky, rng} from '../helpers/random';

const B = 9;
const K = 3;

describeOnBackends('full EM: the basis of products z_i z_j, each once', () => {
  for (const D of [1, 2, 3, 4, 5]) {
    const random = rng(100 + D);
    const x = fill([B, D], () => normal(random)) as number[][];
    const resp = fill([B, K], () => random()) as number[][];
    const p = randomPrecisionCholesky(random, 'full', K, D);
    // The upper-triangular factors (the lower triangle of the random ones is noise).
    const factors = (p.factors as number[][][]).map((f) => f.map((row, i) => row.map((v, j) => (j >= i ? v : 0))));
    const logits = p.logits as number[];
    const top = Math.max(...logits);
    const weights = logits.map((l) => Math.exp(l - top));
    const total = weights.reduce((s, w) => s + w, 0);
    const M = D + 1;

    it(`D = ${D}: ${(M * (M + 1)) / 2} distinct products in M (floor(M / 2) + 1) columns`, () => {
      expect(featureWidth('full', D)).to.equal(M * (Math.floor(M / 2) + 1));
    });

    it(`D = ${D}: Z W are the log-probabilities, R^T Z unpacks to sum r z z^T`, async () => {
      const expectedLogProb = referenceLogProb(
        'full',
        {x: F64.from(x), weights: F64.from(logits), means: F64.from(p.means), cov: F64.from(factors)},
        'precisionCholesky',
      );
      const expectedMoments = Array.from({length: K}, (_, k) => {
        const sum = new Array(M * M).fill(0);
        for (let n = 0; n < B; n++) {
          const z = [1, ...x[n]];
          for (let i = 0; i < M; i++) for (let j = 0; j < M; j++) sum[i * M + j] += resp[n][k] * z[i] * z[j];
        }
        return sum;
      });
      const em = createEmCovariance('full', K, D);
      try {
        await expectNoLeak(() => {
          const [logProb, moments] = tf.tidy(() => {
            const type = em.type;
            const precisionsCholesky = tf.tensor3d(factors);
            const state = {
              weights: tf.tensor1d(weights.map((w) => w / total)),
              means: tf.tensor2d(p.means as number[][]),
              precisionsCholesky,
              covariances: type.covarianceFromPrecisionCholesky(precisionsCholesky),
            };
            const z = em.features(tf.tensor2d(x));
            expect(z.shape).to.deep.equal([B, em.featureWidth]);
            return [
              tf.matMul(z, em.logitCoefficients(state)),
              em.expandMoments(tf.matMul(tf.transpose(tf.tensor2d(resp)), z)),
            ];
          });
          expect(moments.shape).to.deep.equal([K, em.width]);
          expectClose(logProb, expectedLogProb, {atol: 1e-4, rtol: 1e-4});
          expectClose(moments, expectedMoments, {atol: 1e-5, rtol: 1e-5});
          tf.dispose([logProb, moments]);
        });
      } finally {
        em.dispose();
      }
    });
  }
});
