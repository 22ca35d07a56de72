/**
 * GaussianMixture behaviour: scikit-learn's semantics for sample weights, nInit, warm starts,
 * convergence and its reporting, onIteration, fitPredict, sample, JSON round trips, and no tensor
 * leaks across a full fit; emStep / emFit as pure functions.
 */
import * as tf from '@tensorflow/tfjs-core';
import {execFileSync} from 'child_process';
import {expect} from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import {EM_COVARIANCE_TYPES, GaussianMixture, SKLEARN_COVARIANCE_TYPES, IterationInfo, emFit, emStep} from '../../src';
import {expectClose, expectNoLeak, flat} from '../helpers/assertions';
import {describeOnBackends} from '../helpers/backends';
import {emFixtures} from '../fixtures/em';
import {collectWarnings, disposeParameters, expectCloseToScale} from './helpers';

const iris = emFixtures.datasets.iris;
const blobs = emFixtures.datasets.blobs;

/** A fixed start for iris (three rows as means), so that two fits run the same iterations. */
const irisStart = {nComponents: 3, weightsInit: [0.25, 0.375, 0.375], meansInit: [iris[0], iris[60], iris[120]]};

/** The D x D identity as nested arrays. */
function unit(D: number): number[][] {
  return Array.from({length: D}, (_, i) => Array.from({length: D}, (__, j) => (i === j ? 1 : 0)));
}

function parameters(gm: GaussianMixture) {
  return {weights: flat(gm.weights), means: flat(gm.means), covariances: flat(gm.covariances)};
}

