/**
 * Degenerate data and bad input: duplicate points, a constant feature, a component that loses
 * all its points, N = nComponents and N < nComponents, regCovar = 0, non-finite values.
 */
import {expect} from 'chai';

import {GaussianMixture, SKLEARN_COVARIANCE_TYPES} from '../../src';
import {expectClose, expectNoLeak, expectThrowsWith, flat} from '../helpers/assertions';
import {describeOnBackends} from '../helpers/backends';
import {emFixtures} from '../fixtures/em';

function allFinite(gm: GaussianMixture): boolean {
  return (
    [gm.weights, gm.means, gm.covariances, gm.precisionsCholesky].every((t) => flat(t).every(Number.isFinite)) &&
    Number.isFinite(gm.lowerBound)
  );
}

/** Variances of component k (the diagonal of its covariance) for any covariance type. */
function variancesOf(gm: GaussianMixture, k: number): number[] {
  const D = gm.nFeatures;
  const c = gm.covariances.arraySync();
  if (gm.covarianceType === 'full') return (c as number[][][])[k].map((row, i) => row[i]);
  if (gm.covarianceType === 'tied') return (c as number[][]).map((row, i) => row[i]);
  if (gm.covarianceType === 'diag') return (c as number[][])[k];
  return new Array(D).fill((c as number[])[k]);
}

