/**
 * The M-step's host precision Cholesky factors (src/em/covariance/host_cholesky.ts): upper
 * triangular P with P^T Sigma P = I (so P P^T = Sigma^-1), of the symmetric part, non-finite
 * entries for a matrix that is not positive definite, and the same bits as the ops' conversion.
 */
import {expect} from 'chai';
import * as tf from '@tensorflow/tfjs-core';

import {getCovarianceType} from '../../ops/covariance/registry';
import {hostPrecisionCholesky} from '../../src/em/covariance/host_cholesky';
import {expectClose, expectNoLeak} from '../helpers/assertions';
import {describeOnBackends} from '../helpers/backends';
import {normal, rng} from '../helpers/random';

/** A random SPD matrix A A^T / D + I / 2 (float32-representable entries). */
function spd(random: () => number, D: number): number[][] {
  const a = Array.from({length: D}, () => Array.from({length: D}, () => normal(random)));
  return a.map((row, i) =>
    a.map((other, j) => Math.fround(row.reduce((s, v, p) => s + v * other[p], 0) / D + (i === j ? 0.5 : 0))),
  );
}

describeOnBackends('hostPrecisionCholesky', () => {
  it('gives upper-triangular P with P^T Sigma P = I, for a batch and for one matrix', async () => {
    const random = rng(5);
    // [count, D]; count 0 stands for one [D, D] matrix (tied).
    for (const shape of [
      [3, 5],
      [1, 4],
      [0, 6],
    ] as const) {
      const [count, D] = shape;
      const matrices = Array.from({length: Math.max(count, 1)}, () => spd(random, D));
      const input = count === 0 ? matrices[0] : matrices;
      const values = await expectNoLeak(() => {
        const c = tf.tensor(input);
        const P = hostPrecisionCholesky(c);
        expect(P.shape).to.deep.equal(c.shape);
        const read = P.arraySync() as number[][] | number[][][];
        tf.dispose([c, P]);
        return read;
      });
      const factors = (count === 0 ? [values] : values) as number[][][];
      factors.forEach((p, b) => {
        const sigma = matrices[b];
        const identity = Array.from({length: D}, (_, i) =>
          Array.from({length: D}, (_, j) => {
            let s = 0;
            for (let u = 0; u < D; u++) for (let v = 0; v < D; v++) s += p[u][i] * sigma[u][v] * p[v][j];
            return s;
          }),
        );
        const eye = Array.from({length: D}, (_, i) => Array.from({length: D}, (_, j) => (i === j ? 1 : 0)));
        expectClose(identity, eye, {atol: 1e-5, rtol: 0});
        for (let i = 0; i < D; i++) for (let j = 0; j < i; j++) expect(p[i][j]).to.equal(0);
      });
    }
  });

  it("gives the ops' factors bit for bit", () => {
    const random = rng(9);
    const input = tf.tensor([0, 1, 2].map(() => spd(random, 7)));
    const host = hostPrecisionCholesky(input);
    const ops = getCovarianceType('full').precisionCholeskyFromCovariance(input, {caller: 'test'});
    expectClose(host, ops, {atol: 0, rtol: 0});
    tf.dispose([input, host, ops]);
  });

  it('reads the symmetric part, and gives non-finite entries for an indefinite matrix', () => {
    const asymmetric = tf.tensor2d([
      [2, 1.5],
      [0.5, 2],
    ]);
    const symmetric = tf.tensor2d([
      [2, 1],
      [1, 2],
    ]);
    const indefinite = tf.tensor3d([
      [
        [1, 0],
        [0, 1],
      ],
      [
        [1, 2],
        [2, 1],
      ],
    ]);
    const [a, s, bad] = [asymmetric, symmetric, indefinite].map(hostPrecisionCholesky);
    expectClose(a, s, {atol: 0, rtol: 0});
    const values = bad.arraySync() as number[][][];
    expect(values[0].flat().every(Number.isFinite)).to.equal(true);
    expect(values[1].flat().every(Number.isFinite)).to.equal(false);
    tf.dispose([asymmetric, symmetric, indefinite, a, s, bad]);
  });
});
