import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {expect} from 'chai';

import {GMMLayer, gmmLogProb, gmmNLLLoss, fitWithoutTargets, mixtureNLL} from '../../src';
import {expectClose, expectNoLeak, expectThrowsWith} from '../helpers/assertions';
import {describeOnBackends} from '../helpers/backends';
import {fill, normal, rng} from '../helpers/random';
import {CovType, F64, RefParams, finiteDifferenceGradient, referenceLogProb} from '../helpers/reference_f64';

/** The types whose covariances the layer learns ('constant' has its own tests below). */
const TYPES: CovType[] = ['full', 'tied', 'diag', 'spherical', 'shared_isotropic'];

/** A layer applied once to [batch, D] so that its weights exist. */
function builtLayer(args: ConstructorParameters<typeof GMMLayer>[0], D: number): GMMLayer {
  const layer = new GMMLayer(args);
  tf.dispose(layer.apply(tf.zeros([1, D])) as tf.Tensor);
  return layer;
}

/** Generated mixture: true means, weights and samples (float32-rounded). */
function generatedMixture(seed: number, N: number) {
  const random = rng(seed);
  const means = [
    [-4, -2],
    [3, -3],
    [0, 4],
  ];
  const weights = [0.25, 0.35, 0.4];
  const scales = [
    [0.9, 0.5],
    [0.6, 1.0],
    [1.0, 0.7],
  ];
  const x: number[][] = [];
  for (let n = 0; n < N; n++) {
    const u = random();
    const k = u < weights[0] ? 0 : u < weights[0] + weights[1] ? 1 : 2;
    x.push([means[k][0] + scales[k][0] * normal(random), means[k][1] + scales[k][1] * normal(random)]);
  }
  return {means, weights, x};
}

/** Starting mixture for gradient descent: means on a small circle around the data mean. */
function circleStart(x: number[][], type: CovType) {
  const c = [0, 1].map((j) => x.reduce((s, r) => s + r[j], 0) / x.length);
  const means = [
    [c[0] + 1, c[1]],
    [c[0] - 0.5, c[1] + 0.87],
    [c[0] - 0.5, c[1] - 0.87],
  ];
  const covariances = {
    full: [0, 1, 2].map(() => [
      [4, 0],
      [0, 4],
    ]),
    tied: [
      [4, 0],
      [0, 4],
    ],
    diag: [
      [4, 4],
      [4, 4],
      [4, 4],
    ],
    spherical: [4, 4, 4],
    shared_isotropic: 4,
    constant: 4,
  }[type];
  return {weights: [1 / 3, 1 / 3, 1 / 3], means, covariances};
}