describeOnBackends('GaussianMixture estimator', () => {
  for (const covarianceType of EM_COVARIANCE_TYPES) {
    it(`${covarianceType}: integer sample weights fit like duplicated rows`, async () => {
      await expectNoLeak(() => {
        const weights = iris.map((_, n) => 1 + (n % 3));
        const duplicated = iris.flatMap((row, n) => Array.from({length: weights[n]}, () => row));
        // A complete start (weights, means and precisions): k-means would draw different seeds
        // from 150 weighted rows than from 300 duplicated ones.
        const precisionsInit = {
          full: [0, 1, 2].map(() => unit(4)),
          tied: unit(4),
          diag: [0, 1, 2].map(() => [1, 1, 1, 1]),
          spherical: [1, 1, 1],
          shared_isotropic: 1,
        }[covarianceType];
        const options = {...irisStart, covarianceType, precisionsInit, maxIter: 15, tol: 0, onWarning: () => {}};
        const a = new GaussianMixture(options).fit(iris, {sampleWeight: weights});
        const b = new GaussianMixture(options).fit(duplicated);
        // The same weighted sums, accumulated differently (w * r vs repeated rows): float32 noise,
        // relative to each array's scale (observed <= 1e-5, as in the chunking tests).
        const pa = parameters(a);
        const pb = parameters(b);
        expectClose(pa.weights, pb.weights, {rtol: 0, atol: 1e-5, label: 'weights'});
        expectCloseToScale(pa.means, pb.means, 5e-5, 'means');
        expectCloseToScale(pa.covariances, pb.covariances, 5e-5, 'covariances');
        expectClose(a.lowerBounds, b.lowerBounds, {
          rtol: 1e-5,
          atol: 1e-6,
          label: 'lower bounds (weighted mean log-likelihood)',
        });
        // score with the same weights is the lower bound's quantity.
        expectClose([a.score(iris, {sampleWeight: weights})], [b.score(duplicated)], {
          rtol: 1e-6,
          atol: 1e-6,
          label: 'weighted score',
        });
        a.dispose();
        b.dispose();
      });
    });
  }

  it('warm start continues where the last fit stopped (scikit-learn warm_start)', async () => {
    await expectNoLeak(() => {
      const common = {...irisStart, covarianceType: 'full' as const, tol: 0, onWarning: () => {}};
      const once = new GaussianMixture({...common, maxIter: 10}).fit(iris);
      const warm = new GaussianMixture({...common, maxIter: 4, warmStart: true}).fit(iris);
      const firstBounds = warm.lowerBounds;
      // Second call: starts from the fitted parameters, ignores the initialisation options.
      const changes: number[] = [];
      warm.onIteration = (info) => changes.push(info.change);
      const warm2 = GaussianMixture.fromJSON(
        {...warm.toJSON(), options: {...warm.toJSON().options, maxIter: 6}},
        {onWarning: () => {}},
      );
      warm2.fit(iris);
      expect(warm2.nIter).to.equal(6);
      // The continuation equals the uninterrupted run (up to the float32 round trip of the
      // parameters through the data space).
      expectClose(parameters(warm2).means, parameters(once).means, {rtol: 1e-4, atol: 1e-5, label: 'means'});
      expectClose([...firstBounds, ...warm2.lowerBounds], once.lowerBounds, {
        rtol: 1e-5,
        atol: 1e-6,
        label: 'lower bounds',
      });
      // The first change of the continuation is measured from the previous fit's lower bound.
      warm.fit(iris);
      expectClose([changes[0]], [warm.lowerBounds[0] - firstBounds[3]], {rtol: 1e-9, atol: 1e-12});
      [once, warm, warm2].forEach((g) => g.dispose());
    });
  });

  it('nInit keeps the initialisation with the largest lower bound', async () => {
    await expectNoLeak(() => {
      const bounds: number[][] = [];
      const gm = new GaussianMixture({
        nComponents: 4,
        nInit: 4,
        seed: 2,
        initParams: 'random',
        onIteration: (i) => {
          if (i.iteration === 1) bounds.push([]);
          bounds[i.init].push(i.lowerBound);
        },
      }).fit(iris);
      const finals = bounds.map((b) => b[b.length - 1]);
      expect(bounds).to.have.length(4);
      expect(gm.lowerBound).to.equal(Math.max(...finals));
      expect(new Set(finals).size, 'restarts differ').to.be.greaterThan(1);
      // The first restart is the single-initialisation fit with the same seed.
      const single = new GaussianMixture({nComponents: 4, nInit: 1, seed: 2, initParams: 'random'}).fit(iris);
      expect(single.lowerBound).to.equal(finals[0]);
      gm.dispose();
      single.dispose();
    });
  });

  it('converges: |change| < tol stops, converged is true, lower bounds never decrease, no warning', async () => {
    const warnings = collectWarnings();
    const infos: IterationInfo[] = [];
    await expectNoLeak(() => {
      const gm = new GaussianMixture({
        nComponents: 3,
        covarianceType: 'full',
        seed: 0,
        onWarning: warnings.onWarning,
        onIteration: (i) => infos.push(i),
      }).fit(blobs);
      expect(gm.converged).to.equal(true);
      expect(gm.nIter).to.equal(infos.length);
      expect(gm.nIter).to.be.below(100);
      const bounds = gm.lowerBounds;
      expect(infos.map((i) => i.iteration)).to.deep.equal(bounds.map((_, i) => i + 1));
      expect(infos.map((i) => i.lowerBound)).to.deep.equal(bounds);
      expect(infos[0].change).to.equal(Infinity);
      infos.slice(1).forEach((info, i) => expect(info.change).to.equal(bounds[i + 1] - bounds[i]));
      expect(Math.abs(infos[infos.length - 1].change)).to.be.below(1e-3);
      // EM never decreases the likelihood (float32 noise aside).
      bounds.slice(1).forEach((b, i) => expect(b).to.be.at.least(bounds[i] - 1e-6));
      expect(gm.lowerBound).to.equal(bounds[bounds.length - 1]);
      gm.dispose();
    });
    expect(warnings.messages).to.deep.equal([]);
  });

  it('not converging within maxIter is reported: converged false and a warning', () => {
    const warnings = collectWarnings();
    const gm = new GaussianMixture({
      nComponents: 3,
      maxIter: 2,
      seed: 0,
      initParams: 'random',
      onWarning: warnings.onWarning,
    }).fit(iris);
    expect(gm.converged).to.equal(false);
    expect(gm.nIter).to.equal(2);
    expect(warnings.messages).to.have.length(1);
    expect(warnings.messages[0]).to.match(
      /^GaussianMixture\.fit: the best of 1 initialisation\(s\) did not converge within maxIter = 2 iterations \(last change of the lower bound .*, tol = 0\.001\)/,
    );
    gm.dispose();
    // maxIter = 0 is an initialisation only: no warning (as scikit-learn).
    const init = new GaussianMixture({nComponents: 3, maxIter: 0, onWarning: warnings.onWarning}).fit(iris);
    expect(warnings.messages).to.have.length(1);
    expect([init.nIter, init.converged, init.lowerBound]).to.deep.equal([0, false, -Infinity]);
    init.dispose();
  });

  it('fitPredict equals fit then predict, and predictProba rows sum to one', async () => {
    await expectNoLeak(() => {
      const gm = new GaussianMixture({nComponents: 3, seed: 0});
      const labels = gm.fitPredict(iris);
      const again = gm.predict(iris);
      expect(Array.from(labels.dataSync())).to.deep.equal(Array.from(again.dataSync()));
      const proba = gm.predictProba(iris);
      tf.tidy(() => {
        expectClose(tf.sum(proba, 1), new Array(iris.length).fill(1), {rtol: 0, atol: 1e-6});
        expect(Array.from(tf.argMax(proba, 1).dataSync())).to.deep.equal(Array.from(labels.dataSync()));
      });
      tf.dispose([labels, again, proba]);
      gm.dispose();
    });
  });

  // The models come from scikit-learn's fixtures.
  for (const covarianceType of SKLEARN_COVARIANCE_TYPES) {
    it(`${covarianceType}: sample(n) draws from the mixture, grouped by component, reproducibly`, async () => {
      await expectNoLeak(() => {
        const gm = GaussianMixture.fromSklearnJSON(
          emFixtures.scoring.find((s) => s.dataset === 'blobs' && s.covarianceType === covarianceType)!.model,
          {seed: 7},
        );
        const n = 20000;
        const {samples, labels} = gm.sample(n);
        expect(samples.shape).to.deep.equal([n, 3]);
        expect(labels.dtype).to.equal('int32');
        const l = Array.from(labels.dataSync());
        expect(
          l.slice(1).every((v, i) => v >= l[i]),
          'grouped by component',
        ).to.equal(true);
        const weights = flat(gm.weights);
        const x = samples.arraySync();
        for (let k = 0; k < 3; k++) {
          const rows = x.filter((_, i) => l[i] === k);
          // Counts are multinomial: within 5 standard deviations of n w_k.
          expect(Math.abs(rows.length - n * weights[k])).to.be.below(5 * Math.sqrt(n * weights[k] * (1 - weights[k])));
          // Sample mean and variances within 5 standard errors of the component's.
          const mean = [0, 1, 2].map((j) => rows.reduce((t, r) => t + r[j], 0) / rows.length);
          const variances = [0, 1, 2].map((j) => rows.reduce((t, r) => t + (r[j] - mean[j]) ** 2, 0) / rows.length);
          const mu = gm.means.arraySync()[k];
          const c = gm.covariances.arraySync();
          const sigma2 = [0, 1, 2].map((j) =>
            covarianceType === 'full'
              ? (c as number[][][])[k][j][j]
              : covarianceType === 'tied'
                ? (c as number[][])[j][j]
                : covarianceType === 'diag'
                  ? (c as number[][])[k][j]
                  : (c as number[])[k],
          );
          for (let j = 0; j < 3; j++) {
            expect(Math.abs(mean[j] - mu[j])).to.be.below(5 * Math.sqrt(sigma2[j] / rows.length));
            expect(Math.abs(variances[j] - sigma2[j])).to.be.below(5 * sigma2[j] * Math.sqrt(2 / rows.length));
          }
        }
        // Same seed, same samples; another seed, other samples.
        const again = gm.sample(n);
        expect(flat(again.samples).slice(0, 30)).to.deep.equal(flat(samples).slice(0, 30));
        const other = gm.sample(n, {seed: 8});
        expect(flat(other.samples).slice(0, 30)).to.not.deep.equal(flat(samples).slice(0, 30));
        tf.dispose([samples, labels, again.samples, again.labels, other.samples, other.labels]);
        gm.dispose();
      });
    });
  }

  it('toJSON / fromJSON round-trip the options and the fitted model', async () => {
    await expectNoLeak(() => {
      const gm = new GaussianMixture({nComponents: 3, covarianceType: 'diag', seed: 4, tol: 1e-4, batchSize: 64}).fit(
        iris,
      );
      const json = JSON.parse(JSON.stringify(gm.toJSON()));
      const copy = GaussianMixture.fromJSON(json);
      expect(copy.toJSON()).to.deep.equal(gm.toJSON());
      expect([copy.converged, copy.nIter, copy.lowerBound, copy.nFeatures]).to.deep.equal([
        gm.converged,
        gm.nIter,
        gm.lowerBound,
        4,
      ]);
      const a = gm.scoreSamples(iris);
      const b = copy.scoreSamples(iris);
      expectClose(b, a, {rtol: 0, atol: 0});
      // An unfitted estimator round-trips its options.
      const fresh = GaussianMixture.fromJSON(new GaussianMixture({nComponents: 2, initParams: 'random'}).toJSON());
      expect([fresh.isFitted, fresh.nComponents, fresh.initParams]).to.deep.equal([false, 2, 'random']);
      tf.dispose([a, b]);
      gm.dispose();
      copy.dispose();
    });
  });

  it('a model exported with toSklearnJSON scores the same in scikit-learn (when python3 with scikit-learn is available)', function () {
    let python = true;
    try {
      execFileSync('python3', ['-c', 'import sklearn'], {stdio: 'ignore'});
    } catch {
      python = false;
    }
    if (!python) this.skip();
    const gm = new GaussianMixture({nComponents: 3, covarianceType: 'full', seed: 0}).fit(iris);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-gmm-sk-'));
    try {
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(gm.toSklearnJSON()));
      fs.writeFileSync(path.join(dir, 'x.json'), JSON.stringify(iris));
      const script = [
        'import json, sys, numpy as np',
        'from sklearn.mixture import GaussianMixture',
        'd = json.load(open(sys.argv[1])); x = np.array(json.load(open(sys.argv[2])))',
        'gm = GaussianMixture(n_components=len(d["weights_"]), covariance_type=d["covariance_type"])',
        'for k in ("weights_", "means_", "covariances_", "precisions_cholesky_", "precisions_"): setattr(gm, k, np.asarray(d[k]))',
        'print(json.dumps(gm.score_samples(x).tolist()))',
      ].join('\n');
      const out = execFileSync('python3', ['-c', script, path.join(dir, 'model.json'), path.join(dir, 'x.json')], {
        encoding: 'utf8',
      });
      const ours = gm.scoreSamples(iris);
      expectClose(ours, JSON.parse(out), {rtol: 2e-6, atol: 2e-5, label: 'score_samples in scikit-learn'});
      ours.dispose();
    } finally {
      fs.rmSync(dir, {recursive: true, force: true});
      gm.dispose();
    }
  });

  it('a full fit with every method leaves no tensor behind once the model is disposed', async () => {
    await expectNoLeak(() => {
      for (const covarianceType of EM_COVARIANCE_TYPES) {
        const gm = new GaussianMixture({nComponents: 3, covarianceType, nInit: 2, seed: 1, batchSize: 50}).fit(iris);
        gm.fit(iris); // refitting replaces (and disposes) the previous parameters
        const results = [gm.predict(iris), gm.predictProba(iris), gm.scoreSamples(iris)];
        const {samples, labels} = gm.sample(10);
        gm.score(iris);
        gm.bic(iris);
        gm.aic(iris);
        gm.toJSON();
        if ((SKLEARN_COVARIANCE_TYPES as readonly string[]).includes(covarianceType)) gm.toSklearnJSON();
        tf.dispose([...results, samples, labels]);
        gm.dispose();
      }
    });
  });

  it("emStep leaves its inputs untouched and equals the estimator's first iteration; emFit equals fit", async () => {
    await expectNoLeak(() => {
      const weights = tf.tensor1d([0.25, 0.375, 0.375]);
      const means = tf.tensor2d(irisStart.meansInit);
      const covariances = tf.tensor1d([1, 1, 1]);
      const before = [flat(weights), flat(means), flat(covariances)];
      const step = emStep(iris, {covarianceType: 'spherical', weights, means, covariances});
      expect([flat(weights), flat(means), flat(covariances)]).to.deep.equal(before);
      const gm = new GaussianMixture({
        ...irisStart,
        covarianceType: 'spherical',
        precisionsInit: [1, 1, 1],
        maxIter: 1,
        onWarning: () => {},
      }).fit(iris);
      expectClose(step.means, gm.means, {rtol: 0, atol: 0});
      expectClose(step.covariances, gm.covariances, {rtol: 0, atol: 0});
      expect(step.logLikelihood).to.equal(gm.lowerBound);
      const fitted = emFit(iris, {covarianceType: 'spherical', weights, means, covariances}, {maxIter: 20});
      const gm20 = new GaussianMixture({
        ...irisStart,
        covarianceType: 'spherical',
        precisionsInit: [1, 1, 1],
        maxIter: 20,
      }).fit(iris);
      expectClose(fitted.parameters.means, gm20.means, {rtol: 0, atol: 0});
      expect([fitted.nIter, fitted.converged, fitted.lowerBound]).to.deep.equal([
        gm20.nIter,
        gm20.converged,
        gm20.lowerBound,
      ]);
      disposeParameters(step);
      disposeParameters(fitted.parameters);
      tf.dispose([weights, means, covariances]);
      gm.dispose();
      gm20.dispose();
    });
  });
});
