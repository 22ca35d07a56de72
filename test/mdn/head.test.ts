import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {expect} from 'chai';

import {MixtureDensityHead, mdnLoss, mdnParamsSize} from '../../src';
import {expectClose, expectNoLeak, expectThrowsWith} from '../helpers/assertions';
import {describeOnBackends} from '../helpers/backends';
import {fill, normal, rng} from '../helpers/random';

const TYPES = ['diag', 'spherical', 'full'] as const;

describeOnBackends('MixtureDensityHead', () => {
  describe('configuration and layout', () => {
    it('paramsSize counts logits, means, scales and (full) coefficients', () => {
      // [logits K | means K D | scales K D (spherical: K) | coefficients K D (D - 1) / 2 (full)]
      const cases: [number, number, 'diag' | 'spherical' | 'full', number][] = [
        [1, 1, 'diag', 3],
        [8, 2, 'diag', 8 + 16 + 16],
        [8, 2, 'spherical', 8 + 16 + 8],
        [8, 2, 'full', 8 + 16 + 16 + 8],
        [5, 3, 'full', 5 + 15 + 15 + 15],
        [4, 1, 'full', 4 + 4 + 4],
        [3, 4, 'spherical', 3 + 12 + 3],
      ];
      for (const [K, D, type, P] of cases) {
        expect(mdnParamsSize(K, D, type), `${K}, ${D}, ${type}`).to.equal(P);
        expect(MixtureDensityHead.paramsSize(K, D, type)).to.equal(P);
        expect(new MixtureDensityHead({nComponents: K, outputDim: D, covarianceType: type}).paramsSize).to.equal(P);
      }
      expect(mdnParamsSize(2, 3)).to.equal(2 + 6 + 6); // 'diag' by default
    });

    it('getConfig / fromConfig round-trips every option, for every covariance type', () => {
      for (const type of TYPES) {
        const layer = new MixtureDensityHead({
          nComponents: 4,
          outputDim: 3,
          covarianceType: type,
          minScale: 0.02,
          name: `mdn_${type}`,
          trainable: false,
          kernelInitializer: tfl.initializers.randomUniform({minval: -0.1, maxval: 0.1, seed: 3}),
          biasInitializer: 'ones',
          kernelRegularizer: tfl.regularizers.l2({l2: 0.01}),
          biasRegularizer: 'l1l2',
        });
        const config = layer.getConfig();
        const copy = tf.serialization.SerializationMap.getMap().classNameMap['MixtureDensityHead'][1](
          MixtureDensityHead,
          config,
        ) as MixtureDensityHead;
        expect(copy.getConfig()).to.deep.equal(config);
        expect(config).to.include({
          nComponents: 4,
          outputDim: 3,
          covarianceType: type,
          minScale: 0.02,
          name: `mdn_${type}`,
          trainable: false,
        });
        expect(config.kernelInitializer).to.deep.include({className: 'RandomUniform'});
        expect(config.kernelRegularizer).to.deep.equal({className: 'L1L2', config: {l1: 0, l2: 0.01}});
        expect(layer.getClassName()).to.equal('MixtureDensityHead');
      }
      const defaults = new MixtureDensityHead({nComponents: 2, outputDim: 1}).getConfig();
      expect(defaults).to.include({covarianceType: 'diag', minScale: 1e-3});
      // glorotUniform serialises as the VarianceScaling it is.
      expect(defaults.kernelInitializer).to.deep.include({className: 'VarianceScaling'});
      expect((defaults.kernelInitializer as tf.serialization.ConfigDict).config).to.include({
        scale: 1,
        mode: 'fanAvg',
        distribution: 'uniform',
      });
      expect(defaults.biasInitializer).to.deep.include({className: 'Zeros'});
    });

    it('is a dense projection [batch, F] -> [batch, P]: output = x kernel + bias', async () => {
      const random = rng(4);
      const head = new MixtureDensityHead({
        nComponents: 3,
        outputDim: 2,
        covarianceType: 'full',
        kernelRegularizer: 'l1l2',
        inputShape: [5],
      });
      const x = tf.tensor2d(fill([7, 5], () => normal(random)) as number[][]);
      const out = head.apply(x) as tf.Tensor;
      expect(head.trainableWeights.map((w) => w.shape)).to.deep.equal([[5, 18], [18]]); // P = 3 + 6 + 6 + 3
      expect(out.shape).to.deep.equal([7, 18]);
      const [kernel, bias] = head.getWeights();
      await expectNoLeak(() =>
        tf.tidy(() => expectClose(out, tf.add(tf.matMul(x, kernel), bias), {rtol: 1e-6, atol: 1e-6})),
      );
      // The declared output size is left open so that model.fit accepts [batch, outputDim] targets.
      expect(head.computeOutputShape([null, 5])).to.deep.equal([null, null]);
      expect(head.losses).to.have.length(1); // the kernel regularizer
      tf.dispose([x, out]);
      head.dispose();
    });

    it('model.fit and model.evaluate accept targets [batch, outputDim]', async () => {
      const model = tfl.sequential({
        layers: [
          tfl.layers.dense({units: 4, activation: 'tanh', inputShape: [3]}),
          new MixtureDensityHead({nComponents: 2, outputDim: 2, covarianceType: 'full'}),
        ],
      });
      const head = model.layers[1] as MixtureDensityHead;
      model.compile({optimizer: tf.train.adam(0.01), loss: mdnLoss(head)});
      const x = tf.randomNormal([16, 3], 0, 1, 'float32', 1);
      const y = tf.randomNormal([16, 2], 0, 1, 'float32', 2);
      const history = await model.fit(x, y, {epochs: 3, batchSize: 8, verbose: 0});
      expect((history.history.loss as number[]).every(Number.isFinite)).to.equal(true);
      const evaluated = model.evaluate(x, y) as tf.Scalar;
      const direct = tf.tidy(() => tf.mean(mdnLoss(head)(y, model.predict(x) as tf.Tensor)));
      expectClose(evaluated, direct, {rtol: 1e-6, atol: 1e-6});
      tf.dispose([x, y, evaluated, direct]);
      model.dispose();
    });
  });

  describe('validation', () => {
    it('rejects bad configuration and bad input with messages naming the argument', () => {
      expectThrowsWith(
        () => new MixtureDensityHead({nComponents: 0, outputDim: 2}),
        'MixtureDensityHead: nComponents must be an integer >= 1, but got 0',
      );
      expectThrowsWith(
        () => new MixtureDensityHead({nComponents: 2, outputDim: 0}),
        'MixtureDensityHead: outputDim must be an integer >= 1, but got 0',
      );
      expectThrowsWith(
        () => new MixtureDensityHead({nComponents: 2} as never),
        'MixtureDensityHead: outputDim must be an integer >= 1, but got undefined',
      );
      expectThrowsWith(
        () => new MixtureDensityHead(undefined as never),
        'MixtureDensityHead: args must be an object {nComponents, outputDim, covarianceType?, minScale?}, but got undefined',
      );
      expectThrowsWith(
        () => new MixtureDensityHead({nComponents: 2, outputDim: 2, covarianceType: 'tied' as never}),
        "MixtureDensityHead: covarianceType must be one of 'diag', 'spherical', 'full', but got \"tied\" (a mixture-density head predicts every component's covariance per row, so there is nothing to tie; use 'full')",
      );
      expectThrowsWith(
        () => new MixtureDensityHead({nComponents: 2, outputDim: 2, minScale: -1}),
        'MixtureDensityHead: minScale must be a finite number > 0, but got -1',
      );
      expectThrowsWith(
        () => new MixtureDensityHead({nComponents: 2, outputDim: 2, minScale: 0}),
        'MixtureDensityHead: minScale must be a finite number > 0, but got 0',
      );
      expectThrowsWith(
        () => new MixtureDensityHead({nComponents: 2, outputDim: 2, kernelInitializer: 'noSuchInitializer'}),
        'MixtureDensityHead: kernelInitializer names an unknown class "NoSuchInitializer"',
      );
      expectThrowsWith(
        () => mdnParamsSize(2, 2, 'tied' as never),
        "mdnParamsSize: covarianceType must be one of 'diag', 'spherical', 'full', but got \"tied\"",
      );
      const head = new MixtureDensityHead({nComponents: 2, outputDim: 2});
      tf.dispose(head.apply(tf.zeros([1, 3])) as tf.Tensor);
      expectThrowsWith(
        () => head.apply(tf.zeros([4, 2])),
        'MixtureDensityHead.call: input must have shape [batch, 3] (the layer was built for F = 3), but got [4, 2]',
      );
      expectThrowsWith(
        () => head.computeOutputShape([null, 3, 1]),
        'MixtureDensityHead.computeOutputShape: input must have shape [batch, F] (rank 2), but got [-1, 3, 1] (rank 3)',
      );
      expectThrowsWith(
        () => new MixtureDensityHead({nComponents: 2, outputDim: 2}).apply(tf.zeros([4, 2, 1])),
        'MixtureDensityHead.build: input must have shape [batch, F] (rank 2)',
      );
      head.dispose();
    });
  });
});
