import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import {expect} from 'chai';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import {GMMLayer, fileSystemHandler} from '../../src';
import {fileSystemHandlerOn} from '../../src/io/file_system_handler';
import {nodeModules, type NodeModules} from '../../src/io/node_fs';
import {expectClose} from '../helpers/assertions';
import {describeOnBackends} from '../helpers/backends';

/** A dense encoder and a GMMLayer; `seed` makes models distinguishable by their predictions. */
function buildModel(seed: number): tfl.LayersModel {
  const input = tfl.input({shape: [3]});
  const hidden = tfl.layers
    .dense({units: 2, kernelInitializer: tfl.initializers.glorotNormal({seed})})
    .apply(input) as tfl.SymbolicTensor;
  const output = new GMMLayer({
    nComponents: 2,
    covarianceType: 'diag',
    meansInitializer: tfl.initializers.randomNormal({seed: seed + 1}),
  }).apply(hidden) as tfl.SymbolicTensor;
  return tfl.model({inputs: input, outputs: output});
}

const X = [
  [0.5, -1, 2],
  [1, 0, -0.5],
];

function predict(model: tfl.LayersModel): number[] {
  return tf.tidy(() => Array.from((model.predict(tf.tensor2d(X)) as tf.Tensor).dataSync()));
}

async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (e) {
    return (e as Error).message;
  }
  return expect.fail('expected a rejection');
}

