import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {expect} from 'chai';

import {MixtureDensityHead, mdnLoss, mdnMode} from '../../src';
import {expectNoLeak} from '../helpers/assertions';
import {describeOnBackends} from '../helpers/backends';
import {rng} from '../helpers/random';

describeOnBackends('MixtureDensityHead: training on heavy-tailed targets', () => {
  it('3,000 Adam steps on Cauchy-noise targets: no NaN in the loss or the weights, no tensor growth, and the mode follows the signal', async () => {
    // y = [sin(1.5 x), x / 2] + 0.1 * Cauchy noise per coordinate: over 3,000 batches of 32 the largest
    // residuals reach ~1e4, i.e. 1e7 standard deviations of the narrow components (minScale 1e-3).
    const random = rng(12);
    const cauchy = () => Math.tan(Math.PI * (random() - 0.5));
    const batch = () => {
      const x = Array.from({length: 32}, () => 2 * random() - 1);
      return {
        x: tf.tensor2d(x, [32, 1]),
        y: tf.tensor2d(x.map((v) => [Math.sin(1.5 * v) + 0.1 * cauchy(), v / 2 + 0.1 * cauchy()])),
      };
    };
    const input = tfl.input({shape: [1]});
    const hidden = tfl.layers
      .dense({units: 16, activation: 'tanh', kernelInitializer: tfl.initializers.glorotUniform({seed: 1})})
      .apply(input) as tfl.SymbolicTensor;
    const head = new MixtureDensityHead({
      nComponents: 3,
      outputDim: 2,
      covarianceType: 'full',
      kernelInitializer: tfl.initializers.glorotUniform({seed: 2}),
    });
    const model = tfl.model({inputs: input, outputs: head.apply(hidden) as tfl.SymbolicTensor});
    const loss = mdnLoss(head);
    const optimizer = tf.train.adam(0.01);
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    let largest = 0;
    const step = (index: number) => {
      const {x, y} = batch();
      largest = Math.max(largest, ...Array.from(y.dataSync(), Math.abs));
      const value = optimizer.minimize(
        () => tf.mean(loss(y, model.apply(x) as tf.Tensor)) as tf.Scalar,
        true,
        variables,
      )!;
      const v = value.dataSync()[0];
      if (!Number.isFinite(v)) expect.fail(`loss at step ${index} is ${v}`);
      tf.dispose([x, y, value]);
    };
    step(0); // creates Adam's slots
    await expectNoLeak(() => {
      for (let i = 1; i < 3000; i++) step(i);
    }, '3,000 steps');
    expect(largest, 'the targets reached far into the tails').to.be.above(1e3);
    for (const w of model.trainableWeights)
      expect(Array.from(w.read().dataSync()).every(Number.isFinite), w.name).to.equal(true);
    // Heavy tails did not drag the fit away: the heaviest component sits on the noise-free signal
    // (measured errors <= 0.13; the outliers' gradients slow Adam down, so the fit is not exact).
    const grid = [-0.8, -0.4, 0, 0.4, 0.8];
    const mode = tf.tidy(
      () => mdnMode(model.predict(tf.tensor2d(grid, [5, 1])) as tf.Tensor, head).arraySync() as number[][],
    );
    grid.forEach((x, i) => {
      expect(Math.abs(mode[i][0] - Math.sin(1.5 * x)), `mode[0] at x = ${x}`).to.be.below(0.2);
      expect(Math.abs(mode[i][1] - x / 2), `mode[1] at x = ${x}`).to.be.below(0.2);
    });
    optimizer.dispose();
    model.dispose();
  });
});
