import * as tf from '@tensorflow/tfjs-core';
import {expect} from 'chai';

import {
  cholesky,
  covarianceFromPrecisionCholesky,
  precisionCholeskyFromCovariance,
  spdInverse,
  spdLogDet,
  triangularInverse,
  triangularSolve,
} from '../ops/linalg';
import {expectClose, expectNoLeak, expectThrowsWith} from './helpers/assertions';
import {describeOnBackends} from './helpers/backends';
import {fixtures} from './fixtures';

describeOnBackends('linear algebra vs numpy', () => {
  for (const c of fixtures.linalg) {
    describe(`D=${c.D}`, () => {
      // float32 results for well-conditioned SPD matrices (cond < 1e3 here): errors grow ~ D * eps * cond.
      const rtol = 1e-4;
      const atol = 2e-5 * c.D;

      it('cholesky matches numpy.linalg.cholesky', async () => {
        await expectNoLeak(() => {
          const L = cholesky(c.a as number[][][]);
          expectClose(L, c.cholesky, {rtol, atol, label: 'L'});
          L.dispose();
        });
      });

      it('spdInverse and spdLogDet match numpy', async () => {
        await expectNoLeak(() => {
          const inv = spdInverse(c.a as number[][][]);
          const logDet = spdLogDet(c.a as number[][][]);
          expectClose(inv, c.inverse, {rtol: 1e-3, atol: 1e-4 * c.D, label: 'inverse'});
          expectClose(logDet, c.logDet, {rtol: 1e-5, atol: 1e-4 * c.D, label: 'logdet'});
          tf.dispose([inv, logDet]);
        });
      });

      it('triangularSolve (plain and transposed) matches numpy.linalg.solve', async () => {
        await expectNoLeak(() => {
          const x = triangularSolve(c.lower as number[][][], c.b as number[][][]);
          const xt = triangularSolve(c.lower as number[][][], c.b as number[][][], {transposeA: true});
          expectClose(x, c.solveLower, {rtol: 1e-3, atol: 1e-4 * c.D, label: 'solve'});
          expectClose(xt, c.solveLowerTransposed, {rtol: 1e-3, atol: 1e-4 * c.D, label: 'solve^T'});
          tf.dispose([x, xt]);
        });
      });

      it('precision Cholesky matches scikit-learn and round-trips to the covariance', async () => {
        await expectNoLeak(() => {
          const P = precisionCholeskyFromCovariance(c.a as number[][][]);
          expectClose(P, c.precisionCholesky, {rtol: 1e-3, atol: 1e-4 * c.D, label: 'P'});
          const back = covarianceFromPrecisionCholesky(P);
          expectClose(back, c.a, {rtol: 1e-3, atol: 1e-4 * c.D, label: 'Sigma'});
          tf.dispose([P, back]);
        });
      });
    });
  }

  it('triangularInverse of an upper matrix gives the identity product', () => {
    const U = tf.tensor2d([
      [2, 1, -1],
      [0, 3, 0.5],
      [0, 0, 0.25],
    ]);
    const inv = triangularInverse(U, {lower: false});
    expectClose(tf.matMul(U, inv), tf.eye(3), {atol: 1e-6});
    tf.dispose([U, inv]);
  });

  it('reports a matrix that is not positive definite, naming its batch index and pivot', () => {
    const before = tf.memory().numTensors;
    expectThrowsWith(
      () =>
        cholesky(
          [
            [
              [1, 0],
              [0, 1],
            ],
            [
              [1, 2],
              [2, 1],
            ],
          ],
          {validate: true},
        ),
      'cholesky: a is not positive definite',
      'matrix 1 of a batch of shape [2]',
      'pivot 1 is -3',
    );
    expect(tf.memory().numTensors).to.equal(before);
    // Without validation, NaN marks the failure instead of an error.
    const L = cholesky([
      [1, 2],
      [2, 1],
    ]);
    expect(Number.isNaN(L.dataSync()[3])).to.equal(true);
    L.dispose();
  });

  it('rejects non-square input with the expected shape in the message', () => {
    expectThrowsWith(
      () =>
        cholesky([
          [1, 2, 3],
          [4, 5, 6],
        ]),
      'cholesky: a must have shape [..., D, D]',
      'but got [2, 3]',
    );
    expectThrowsWith(
      () => triangularSolve(tf.eye(3), tf.ones([2, 1])),
      'triangularSolve: b must have shape [3, M]',
      'but got [2, 1]',
    );
    expectThrowsWith(() => spdInverse([1, 2, 3]), 'spdInverse: a must have shape [..., D, D]', 'but got [3]');
  });

  it('is differentiable with tfjs autodiff: d logdet(A)/dA = A^-1', () => {
    tf.tidy(() => {
      const a = tf.tensor2d([
        [2, 0.5],
        [0.5, 1],
      ]);
      // Only the lower triangle is read, so symmetrise first to get the textbook gradient.
      const g = tf.grad((m: tf.Tensor) => spdLogDet(tf.mul(tf.add(m, tf.transpose(m)), 0.5)))(a);
      expectClose(g, spdInverse(a), {atol: 1e-5});
    });
  });
});