function errno(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${message}`), {code});
}

/** The real file system, with `writeFile` of a path matching `pattern` writing half and failing. */
async function failingWrite(pattern: RegExp, code = 'ENOSPC'): Promise<NodeModules> {
  const real = await nodeModules();
  return {
    ...real,
    fs: {
      ...real.fs,
      writeFile: async (file: string, data: Uint8Array | string) => {
        if (!pattern.test(String(file))) return real.fs.writeFile(file, data);
        const bytes = typeof data === 'string' ? Buffer.from(data) : data;
        await real.fs.writeFile(file, bytes.subarray(0, bytes.length >> 1));
        throw errno(code, `no space left on device, write '${file}'`);
      },
    } as NodeModules['fs'],
  };
}

/** The real file system, with renaming onto a path matching `pattern` failing. */
async function failingRename(pattern: RegExp): Promise<NodeModules> {
  const real = await nodeModules();
  return {
    ...real,
    fs: {
      ...real.fs,
      rename: async (from: string, to: string) => {
        if (pattern.test(String(to))) throw errno('EIO', `i/o error, rename '${from}' -> '${to}'`);
        return real.fs.rename(from, to);
      },
    } as NodeModules['fs'],
  };
}

describeOnBackends('fileSystemHandler: models are never lost or mixed up', () => {
  let dir: string;
  let modelA: tfl.LayersModel;
  let modelB: tfl.LayersModel;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-gmm-io-'));
    modelA = buildModel(1);
    modelB = buildModel(7);
  });
  afterEach(() => {
    fs.rmSync(dir, {recursive: true, force: true});
    modelA.dispose();
    modelB.dispose();
  });

  async function loadPredictions(location: string): Promise<number[]> {
    const loaded = await tfl.loadLayersModel(fileSystemHandler(location));
    const out = predict(loaded);
    loaded.dispose();
    return out;
  }

  it('two models in one directory keep their own weights files (a.json -> a.weights.bin)', async () => {
    await modelA.save(fileSystemHandler(path.join(dir, 'a.json')));
    await modelB.save(fileSystemHandler(path.join(dir, 'b.json')));
    expect(fs.readdirSync(dir).sort()).to.deep.equal(['a.json', 'a.weights.bin', 'b.json', 'b.weights.bin']);
    // Bit-exact: the same float32 weights through the same kernels.
    expectClose(await loadPredictions(path.join(dir, 'a.json')), predict(modelA), {atol: 0, rtol: 0});
    expectClose(await loadPredictions(path.join(dir, 'b.json')), predict(modelB), {atol: 0, rtol: 0});
    expect(predict(modelA)).to.not.deep.equal(predict(modelB));
  });

  for (const [what, target] of [
    ['the model file', /model\.json/],
    ['the weights file', /weights\.bin/],
  ] as const) {
    it(`a save that fails half-way through writing ${what} leaves the previous model whole and loadable`, async () => {
      await modelA.save(fileSystemHandler(dir));
      const before = fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f)).toString('hex')]);
      const message = await rejection(modelB.save(fileSystemHandlerOn(() => failingWrite(target), dir)));
      expect(message)
        .to.contain('fileSystemHandler.save: cannot write')
        .and.contain(path.join(dir, what === 'the model file' ? 'model.json' : 'model.weights.bin'))
        .and.contain('ENOSPC');
      expect(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f)).toString('hex')])).to.deep.equal(
        before,
      );
      expectClose(await loadPredictions(dir), predict(modelA), {atol: 0, rtol: 0});
    });
  }

  it('a save whose final rename of the model file fails restores the previous weights file', async () => {
    await modelA.save(fileSystemHandler(dir));
    const message = await rejection(modelB.save(fileSystemHandlerOn(() => failingRename(/model\.json$/), dir)));
    expect(message)
      .to.contain(`cannot replace ${path.join(dir, 'model.json')}`)
      .and.contain('EIO');
    expect(fs.readdirSync(dir).sort()).to.deep.equal(['model.json', 'model.weights.bin']);
    expectClose(await loadPredictions(dir), predict(modelA), {atol: 0, rtol: 0});
  });

  it('a failed first save leaves no files behind', async () => {
    await rejection(modelA.save(fileSystemHandlerOn(() => failingRename(/model\.json$/), dir)));
    expect(fs.readdirSync(dir)).to.deep.equal([]);
  });

  it('raw EACCES/EEXIST errors are wrapped with the path', async () => {
    const denied = await rejection(modelA.save(fileSystemHandlerOn(() => failingWrite(/./, 'EACCES'), dir)));
    expect(denied).to.contain(`fileSystemHandler.save: cannot write ${path.join(dir, 'model.weights.bin')} (EACCES`);
    fs.writeFileSync(path.join(dir, 'blocker'), 'a file where a directory should be');
    const blocked = await rejection(modelA.save(fileSystemHandler(path.join(dir, 'blocker', 'sub'))));
    expect(blocked).to.contain(
      `fileSystemHandler.save: cannot create the directory ${path.join(dir, 'blocker', 'sub')}`,
    );
  });

  it('model.json records the SHA-256 of the weights; a flipped bit or a truncated file is an error naming the file', async () => {
    await modelA.save(fileSystemHandler(dir));
    const weightsPath = path.join(dir, 'model.weights.bin');
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    const bytes = fs.readFileSync(weightsPath);
    // The recorded value is sha256sum's, computed here independently of the handler.
    expect(json.weightsSha256).to.equal(crypto.createHash('sha256').update(bytes).digest('hex'));

    const flipped = Buffer.from(bytes);
    flipped[5] ^= 0x40;
    fs.writeFileSync(weightsPath, flipped);
    const flippedMessage = await rejection(tfl.loadLayersModel(fileSystemHandler(dir)));
    expect(flippedMessage)
      .to.contain(`fileSystemHandler.load: the weights file ${weightsPath} does not match the SHA-256`)
      .and.contain(path.join(dir, 'model.json'));

    fs.writeFileSync(weightsPath, bytes.subarray(0, bytes.length - 4));
    expect(await rejection(tfl.loadLayersModel(fileSystemHandler(dir))))
      .to.contain(weightsPath)
      .and.contain('SHA-256');
  });

  it('a weight whose shape disagrees with the topology is an error naming the weight, both shapes and the file', async () => {
    await modelA.save(fileSystemHandler(dir));
    const modelPath = path.join(dir, 'model.json');
    const json = JSON.parse(fs.readFileSync(modelPath, 'utf8'));
    // The topology now says the dense layer has 3 units; the weights (and their checksum) are the
    // 2-unit model's.
    const dense = json.modelTopology.config.layers.find((l: {class_name: string}) => l.class_name === 'Dense');
    dense.config.units = 3;
    fs.writeFileSync(modelPath, JSON.stringify(json));
    const before = tf.memory().numTensors;
    const message = await rejection(tfl.loadLayersModel(fileSystemHandler(dir)));
    expect(message)
      .to.match(/^fileSystemHandler\.load: weight \S*kernel in /)
      .and.contain(modelPath)
      .and.contain("has shape [3, 2], but the model's topology declares [3, 3]");
    expect(tf.memory().numTensors).to.equal(before);
  });

  it('without a checksum (tfjs-node layout model.json + weights.bin) still loads, and a truncated file names the weight and its shape', async () => {
    await modelA.save(fileSystemHandler(dir, {weightsFileName: 'weights.bin'}));
    const modelPath = path.join(dir, 'model.json');
    const json = JSON.parse(fs.readFileSync(modelPath, 'utf8'));
    delete json.weightsSha256;
    fs.writeFileSync(modelPath, JSON.stringify(json));
    expectClose(await loadPredictions(dir), predict(modelA), {atol: 0, rtol: 0});

    const weightsPath = path.join(dir, 'weights.bin');
    const bytes = fs.readFileSync(weightsPath);
    fs.writeFileSync(weightsPath, bytes.subarray(0, bytes.length - 4));
    const specs = json.weightsManifest[0].weights as {name: string; shape: number[]}[];
    const last = specs[specs.length - 1];
    expect(await rejection(tfl.loadLayersModel(fileSystemHandler(dir))))
      .to.contain(`the weights file ${weightsPath} holds ${bytes.length - 4} bytes, too few`)
      .and.contain(`weight '${last.name}' (shape [${last.shape.join(', ')}], float32)`);

    fs.writeFileSync(weightsPath, Buffer.concat([bytes, Buffer.alloc(8)]));
    expect(await rejection(tfl.loadLayersModel(fileSystemHandler(dir)))).to.contain(
      `holds ${bytes.length + 8} bytes, but the weights listed in ${modelPath} take ${bytes.length}`,
    );
  });

  for (const escaping of ['../outside.bin', '/etc/passwd', 'sub/../../outside.bin']) {
    it(`a manifest path ${escaping} outside the model's directory is refused`, async () => {
      const modelDir = path.join(dir, 'model');
      await modelA.save(fileSystemHandler(modelDir));
      fs.copyFileSync(path.join(modelDir, 'model.weights.bin'), path.join(dir, 'outside.bin'));
      const modelPath = path.join(modelDir, 'model.json');
      const json = JSON.parse(fs.readFileSync(modelPath, 'utf8'));
      json.weightsManifest[0].paths = [escaping];
      fs.writeFileSync(modelPath, JSON.stringify(json));
      expect(await rejection(tfl.loadLayersModel(fileSystemHandler(modelDir))))
        .to.contain(`fileSystemHandler.load: the weights manifest of ${modelPath} lists ${JSON.stringify(escaping)}`)
        .and.contain("outside the model's directory");
    });
  }

  it('saving and loading leak no tensors', async () => {
    const before = tf.memory().numTensors;
    await modelA.save(fileSystemHandler(dir));
    const loaded = await tfl.loadLayersModel(fileSystemHandler(dir));
    const weights = loaded.weights.length;
    loaded.dispose();
    expect(weights).to.be.above(0);
    expect(tf.memory().numTensors).to.equal(before);
  });
});