describeOnBackends('GMMLayer', () => {
  describe('configuration', () => {
    it('getConfig / fromConfig round-trips every option, for every covariance type', () => {
      for (const type of TYPES) {
        const layer = new GMMLayer({
          nComponents: 4,
          covarianceType: type,
          minVariance: 0.02,
          name: `gmm_${type}`,
          trainable: false,
          logitsInitializer: 'ones',
          meansInitializer: tfl.initializers.randomUniform({minval: -2, maxval: 2, seed: 3}),
          rawVariancesInitializer: tfl.initializers.constant({value: 0.3}),
          precisionOffDiagonalInitializer: 'zeros',
          meansRegularizer: tfl.regularizers.l2({l2: 0.01}),
          logitsRegularizer: 'l1l2',
        });
        const config = layer.getConfig();
        const copy = tf.serialization.SerializationMap.getMap().classNameMap['GMMLayer'][1](
          GMMLayer,
          config,
        ) as GMMLayer;
        expect(copy.getConfig()).to.deep.equal(config);
        expect(config).to.include({
          nComponents: 4,
          covarianceType: type,
          minVariance: 0.02,
          name: `gmm_${type}`,
          trainable: false,
        });
        expect(config.meansInitializer).to.deep.include({className: 'RandomUniform'});
        expect(config.meansRegularizer).to.deep.equal({className: 'L1L2', config: {l1: 0, l2: 0.01}});
      }
    });

    it('computes its output shape and declares unconstrained weights of the documented shapes', () => {
      const expected: Record<CovType, number[][]> = {
        full: [[3], [3, 5], [3, 5], [3, 5, 5]],
        tied: [[3], [3, 5], [5], [5, 5]],
        diag: [[3], [3, 5], [3, 5]],
        spherical: [[3], [3, 5], [3]],
        shared_isotropic: [[3], [3, 5], []],
        constant: [[3], [3, 5]],
      };
      for (const type of TYPES) {
        const layer = builtLayer({nComponents: 3, covarianceType: type}, 5);
        expect(layer.computeOutputShape([null, 5])).to.deep.equal([null, 3]);
        expect(layer.trainableWeights.map((w) => w.shape)).to.deep.equal(expected[type]);
        layer.dispose();
      }
    });

    it('rejects bad configuration and bad input with messages naming the argument', () => {
      expectThrowsWith(
        () => new GMMLayer({nComponents: 0}),
        'GMMLayer: nComponents must be an integer >= 1, but got 0',
      );
      expectThrowsWith(
        () => new GMMLayer({nComponents: 2, covarianceType: 'isotropic' as never}),
        "GMMLayer: covarianceType must be one of 'full', 'tied', 'diag', 'spherical', 'shared_isotropic', 'constant', but got \"isotropic\"",
      );
      expectThrowsWith(
        () => new GMMLayer({nComponents: 2, minVariance: -1}),
        'GMMLayer: minVariance must be a finite number >= 0, but got -1',
      );
      expectThrowsWith(
        () => new GMMLayer({nComponents: 2, meansInitializer: 'noSuchInitializer'}),
        'GMMLayer: meansInitializer names an unknown class "NoSuchInitializer"',
      );
      const layer = builtLayer({nComponents: 2}, 3);
      expectThrowsWith(
        () => layer.apply(tf.zeros([4, 2])),
        'GMMLayer.call: input must have shape [batch, 3] (the layer was built for D = 3), but got [4, 2]',
      );
      expectThrowsWith(
        () => layer.computeOutputShape([null, 3, 1]),
        'GMMLayer.computeOutputShape: input must have shape [batch, D] (rank 2), but got [-1, 3, 1] (rank 3)',
      );
      expectThrowsWith(
        () => new GMMLayer({nComponents: 2}).apply(tf.zeros([4, 2, 1])),
        'GMMLayer.build: input must have shape [batch, D] (rank 2)',
      );
      expectThrowsWith(
        () => new GMMLayer({nComponents: 2}).getMixture(),
        'GMMLayer.getMixture: the layer is not built yet',
      );
      expectThrowsWith(
        () =>
          layer.setMixture({
            weights: [0.5, 0.5],
            means: [[0, 0, 0]],
            covariances: [
              [
                [1, 0, 0],
                [0, 1, 0],
                [0, 0, 1],
              ],
            ],
          }),
        'GMMLayer.setMixture: means must have shape [2, 3], but got [1, 3]',
      );
      expectThrowsWith(
        () =>
          layer.setMixture({
            weights: [1, 0],
            means: [
              [0, 0, 0],
              [1, 1, 1],
            ],
            covariances: tf.eye(3, 3, [2]),
          }),
        'GMMLayer.setMixture: weights must be positive and finite, but weights[1] is 0',
      );
      expectThrowsWith(
        () =>
          layer.setMixture({
            weights: [0.5, 0.5],
            means: [
              [0, 0, 0],
              [1, 1, 1],
            ],
            covariances: tf.mul(tf.eye(3, 3, [2]), 1e-4),
          }),
        'GMMLayer.setMixture: covariances must have every (conditional) variance above minVariance = 0.001, but entry 0 is',
      );
      expectThrowsWith(
        () =>
          layer.setMixture({
            weights: [0.5, 0.5],
            means: [
              [0, 0, 0],
              [1, NaN, 1],
            ],
            covariances: tf.eye(3, 3, [2]),
          }),
        'GMMLayer.setMixture: means must contain only finite values, but entry 4 is NaN',
      );
      layer.dispose();
    });
  });

  describe('values', () => {
    for (const type of TYPES) {
      it(`${type}: setMixture / getMixture round-trip, and the output equals gmmLogProb of that mixture`, async () => {
        const random = rng(5);
        const D = 3;
        const layer = builtLayer({nComponents: 2, covarianceType: type}, D);
        const spd = (): number[][] => {
          const a = fill([D, D], () => normal(random)) as number[][];
          return a.map((r, i) => a.map((o, j) => r.reduce((s, v, t) => s + v * o[t], 0) / D + (i === j ? 0.5 : 0)));
        };
        const covariances = {
          full: [spd(), spd()],
          tied: spd(),
          diag: fill([2, D], () => 0.5 + random()),
          spherical: [0.7, 1.9],
          shared_isotropic: 1.3,
          constant: 1,
        }[type];
        const mixture = {weights: [0.3, 0.7], means: fill([2, D], () => normal(random)) as number[][], covariances};
        const x = tf.tensor(fill([7, D], () => 2 * normal(random)) as number[][]);
        await expectNoLeak(() => {
          layer.setMixture(mixture);
          const back = layer.getMixture();
          expectClose(back.weights, mixture.weights, {atol: 1e-6});
          expectClose(back.means, mixture.means, {atol: 0});
          expectClose(back.covariances, covariances as number[], {rtol: 1e-4, atol: 1e-5});
          const out = layer.apply(x) as tf.Tensor;
          const expected = gmmLogProb(x, mixture.weights, mixture.means, covariances as number[], type);
          expectClose(out, expected, {rtol: 1e-5, atol: 1e-5});
          tf.dispose([back.weights, back.means, back.covariances, out, expected]);
        });
        x.dispose();
        layer.dispose();
      });
    }
  });

  describe('gradients of the output w.r.t. input and weights vs float64 finite differences', () => {
    for (const type of TYPES) {
      it(type, () => {
        const random = rng(17);
        const D = 3;
        const K = 2;
        const minVariance = 0.05;
        const layer = builtLayer({nComponents: K, covarianceType: type, minVariance}, D);
        // Non-trivial weights: random raw values everywhere.
        for (const w of layer.trainableWeights)
          w.write(tf.tensor(fill(w.shape as number[], () => 0.5 * normal(random)) as number[], w.shape as number[]));
        const x = fill([4, D], () => normal(random)) as number[][];
        const cotangent = fill([4, K], () => normal(random)) as number[][];
        const raw = layer.trainableWeights.map((w) => F64.from(w.read().arraySync() as number[]));

        // Float64 reference of the layer: raw weights -> precision-Cholesky parameters -> log-probs.
        const referenceFromRaw = (xs: F64, weights: F64[]) => {
          const softplus = (v: number) => Math.log1p(Math.exp(-Math.abs(v))) + Math.max(v, 0);
          const p = Array.from(weights[2].data, (r) => 1 / Math.sqrt(minVariance + softplus(r)));
          let factor: F64;
          if (type === 'full' || type === 'tied') {
            const off = weights[3];
            const data = Float64Array.from(off.data, (v, i) => {
              const col = i % D;
              const row = Math.floor(i / D) % D;
              const matrix = Math.floor(i / (D * D));
              return col > row ? v : col === row ? p[matrix * D + row] : 0;
            });
            factor = new F64(data, off.shape);
          } else {
            factor = new F64(Float64Array.from(p), weights[2].shape);
          }
          return referenceLogProb(
            type,
            {x: xs, weights: weights[0], means: weights[1], cov: factor},
            'precisionCholesky',
          );
        };

        const xTensor = tf.tensor(x);
        const dy = tf.tensor(cotangent);
        const {grads} = tf.variableGrads(
          () => tf.sum(tf.mul(layer.apply(xTensor) as tf.Tensor, dy)) as tf.Scalar,
          layer.trainableWeights.map((w) => w.read() as tf.Variable),
        );
        const dx = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(layer.apply(input) as tf.Tensor, dy)))(xTensor);

        const tol = (fd: Float64Array) => ({rtol: 1e-4, atol: 1e-4 * Math.max(1, ...Array.from(fd, Math.abs))});
        // d/dx
        const fdx = finiteDifferenceGradient(
          (p: RefParams) => referenceFromRaw(p.x, raw),
          {x: F64.from(x), weights: raw[0], means: raw[1], cov: raw[2]},
          'x',
          cotangent,
        );
        expectClose(dx, fdx, {...tol(fdx), label: 'd/dx'});
        // d/d each weight
        layer.trainableWeights.forEach((w, i) => {
          const params: RefParams = {x: F64.from(x), weights: raw[i], means: raw[1], cov: raw[2]};
          const fd = finiteDifferenceGradient(
            (p: RefParams) =>
              referenceFromRaw(
                F64.from(x),
                raw.map((r, j) => (j === i ? p.weights : r)),
              ),
            params,
            'weights',
            cotangent,
          );
          expectClose(grads[(w.read() as tf.Variable).name], fd, {...tol(fd), label: `d/d${w.name}`});
        });
        tf.dispose([xTensor, dy, dx, ...Object.values(grads)]);
        layer.dispose();
      });
    }
  });

  describe('training with model.fit', () => {
    const {means: trueMeans, weights: trueWeights, x} = generatedMixture(31, 900);

    for (const type of TYPES) {
      it(`${type}: Adam through model.fit recovers the true means and weights`, async () => {
        const model = tfl.sequential({layers: [new GMMLayer({nComponents: 3, covarianceType: type, inputShape: [2]})]});
        (model.layers[0] as GMMLayer).setMixture(circleStart(x, type));
        model.compile({optimizer: tf.train.adam(0.05), loss: gmmNLLLoss});
        const data = tf.tensor2d(x);
        const history = await fitWithoutTargets(model, data, {
          epochs: 400,
          batchSize: x.length,
          verbose: 0,
          shuffle: false,
        });
        const losses = history.history.loss as number[];
        expect(losses[losses.length - 1]).to.be.below(losses[0]);
        const fitted = (model.layers[0] as GMMLayer).getMixture();
        const fittedMeans = fitted.means.arraySync() as number[][];
        const fittedWeights = fitted.weights.arraySync() as number[];
        // Pair every true component with its nearest fitted mean.
        const order = trueMeans.map((t) =>
          fittedMeans.reduce(
            (best, m, i) =>
              Math.hypot(m[0] - t[0], m[1] - t[1]) <
              Math.hypot(fittedMeans[best][0] - t[0], fittedMeans[best][1] - t[1])
                ? i
                : best,
            0,
          ),
        );
        expect(new Set(order).size, 'one fitted component per true one').to.equal(3);
        // 900 points: sampling error of a mean is ~0.05 per coordinate; of a weight ~0.016.
        // The tied and spherical models are misspecified here, which biases them slightly.
        trueMeans.forEach((t, j) => expectClose(fittedMeans[order[j]], t, {atol: 0.2, label: `${type} mean ${j}`}));
        expectClose(
          order.map((i) => fittedWeights[i]),
          trueWeights,
          {atol: 0.05, label: `${type} weights`},
        );
        tf.dispose([data, fitted.weights, fitted.means, fitted.covariances]);
        model.dispose();
      });
    }

    it('stays finite for 2,000 steps on data with many duplicated points (no collapse to NaN)', () => {
      const random = rng(8);
      const points = [
        ...Array.from({length: 40}, () => [1.5, -0.5]),
        ...Array.from({length: 40}, () => [normal(random), normal(random)]),
      ];
      const layer = builtLayer({nComponents: 3, covarianceType: 'full', minVariance: 1e-3}, 2);
      layer.setMixture({
        weights: [1 / 3, 1 / 3, 1 / 3],
        means: [
          [1.5, -0.5],
          [0, 0],
          [-1, 1],
        ],
        covariances: tf.eye(2, 2, [3]),
      });
      const data = tf.tensor2d(points);
      const optimizer = tf.train.adam(0.05);
      let loss = NaN;
      for (let step = 0; step < 2000; step++) {
        const value = optimizer.minimize(() => mixtureNLL(layer.apply(data) as tf.Tensor), true)!;
        if (step % 100 === 99 || step === 1999) {
          loss = value.dataSync()[0];
          expect(Number.isFinite(loss), `loss at step ${step}`).to.equal(true);
        }
        value.dispose();
      }
      for (const w of layer.trainableWeights)
        expect(Array.from(w.read().dataSync()).every(Number.isFinite), w.name).to.equal(true);
      // The collapsed component sits on the duplicates at the variance floor: the density is bounded.
      const mixture = layer.getMixture();
      const covs = mixture.covariances.arraySync() as number[][][];
      const smallest = Math.min(...covs.map((c) => c[0][0] * c[1][1] - c[0][1] * c[1][0]));
      expect(smallest).to.be.above(0.9 * 1e-3 * 1e-3);
      expect(loss).to.be.above(-Infinity);
      tf.dispose([data, mixture.weights, mixture.means, mixture.covariances]);
      optimizer.dispose();
      layer.dispose();
    });

    it('500 training steps through model.fit leave tf.memory().numTensors unchanged', async () => {
      const data = tf.tensor2d(x.slice(0, 64));
      const model = tfl.sequential({layers: [new GMMLayer({nComponents: 3, covarianceType: 'full', inputShape: [2]})]});
      model.compile({optimizer: tf.train.adam(0.01), loss: gmmNLLLoss});
      await fitWithoutTargets(model, data, {epochs: 2, batchSize: 64, verbose: 0}); // creates the optimizer's slots
      await expectNoLeak(async () => {
        await fitWithoutTargets(model, data, {epochs: 500, batchSize: 64, verbose: 0});
      }, '500 steps');
      data.dispose();
      model.dispose();
    });
  });
});

