import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {expect} from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import {MixtureDensityHead, fileSystemHandler, mdnLoss, mdnSample} from '../../src';
import {expectClose} from '../helpers/assertions';
import {roundTripInMemory} from '../helpers/models';
import {describeOnBackends} from '../helpers/backends';
import {fill, normal, rng} from '../helpers/random';

/** Dense -> MixtureDensityHead, with seeded weights. */
function buildModel(covarianceType: 'full' | 'diag' | 'spherical'): tfl.LayersModel {
  const input = tfl.input({shape: [3]});
  const hidden = tfl.layers
    .dense({units: 8, activation: 'tanh', kernelInitializer: tfl.initializers.glorotNormal({seed: 1})})
    .apply(input) as tfl.SymbolicTensor;
  const head = new MixtureDensityHead({
    nComponents: 3,
    outputDim: 2,
    covarianceType,
    minScale: 0.01,
    kernelInitializer: tfl.initializers.glorotNormal({seed: 2}),
    biasInitializer: tfl.initializers.randomNormal({stddev: 0.1, seed: 3}),
  });
  return tfl.model({inputs: input, outputs: head.apply(hidden) as tfl.SymbolicTensor});
}

/** Inputs and 2-D targets that depend on them. */
function data(seed: number, N = 64): {x: tf.Tensor2D; y: tf.Tensor2D} {
  const random = rng(seed);
  const x = fill([N, 3], () => normal(random)) as number[][];
  const y = x.map((r) => [Math.sin(r[0]) + 0.1 * normal(random), r[1] * r[2] + 0.1 * normal(random)]);
  return {x: tf.tensor2d(x), y: tf.tensor2d(y)};
}

function head(model: tfl.LayersModel): MixtureDensityHead {
  return model.layers.find((l) => l instanceof MixtureDensityHead) as MixtureDensityHead;
}

describeOnBackends('saving and loading models with MixtureDensityHead', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-gmm-mdn-'));
  });
  afterEach(() => fs.rmSync(dir, {recursive: true, force: true}));

  for (const covarianceType of ['full', 'diag', 'spherical'] as const) {
    it(`${covarianceType}: fileSystemHandler round trip predicts and samples identically, and training continues`, async () => {
      const model = buildModel(covarianceType);
      const {x, y} = data(4);
      model.compile({optimizer: tf.train.adam(0.02), loss: mdnLoss(head(model))});
      await model.fit(x, y, {epochs: 5, batchSize: 64, verbose: 0});
      const before = model.predict(x) as tf.Tensor;
      await model.save(fileSystemHandler(dir));
      const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
      expect(JSON.stringify(json.modelTopology)).to.contain('"class_name":"MixtureDensityHead"');

      const loaded = await tfl.loadLayersModel(fileSystemHandler(dir));
      const loadedHead = head(loaded);
      expect(loadedHead.getConfig()).to.deep.equal(head(model).getConfig());
      const after = loaded.predict(x) as tf.Tensor;
      expectClose(after, before, {atol: 0});
      const [a, b] = [mdnSample(before, head(model), {seed: 1}), mdnSample(after, loadedHead, {seed: 1})];
      expectClose(b, a, {atol: 0});

      // The loaded model keeps training from where the saved one stopped.
      const lossBefore = tf.tidy(() => tf.mean(mdnLoss(loadedHead)(y, after)).dataSync()[0]);
      loaded.compile({optimizer: tf.train.adam(0.02), loss: mdnLoss(loadedHead)});
      const history = await loaded.fit(x, y, {epochs: 40, batchSize: 64, verbose: 0});
      const losses = history.history.loss as number[];
      expect(losses[0]).to.be.closeTo(lossBefore, 1e-4);
      expect(losses[losses.length - 1]).to.be.below(losses[0] - 0.1);
      tf.dispose([x, y, before, after, a, b]);
      model.dispose();
      loaded.dispose();
    });
  }

  it('round-trips through tf.io.withSaveHandler / tf.io.fromMemory', async () => {
    const model = buildModel('full');
    const {x} = data(5);
    const loaded = await roundTripInMemory(model);
    const a = model.predict(x) as tf.Tensor;
    const b = loaded.predict(x) as tf.Tensor;
    expectClose(b, a, {atol: 0});
    expect(head(loaded).covarianceType).to.equal('full');
    tf.dispose([x, a, b]);
    model.dispose();
    loaded.dispose();
  });
});
