/**
 * Float64 data: arrays of rows (nested numbers or Float64Array rows) are centred and scaled in
 * float64 before any float32 rounding, so that data far from the origin fit as scikit-learn
 * fits them in float64 (test/fixtures/generate_em_offset.py); float32 tensors that are too coarse
 * at their offset draw one warning.
 */
import * as fs from 'fs';
import * as path from 'path';

import * as tf from '@tensorflow/tfjs-core';
import {expect} from 'chai';

import {CovarianceTypeName, GaussianMixture} from '../../src';
import {expectClose, expectNoLeak, expectThrowsWith} from '../helpers/assertions';
import {describeOnBackends} from '../helpers/backends';

interface OffsetCase {
  covarianceType: CovarianceTypeName;
  precisionsInit: number[];
  lowerBound: number;
  means: number[][];
}

const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/em_offset.json'), 'utf8')) as {
  X: number[][];
  weightsInit: number[];
  meansInit: number[][];
  cases: OffsetCase[];
};

/**
 * Relative tolerance of the lower bound: the fit runs in float32 on data centred and scaled in
 * float64, which costs a few float32 ulps per iteration (the goal is 1e-4).
 */
const LOWER_BOUND_RTOL = 1e-4;

describeOnBackends('GaussianMixture on float64 data far from the origin', () => {
  for (const c of fixture.cases)
    it(`${c.covarianceType}: nested arrays and Float64Array rows at offset 1e6 match scikit-learn (float64)`, async () => {
      const rows = [fixture.X, fixture.X.map((r) => Float64Array.from(r))];
      for (const X of rows) {
        const warnings: string[] = [];
        await expectNoLeak(() => {
          const gm = new GaussianMixture({
            nComponents: 2,
            covarianceType: c.covarianceType,
            weightsInit: fixture.weightsInit,
            meansInit: fixture.meansInit,
            precisionsInit: c.precisionsInit,
            maxIter: 10,
            tol: 0,
            onWarning: (m) => warnings.push(m),
          }).fit(X as number[][]);
          expectClose([gm.lowerBound], [c.lowerBound], {rtol: LOWER_BOUND_RTOL, atol: 0, label: 'lowerBound'});
          // The fitted means are stored in float32: at 1e6 they are good to its spacing (0.0625).
          expectClose(gm.means, c.means, {rtol: 0, atol: 0.0625, label: 'means'});
          gm.dispose();
        });
        expect(
          warnings.filter((m) => m.includes('float32 values are')),
          'no resolution warning for float64 input',
        ).to.deep.equal([]);
      }
    });

  it('warns once when a float32 tensor is too coarse at its offset, and not for the same data centred', () => {
    const warnings: string[] = [];
    const fit = (X: tf.Tensor2D) =>
      new GaussianMixture({nComponents: 2, maxIter: 2, onWarning: (m) => warnings.push(m)}).fit(X).dispose();
    tf.tidy(() => fit(tf.tensor2d(fixture.X)));
    const resolution = warnings.filter((m) => m.includes('float32 values are'));
    expect(resolution).to.have.length(1);
    expect(resolution[0]).to.contain('GaussianMixture.fit: X is float32 and feature 0 has spread');
    expect(resolution[0]).to.contain('float32 values are 0.0625 apart');
    warnings.length = 0;
    tf.tidy(() => fit(tf.sub(tf.tensor2d(fixture.X), 1e6) as tf.Tensor2D));
    expect(warnings.filter((m) => m.includes('float32 values are'))).to.deep.equal([]);
  });

  it('rejects a flat Float64Array with a message saying what to pass', () => {
    expectThrowsWith(
      () => new GaussianMixture({nComponents: 1}).fit(new Float64Array([1, 2, 3, 4]) as unknown as number[][]),
      'GaussianMixture.fit: X must be an [N, D] matrix',
      'an array of rows (each a number array or a Float64Array/Float32Array)',
      'but got a flat Float64Array of length 4',
    );
  });

  it('scoreSamples reads Float64Array rows in float64 and centres them before rounding', () => {
    // A unit Gaussian at 1e6 + 0.3: float32 rows would round 1e6 + 0.3 + 0.01 to a multiple of 0.0625.
    const gm = GaussianMixture.fromParameters(
      {weights: [1], means: [[1e6 + 0.3125]], covariances: [[1]]},
      {covarianceType: 'diag'},
    );
    const x = [1e6 + 0.3125 + 0.01, 1e6 + 0.3125 + 2.5];
    const expected = x.map((v) => -0.5 * Math.log(2 * Math.PI) - 0.5 * (v - (1e6 + 0.3125)) ** 2);
    expectClose(gm.scoreSamples(x.map((v) => Float64Array.from([v])) as unknown as number[][]), expected, {
      // float32 of the centred differences: a few ulps of |log p| ~ 4.
      rtol: 1e-6,
      atol: 1e-6,
    });
    gm.dispose();
  });
});