describeOnBackends("GMMLayer with covarianceType 'constant'", () => {
  it('holds the fixed variance as an argument, not a weight, and computes gmmLogProb with it', async () => {
    const layer = builtLayer({nComponents: 2, covarianceType: 'constant', variance: 0.5}, 3);
    expect(layer.trainableWeights.map((w) => w.shape)).to.deep.equal([[2], [2, 3]]);
    expect(layer.variance).to.equal(0.5);
    const config = layer.getConfig();
    expect(config.variance).to.equal(0.5);
    const copy = GMMLayer.fromConfig(GMMLayer, config) as GMMLayer;
    expect(copy.variance).to.equal(0.5);
    const random = rng(41);
    const mixture = {weights: [0.4, 0.6], means: fill([2, 3], () => normal(random)) as number[][], covariances: 0.5};
    const x = tf.tensor(fill([5, 3], () => normal(random)) as number[][]);
    await expectNoLeak(() => {
      layer.setMixture(mixture);
      const out = layer.apply(x) as tf.Tensor;
      const expected = referenceLogProb(
        'constant',
        {
          x: F64.from(x.arraySync()),
          weights: F64.from(mixture.weights),
          means: F64.from(mixture.means),
          cov: F64.from(0.5),
        },
        'natural',
      );
      // float32 evaluation of O(10) log-densities.
      expectClose(out, expected, {rtol: 1e-5, atol: 1e-5});
      const back = layer.getMixture();
      expectClose(back.covariances, 0.5, {rtol: 1e-6, atol: 0});
      tf.dispose([out, back.weights, back.means, back.covariances]);
    });
    expectThrowsWith(
      () => layer.setMixture({...mixture, covariances: 0.7}),
      "GMMLayer.setMixture: covariances must be the layer's fixed variance 0.5 (covarianceType 'constant' does not learn it), but got 0.7",
    );
    x.dispose();
    layer.dispose();
  });

  it('model.fit moves the means and weights and leaves the variance', async () => {
    const {x} = generatedMixture(31, 300);
    const model = tfl.sequential({
      layers: [new GMMLayer({nComponents: 3, covarianceType: 'constant', variance: 0.6, inputShape: [2]})],
    });
    const layer = model.layers[0] as GMMLayer;
    layer.setMixture({...circleStart(x, 'constant'), covariances: 0.6});
    model.compile({optimizer: tf.train.adam(0.05), loss: gmmNLLLoss});
    const data = tf.tensor2d(x);
    const history = await fitWithoutTargets(model, data, {epochs: 100, batchSize: x.length, verbose: 0});
    const losses = history.history.loss as number[];
    expect(losses[losses.length - 1]).to.be.below(losses[0] - 0.1);
    const fitted = layer.getMixture();
    expectClose(fitted.covariances, 0.6, {rtol: 1e-6, atol: 0}); // nothing trains it
    tf.dispose([data, fitted.weights, fitted.means, fitted.covariances]);
    model.dispose();
  });

  it('rejects a variance that is not positive, and a variance for the types that learn theirs', () => {
    expectThrowsWith(
      () => new GMMLayer({nComponents: 2, covarianceType: 'constant', variance: 0}),
      'GMMLayer: variance must be a finite number > 0, but got 0',
    );
    expectThrowsWith(
      () => new GMMLayer({nComponents: 2, covarianceType: 'spherical', variance: 1}),
      "GMMLayer: variance is the fixed variance of covarianceType 'constant', but the covariance type is 'spherical'",
    );
  });
});
