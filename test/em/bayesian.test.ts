/**
 * BayesianGaussianMixture's API: scikit-learn's initialisation and iteration rules, callbacks,
 * JSON and scikit-learn JSON round trips, ownership, leaks, warm starts, and bad input.
 */
import * as tf from '@tensorflow/tfjs-core';
import {expect} from 'chai';

import {BayesianGaussianMixture, kmeans} from '../../src';
import {expectClose, expectNoLeak, expectThrowsWith} from '../helpers/assertions';
import {describeOnBackends} from '../helpers/backends';
import {bgmFixtures} from '../fixtures/bgm';

const X = bgmFixtures.x; // 300 rows, 3 blobs in D = 3
const D = 3;
const quiet = {onWarning: () => {}};

describeOnBackends('BayesianGaussianMixture', () => {
  it("initParams 'kmeans' is one-hot k-means labels followed by one variational M-step (maxIter 0 keeps it)", async () => {
    await expectNoLeak(() => {
      const fromInit = new BayesianGaussianMixture({nComponents: 3, maxIter: 0, seed: 4, ...quiet}).fit(X);
      const km = kmeans(X, 3, {seed: 4});
      const oneHot = tf.oneHot(km.labels, 3);
      const fromLabels = new BayesianGaussianMixture({nComponents: 3, maxIter: 0, ...quiet}).fit(X, {
        initialResponsibilities: oneHot,
      });
      expect(fromInit.nIter).to.equal(0);
      expect(fromInit.lowerBound).to.equal(-Infinity);
      // The same responsibilities give the same float32 M-step: equal up to rounding.
      expectClose(fromInit.means, fromLabels.means, {rtol: 1e-6, atol: 1e-6});
      expectClose(fromInit.covariances, fromLabels.covariances, {rtol: 1e-6, atol: 1e-6});
      tf.dispose([km.centers, km.labels, oneHot]);
      fromInit.dispose();
      fromLabels.dispose();
    });
  });

  it('fit returns this; fitPredict equals predict; tol 0 runs exactly maxIter iterations, reported once each', async () => {
    await expectNoLeak(() => {
      const infos: {iteration: number; lowerBound: number; change: number; init: number}[] = [];
      const bgm = new BayesianGaussianMixture({
        nComponents: 4,
        tol: 0,
        maxIter: 7,
        onIteration: (info) => infos.push(info),
        ...quiet,
      });
      const labels = bgm.fitPredict(X);
      expect(bgm.fit(X)).to.equal(bgm);
      const again = bgm.predict(X);
      expect(Array.from(labels.dataSync())).to.deep.equal(Array.from(again.dataSync()));
      expect(bgm.nIter).to.equal(7);
      expect(infos.slice(7).map((i) => i.iteration)).to.deep.equal([1, 2, 3, 4, 5, 6, 7]);
      expect(infos[7].change).to.equal(Infinity);
      expect(infos[13].lowerBound).to.equal(bgm.lowerBound);
      expect(infos[13].change).to.be.closeTo(infos[13].lowerBound - infos[12].lowerBound, 1e-9);
      tf.dispose([labels, again]);
      bgm.dispose();
    });
  });

  it('chunking (batchSize) bounds memory, not the result', async () => {
    await expectNoLeak(() => {
      const fit = (batchSize: number | null) =>
        new BayesianGaussianMixture({nComponents: 4, maxIter: 10, tol: 0, batchSize, ...quiet}).fit(X, {
          initialResponsibilities: bgmFixtures.resp,
        });
      const [whole, chunked] = [fit(null), fit(37)];
      // Sums over 9 chunks instead of 1 round differently: float32 accuracy after 10 iterations.
      expectClose(chunked.means, whole.means, {rtol: 1e-4, atol: 1e-4});
      expectClose(chunked.covariances, whole.covariances, {rtol: 1e-4, atol: 1e-4});
      expect(chunked.lowerBound).to.be.closeTo(whole.lowerBound, 1e-5 * Math.abs(whole.lowerBound));
      whole.dispose();
      chunked.dispose();
    });
  });

  it('warns when it does not converge, with the last change', () => {
    const messages: string[] = [];
    const bgm = new BayesianGaussianMixture({nComponents: 4, maxIter: 2, onWarning: (m) => messages.push(m)}).fit(X);
    expect(bgm.converged).to.equal(false);
    expect(messages).to.have.length(1);
    expect(messages[0]).to.contain('BayesianGaussianMixture.fit').and.contain('maxIter = 2');
    bgm.dispose();
  });

  it('nInit keeps the initialisation with the largest lower bound', () => {
    const last: number[] = [];
    const best = new BayesianGaussianMixture({
      nComponents: 4,
      initParams: 'random',
      nInit: 3,
      onIteration: (info) => (last[info.init] = info.lowerBound),
      ...quiet,
    }).fit(X);
    expect(last).to.have.length(3);
    expect(new Set(last).size, 'the restarts differ').to.equal(3);
    expect(best.lowerBound).to.equal(Math.max(...last));
    best.dispose();
  });

  it("every initParams runs ('k-means++', 'random', 'random_from_data')", () => {
    for (const initParams of ['k-means++', 'random', 'random_from_data'] as const) {
      const bgm = new BayesianGaussianMixture({nComponents: 3, initParams, maxIter: 300, ...quiet}).fit(X);
      expect(Number.isFinite(bgm.lowerBound), initParams).to.equal(true);
      bgm.dispose();
    }
  });

  it('a warm start continues from the fitted posterior', () => {
    const cold = new BayesianGaussianMixture({nComponents: 4, maxIter: 5, tol: 0, ...quiet}).fit(X);
    const warm = new BayesianGaussianMixture({nComponents: 4, maxIter: 5, tol: 0, warmStart: true, ...quiet});
    warm.fit(X);
    const first = warm.lowerBound;
    expect(first).to.be.closeTo(cold.lowerBound, 1e-9 * Math.abs(first));
    warm.fit(X);
    const ten = new BayesianGaussianMixture({nComponents: 4, maxIter: 10, tol: 0, ...quiet}).fit(X);
    // Five more iterations from the fitted state are iterations 6-10 of a fresh fit.
    expect(warm.lowerBound).to.be.closeTo(ten.lowerBound, 1e-5 * Math.abs(ten.lowerBound));
    expect(warm.lowerBound).to.be.at.least(first);
    [cold, warm, ten].forEach((m) => m.dispose());
  });

  it('toJSON / fromJSON round-trips options (also unfitted) and the fitted posterior', async () => {
    await expectNoLeak(() => {
      const unfitted = new BayesianGaussianMixture({
        nComponents: 2,
        weightConcentrationPriorType: 'dirichlet_distribution',
      });
      const plain = unfitted.toJSON();
      expect(plain.fitted).to.equal(null);
      expect(plain.options.weightConcentrationPriorType).to.equal('dirichlet_distribution');
      expect(BayesianGaussianMixture.fromJSON(JSON.parse(JSON.stringify(plain))).isFitted).to.equal(false);
      for (const covarianceType of ['full', 'tied', 'diag', 'spherical'] as const) {
        const bgm = new BayesianGaussianMixture({nComponents: 3, covarianceType, ...quiet}).fit(X);
        const copy = BayesianGaussianMixture.fromJSON(JSON.parse(JSON.stringify(bgm.toJSON())));
        const [a, b] = [bgm.scoreSamples(X), copy.scoreSamples(X)];
        expectClose(b, a, {rtol: 0, atol: 0, label: covarianceType});
        expect(copy.lowerBound).to.equal(bgm.lowerBound);
        expect(copy.degreesOfFreedomPrior).to.equal(bgm.degreesOfFreedomPrior);
        tf.dispose([a, b]);
        bgm.dispose();
        copy.dispose();
      }
    });
  });

  it("toSklearnJSON uses scikit-learn's names and shapes; fromSklearnJSON scores the same", async () => {
    await expectNoLeak(() => {
      for (const covarianceType of ['full', 'tied', 'diag', 'spherical'] as const) {
        for (const weightConcentrationPriorType of ['dirichlet_process', 'dirichlet_distribution'] as const) {
          const bgm = new BayesianGaussianMixture({
            nComponents: 3,
            covarianceType,
            weightConcentrationPriorType,
            ...quiet,
          });
          bgm.fit(X);
          const json = JSON.parse(JSON.stringify(bgm.toSklearnJSON()));
          for (const key of [
            'weights_',
            'means_',
            'covariances_',
            'precisions_cholesky_',
            'weight_concentration_',
            'mean_precision_',
            'degrees_of_freedom_',
            'weight_concentration_prior_',
            'mean_precision_prior_',
            'mean_prior_',
            'degrees_of_freedom_prior_',
            'covariance_prior_',
            'lower_bound_',
          ])
            expect(json, key).to.have.property(key);
          expect(typeof json.degrees_of_freedom_ === 'number').to.equal(covarianceType === 'tied');
          expect(Array.isArray(json.weight_concentration_[0])).to.equal(
            weightConcentrationPriorType === 'dirichlet_process',
          );
          const copy = BayesianGaussianMixture.fromSklearnJSON(json);
          const [a, b] = [bgm.predictProba(X), copy.predictProba(X)];
          expectClose(b, a, {rtol: 0, atol: 0, label: `${covarianceType} ${weightConcentrationPriorType}`});
          tf.dispose([a, b]);
          bgm.dispose();
          copy.dispose();
        }
      }
    });
  });

  it('owns its parameters; posterior and prior getters return copies; fit, scoring, sampling leak nothing', async () => {
    await expectNoLeak(() => {
      const bgm = new BayesianGaussianMixture({nComponents: 3, ...quiet}).fit(X);
      const score = bgm.score(X);
      bgm.weights.dispose();
      const concentration = bgm.weightConcentration;
      concentration.dispose();
      const second = bgm.weightConcentration;
      expect(second.isDisposed).to.equal(false);
      second.dispose();
      expect(bgm.score(X)).to.equal(score);
      const {samples, labels} = bgm.sample(50, {seed: 1});
      expect(samples.shape).to.deep.equal([50, D]);
      tf.dispose([samples, labels, bgm.meanPrecision, bgm.degreesOfFreedom, bgm.meanPrior, bgm.covariancePrior]);
      bgm.dispose();
    });
  });

  it('a model fitted inside tf.tidy scores outside it like one fitted outside', () => {
    const outside = new BayesianGaussianMixture({nComponents: 3, ...quiet}).fit(X);
    let inside: BayesianGaussianMixture | null = null;
    tf.tidy(() => {
      inside = new BayesianGaussianMixture({nComponents: 3, ...quiet}).fit(X);
    });
    expect(inside!.score(X)).to.equal(outside.score(X));
    inside!.dispose();
    outside.dispose();
  });

  it('calls before fit say the model is not fitted (sample(0) too)', () => {
    const bgm = new BayesianGaussianMixture({nComponents: 2});
    const notFitted = 'must be fitted first';
    expectThrowsWith(() => bgm.weights, 'BayesianGaussianMixture.weights', notFitted);
    expectThrowsWith(() => bgm.weightConcentration, 'BayesianGaussianMixture.weightConcentration', notFitted);
    expectThrowsWith(() => bgm.lowerBound, notFitted);
    expectThrowsWith(() => bgm.predict(X), 'BayesianGaussianMixture.predict', notFitted);
    expectThrowsWith(() => bgm.scoreSamples(X), notFitted);
    expectThrowsWith(() => bgm.sample(0), 'BayesianGaussianMixture.sample', notFitted);
    expectThrowsWith(() => bgm.toSklearnJSON(), notFitted);
    expectThrowsWith(() => bgm.meanPrior, notFitted);
  });

  it('bad options and bad input: errors name the argument, expected and actual; no leaks', async () => {
    const C = 'BayesianGaussianMixture';
    const make = (o: object) => () => new BayesianGaussianMixture(o as never);
    expectThrowsWith(make({nComponent: 2}), C, 'nComponent');
    expectThrowsWith(
      make({weightConcentrationPriorType: 'dirichlet'}),
      'weightConcentrationPriorType',
      "'dirichlet_process'",
      '"dirichlet"',
    );
    expectThrowsWith(make({weightConcentrationPrior: 0}), 'weightConcentrationPrior', '> 0', 'got 0');
    expectThrowsWith(make({meanPrecisionPrior: -1}), 'meanPrecisionPrior', '> 0', 'got -1');
    expectThrowsWith(
      make({covarianceType: 'spherical', covariancePrior: [1, 2]}),
      'covariancePrior',
      'number > 0',
      "'spherical'",
    );
    expectThrowsWith(make({covarianceType: 'spherical', covariancePrior: -2}), 'covariancePrior', '> 0', 'got -2');
    expectThrowsWith(make({covarianceType: 'shared'}), 'covarianceType', "'full'", '"shared"');
    expectThrowsWith(make({maxIter: -1}), 'maxIter', '>= 0');
    const fit =
      (o: object, x: unknown = X, fitOptions: object = {}) =>
      () =>
        new BayesianGaussianMixture({nComponents: 2, ...quiet, ...o}).fit(x as number[][], fitOptions as never);
    await expectNoLeak(() => {
      expectThrowsWith(
        fit({degreesOfFreedomPrior: 2}),
        `${C}.fit`,
        'degreesOfFreedomPrior must be > D - 1 = 2',
        'got 2',
      );
      expectThrowsWith(fit({meanPrior: [0, 0]}), 'meanPrior must have shape [3]', 'got [2]');
      expectThrowsWith(
        fit({covariancePrior: [1, 2, 3]}),
        'covariancePrior must have shape [3, 3]',
        "'full'",
        'got [3]',
      );
      expectThrowsWith(fit({covarianceType: 'diag', covariancePrior: [1, -2, 3]}), 'covariancePrior', 'positive', '-2');
      expectThrowsWith(
        fit({
          covariancePrior: [
            [1, 0, 0],
            [0, -1, 0],
            [0, 0, 1],
          ],
        }),
        'covariancePrior',
      );
      expectThrowsWith(fit({nComponents: 400}), 'at least nComponents = 400 samples', 'got 300');
      expectThrowsWith(fit({}, [[1, NaN, 0]]), 'X', 'finite');
      expectThrowsWith(fit({}, X, {sampleWeight: [1]}), 'options', 'sampleWeight');
      expectThrowsWith(
        fit({}, X, {initialResponsibilities: [[1, 0]]}),
        'initialResponsibilities must have shape [300, 2]',
        'got [1, 2]',
      );
      const fitted = new BayesianGaussianMixture({nComponents: 2, ...quiet}).fit(X);
      expectThrowsWith(() => fitted.sample(-1), `${C}.sample`, 'n must be an integer >= 0', '-1');
      expectThrowsWith(() => fitted.predict([[1, 2]]), 'X must have shape [N, 3]');
      fitted.dispose();
      expectThrowsWith(
        () => BayesianGaussianMixture.fromJSON({format: 'x'} as never),
        `${C}.fromJSON`,
        "'tfjs-gmm/BayesianGaussianMixture'",
      );
      const sk = (() => {
        const m = new BayesianGaussianMixture({nComponents: 2, ...quiet}).fit(X);
        const j = m.toSklearnJSON();
        m.dispose();
        return j;
      })();
      expectThrowsWith(
        () => BayesianGaussianMixture.fromSklearnJSON({...sk, mean_precision_: [1]}),
        `${C}.fromSklearnJSON`,
        'json.mean_precision_ must be an array of 2 finite numbers',
      );
      expectThrowsWith(
        () => BayesianGaussianMixture.fromSklearnJSON({...sk, degrees_of_freedom_prior_: 1}),
        'json.degrees_of_freedom_prior_',
        '> 2',
      );
      expectThrowsWith(
        () => BayesianGaussianMixture.fromSklearnJSON({...sk, weight_concentration_: [1, 2]}),
        'json.weight_concentration_',
        "'dirichlet_process'",
      );
    });
  });
});