describeOnBackends('degenerate data', () => {
  const duplicates = emFixtures.datasets.duplicates; // 40 copies of one point, 120 from N(0, I)
  const constant = emFixtures.datasets.constant; // feature 2 is 3.7 for every row

  for (const type of SKLEARN_COVARIANCE_TYPES.filter((t) => t !== 'tied')) {
    it(`${type}: a component collapsed onto duplicate points keeps covariance regCovar * I (positive definite)`, async () => {
      await expectNoLeak(() => {
        const gm = new GaussianMixture({nComponents: 2, covarianceType: type, regCovar: 1e-4, seed: 1}).fit(duplicates);
        expect(allFinite(gm)).to.equal(true);
        const weights = Array.from(gm.weights.dataSync());
        const k = weights.findIndex((w) => Math.abs(w - 0.25) < 1e-6);
        expect(k, `weights ${weights}`).to.be.at.least(0);
        // The copies are exactly equal, so their scatter is 0 in exact arithmetic (and in our
        // exact path); the covariance is regCovar up to the float32 rounding of the scaling.
        expectClose(variancesOf(gm, k), [1e-4, 1e-4, 1e-4], {rtol: 1e-5, atol: 0, label: 'collapsed variances'});
        expectClose(gm.means.arraySync()[k], duplicates[0], {rtol: 1e-6, atol: 1e-6, label: 'collapsed mean'});
        gm.dispose();
      });
    });
  }

  it('tied: duplicate points share the covariance without breaking it', async () => {
    await expectNoLeak(() => {
      const gm = new GaussianMixture({nComponents: 2, covarianceType: 'tied', seed: 1}).fit(duplicates);
      expect(allFinite(gm)).to.equal(true);
      gm.dispose();
    });
  });

  for (const type of SKLEARN_COVARIANCE_TYPES) {
    it(`${type}: a constant feature gets variance regCovar and its exact value as the mean`, async () => {
      await expectNoLeak(() => {
        const gm = new GaussianMixture({nComponents: 2, covarianceType: type, seed: 0}).fit(constant);
        expect(allFinite(gm)).to.equal(true);
        for (let k = 0; k < 2; k++) {
          expectClose([gm.means.arraySync()[k][2]], [constant[0][2]], {
            rtol: 1e-6,
            atol: 0,
            label: 'mean of the constant feature',
          });
          // Spherical averages the variance over features; the others see regCovar alone.
          if (type !== 'spherical')
            expectClose([variancesOf(gm, k)[2]], [1e-6], {
              rtol: 1e-4,
              atol: 0,
              label: 'variance of the constant feature',
            });
        }
        gm.dispose();
      });
    });
  }

  for (const type of SKLEARN_COVARIANCE_TYPES) {
    it(`${type}: a component that loses all its points gets weight ~0, covariance regCovar * I and no NaN`, async () => {
      const x = emFixtures.datasets.blobs;
      await expectNoLeak(() => {
        const far = x[0].map((v) => v + 1e4);
        const gm = new GaussianMixture({
          nComponents: 4,
          covarianceType: type,
          maxIter: 5,
          onWarning: () => {},
          meansInit: [x[0], x[200], x[400], far],
        }).fit(x);
        expect(allFinite(gm)).to.equal(true);
        expect(gm.weights.dataSync()[3]).to.be.below(1e-10);
        if (type !== 'tied')
          expectClose(variancesOf(gm, 3), [1e-6, 1e-6, 1e-6], {
            rtol: 1e-3,
            atol: 0,
            label: 'empty component variances',
          });
        gm.dispose();
      });
    });
  }

  it('N = nComponents: every component sits on one point with covariance regCovar * I', async () => {
    const x = [
      [0, 0],
      [1, 2],
      [5, -1],
    ];
    await expectNoLeak(() => {
      const gm = new GaussianMixture({nComponents: 3, covarianceType: 'full', maxIter: 3, onWarning: () => {}}).fit(x);
      expect(allFinite(gm)).to.equal(true);
      expectClose(gm.weights, [1 / 3, 1 / 3, 1 / 3], {rtol: 0, atol: 1e-6});
      const means = gm.means
        .arraySync()
        .slice()
        .sort((a, b) => a[0] - b[0]);
      expectClose(means, x, {rtol: 0, atol: 1e-5, label: 'means'});
      expectClose(
        gm.covariances,
        [0, 1, 2].map(() => [
          [1e-6, 0],
          [0, 1e-6],
        ]),
        {rtol: 1e-3, atol: 1e-12, label: 'covariances'},
      );
      gm.dispose();
    });
  });

  it('N < nComponents fails with a message naming both', () => {
    expectThrowsWith(
      () =>
        new GaussianMixture({nComponents: 5}).fit([
          [0, 0],
          [1, 1],
          [2, 2],
        ]),
      'GaussianMixture.fit: X must have at least nComponents = 5 samples, but got 3 (shape [3, 2])',
    );
    expectThrowsWith(
      () => new GaussianMixture({nComponents: 3}).fit([[0], [1], [2], [3]], {sampleWeight: [1, 0, 0, 1]}),
      'GaussianMixture.fit: sampleWeight must have at least nComponents = 3 positive entries, but got 2',
    );
  });

  it('regCovar = 0 with singleton components fails with a clear message', async () => {
    await expectNoLeak(() => {
      expectThrowsWith(
        () =>
          new GaussianMixture({nComponents: 3, regCovar: 0, maxIter: 2}).fit([
            [0, 0],
            [1, 2],
            [5, -1],
          ]),
        'GaussianMixture.fit: regCovar must keep every covariance positive definite, but the covariance of component',
        'is not (ill-defined empirical covariance',
        'increase regCovar (now 0)',
      );
      expectThrowsWith(
        () => new GaussianMixture({nComponents: 2, covarianceType: 'tied', regCovar: 0, maxIter: 2}).fit(constant),
        'the shared covariance is not',
      );
    });
  });

  it('NaN or Infinity in X fails with a message naming the first bad row', () => {
    const gm = new GaussianMixture({nComponents: 1});
    expectThrowsWith(
      () =>
        gm.fit([
          [0, 1],
          [2, 3],
          [NaN, 1],
          [Infinity, 0],
        ]),
      'GaussianMixture.fit: X must contain only finite values, but row 2 is [NaN, 1]',
    );
    expectThrowsWith(
      () =>
        gm.fit([
          [0, 1],
          [2, -Infinity],
        ]),
      'but row 1 is [2, -Infinity]',
    );
    gm.fit([
      [0, 1],
      [2, 3],
    ]);
    expectThrowsWith(
      () =>
        gm.predict([
          [0, 1],
          [1, NaN],
        ]),
      'GaussianMixture.predict: X must contain only finite values, but row 1 is [1, NaN]',
    );
    expectThrowsWith(
      () => gm.scoreSamples([[Infinity, 1]]),
      'GaussianMixture.scoreSamples: X must contain only finite values, but row 0 is [Infinity, 1]',
    );
    gm.dispose();
  });
});
