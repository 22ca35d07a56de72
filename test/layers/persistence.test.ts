import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {expect} from 'chai';
import * as fs from 'fs';
import * as http from 'http';
import {AddressInfo} from 'net';
import * as os from 'os';
import * as path from 'path';

import {GMMLayer, fileSystemHandler, fitWithoutTargets, gmmNLLLoss} from '../../src';
import {expectClose, expectThrowsWith} from '../helpers/assertions';
import {roundTripInMemory} from '../helpers/models';
import {describeOnBackends} from '../helpers/backends';
import {fill, normal, rng} from '../helpers/random';

/** Dense encoder followed by a GMMLayer, with non-trivial weights. */
function buildModel(type: 'full' | 'diag'): tfl.LayersModel {
  const input = tfl.input({shape: [4]});
  const hidden = tfl.layers
    .dense({units: 3, activation: 'tanh', kernelInitializer: tfl.initializers.glorotNormal({seed: 1})})
    .apply(input) as tfl.SymbolicTensor;
  const output = new GMMLayer({
    nComponents: 2,
    covarianceType: type,
    minVariance: 0.01,
    meansInitializer: tfl.initializers.randomNormal({seed: 2}),
  }).apply(hidden) as tfl.SymbolicTensor;
  return tfl.model({inputs: input, outputs: output});
}

function data(seed: number, N = 32): tf.Tensor2D {
  const random = rng(seed);
  return tf.tensor2d(fill([N, 4], () => normal(random)) as number[][]);
}

/** Serves a directory over HTTP on a free local port, as a web server would for a browser. */
async function serve(directory: string): Promise<{url: string; close: () => Promise<void>}> {
  const server = http.createServer((req, res) => {
    const file = path.join(directory, path.basename(decodeURIComponent(new URL(req.url!, 'http://x').pathname)));
    fs.readFile(file, (err, body) => {
      if (err) {
        res.writeHead(404).end();
        return;
      }
      res
        .writeHead(200, {'Content-Type': file.endsWith('.json') ? 'application/json' : 'application/octet-stream'})
        .end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const {port} = server.address() as AddressInfo;
  return {url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve()))};
}

describeOnBackends('saving and loading models with GMMLayer', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-gmm-model-'));
  });
  afterEach(() => fs.rmSync(dir, {recursive: true, force: true}));

  for (const type of ['full', 'diag'] as const) {
    it(`${type}: fileSystemHandler writes model.json + model.weights.bin; the loaded model predicts identically and keeps training`, async () => {
      const model = buildModel(type);
      const x = data(3);
      const before = model.predict(x) as tf.Tensor;
      await model.save(fileSystemHandler(dir));
      expect(fs.readdirSync(dir).sort()).to.deep.equal(['model.json', 'model.weights.bin']);
      const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
      expect(json.weightsManifest[0].paths).to.deep.equal(['model.weights.bin']);
      expect(JSON.stringify(json.modelTopology)).to.contain('"class_name":"GMMLayer"');

      const loaded = await tfl.loadLayersModel(fileSystemHandler(dir));
      const after = loaded.predict(x) as tf.Tensor;
      expectClose(after, before, {atol: 0});

      loaded.compile({optimizer: tf.train.adam(0.05), loss: gmmNLLLoss});
      const history = await fitWithoutTargets(loaded, x, {epochs: 20, batchSize: 32, verbose: 0});
      const losses = history.history.loss as number[];
      expect(losses[losses.length - 1]).to.be.below(losses[0]);
      tf.dispose([x, before, after]);
      model.dispose();
      loaded.dispose();
    });
  }

  it('round-trips through tf.io.withSaveHandler / tf.io.fromMemory', async () => {
    const model = buildModel('full');
    const x = data(4);
    const loaded = await roundTripInMemory(model);
    const a = model.predict(x) as tf.Tensor;
    const b = loaded.predict(x) as tf.Tensor;
    expectClose(b, a, {atol: 0});
    tf.dispose([x, a, b]);
    model.dispose();
    loaded.dispose();
  });

  it('a saved directory loads over HTTP with tf.loadLayersModel(url), as in a browser', async () => {
    const model = buildModel('diag');
    const x = data(5);
    await model.save(fileSystemHandler(dir));
    const server = await serve(dir);
    try {
      const loaded = await tfl.loadLayersModel(`${server.url}/model.json`);
      const a = model.predict(x) as tf.Tensor;
      const b = loaded.predict(x) as tf.Tensor;
      expectClose(b, a, {atol: 0});
      tf.dispose([a, b]);
      loaded.dispose();
    } finally {
      await server.close();
    }
    x.dispose();
    model.dispose();
  });

  it("a model saved in a browser's layout (downloads://: <name>.json, ./<name>.weights.bin) loads from disk", async () => {
    const model = buildModel('full');
    const x = data(6);
    // The artifacts tfjs hands to any save handler, written the way tf.io.browserDownloads names them.
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        const modelJSON = {
          modelTopology: artifacts.modelTopology,
          format: artifacts.format,
          generatedBy: artifacts.generatedBy,
          convertedBy: artifacts.convertedBy,
          weightsManifest: [{paths: ['./my-model.weights.bin'], weights: artifacts.weightSpecs}],
        };
        fs.writeFileSync(path.join(dir, 'my-model.json'), JSON.stringify(modelJSON));
        fs.writeFileSync(
          path.join(dir, 'my-model.weights.bin'),
          new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData!)),
        );
        return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
      }),
    );
    const loaded = await tfl.loadLayersModel(fileSystemHandler(path.join(dir, 'my-model.json')));
    const a = model.predict(x) as tf.Tensor;
    const b = loaded.predict(x) as tf.Tensor;
    expectClose(b, a, {atol: 0});
    tf.dispose([x, a, b]);
    model.dispose();
    loaded.dispose();
  });

  it('reports missing or broken files with the path', async () => {
    let message = '';
    try {
      await tfl.loadLayersModel(fileSystemHandler(path.join(dir, 'nothing-here')));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).to.contain('fileSystemHandler.load: cannot read the model file').and.contain('nothing-here');
    fs.writeFileSync(
      path.join(dir, 'model.json'),
      '{"modelTopology": {}, "weightsManifest": [{"paths": ["missing.bin"], "weights": []}]}',
    );
    message = '';
    try {
      await tfl.loadLayersModel(fileSystemHandler(dir));
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).to.contain('fileSystemHandler.load: cannot read the weights file').and.contain('missing.bin');
    expectThrowsWith(() => fileSystemHandler(''), 'fileSystemHandler: location must be a non-empty path, but got ""');
  });
});
