/**
 * Saving and loading tfjs models in a directory from Node, without tfjs-node.
 */
import * as tf from '@tensorflow/tfjs-core';

import {assertKnownKeys, fail, optionKeys} from '../../ops/util/args';
import {nodeModules} from './node_fs';

/** Options of {@link fileSystemHandler}. */
export interface FileSystemHandlerOptions {
  /** Name of the weights file written by `save` (default 'weights.bin'). */
  weightsFileName?: string;
}

const FN = 'fileSystemHandler';
const OPTION_KEYS = optionKeys<FileSystemHandlerOptions>({weightsFileName: true});

/**
 * An IOHandler that writes and reads the standard tfjs artifacts, `model.json` plus a binary
 * weights file, in a directory: the layout tfjs-node's `file://` handler writes and that
 * `tf.loadLayersModel('https://.../model.json')` reads in a browser. Loading follows the paths in
 * the model's weights manifest, so models saved by a browser (`downloads://`, weights in
 * `<name>.weights.bin`) load too.
 *
 * @param location a directory (model.json inside it), or the path of a `.json` model file.
 * @example
 * await model.save(fileSystemHandler('./my-model'));
 * const loaded = await tf.loadLayersModel(fileSystemHandler('./my-model'));
 */
export function fileSystemHandler(location: string, options: FileSystemHandlerOptions = {}): tf.io.IOHandler {
  if (typeof location !== 'string' || location.length === 0)
    fail(FN, `location must be a non-empty path, but got ${JSON.stringify(location)}`);
  assertKnownKeys(FN, 'options', options, OPTION_KEYS);
  const weightsFileName = options.weightsFileName ?? 'weights.bin';
  if (/[\\/]/.test(weightsFileName))
    fail(FN, `weightsFileName must be a file name without directories, but got ${JSON.stringify(weightsFileName)}`);

  async function paths() {
    const {fs, path} = await nodeModules();
    const modelPath = location.toLowerCase().endsWith('.json') ? location : path.join(location, 'model.json');
    return {fs, path, modelPath, directory: path.dirname(modelPath)};
  }

  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      const topology = artifacts.modelTopology;
      if (!topology || topology instanceof ArrayBuffer)
        fail(`${FN}.save`, 'model artifacts must carry a JSON modelTopology (save a LayersModel)');
      const {fs, path, modelPath, directory} = await paths();
      const weightData =
        artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const modelJSON: tf.io.ModelJSON = {
        modelTopology: topology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{paths: [weightsFileName], weights: artifacts.weightSpecs ?? []}],
      };
      if (artifacts.trainingConfig) modelJSON.trainingConfig = artifacts.trainingConfig;
      if (artifacts.userDefinedMetadata) modelJSON.userDefinedMetadata = artifacts.userDefinedMetadata;
      if (artifacts.signature) modelJSON.signature = artifacts.signature;
      await fs.mkdir(directory, {recursive: true});
      await fs.writeFile(path.join(directory, weightsFileName), new Uint8Array(weightData));
      await fs.writeFile(modelPath, JSON.stringify(modelJSON));
      return {modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts)};
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      const {fs, path, modelPath, directory} = await paths();
      let text: string;
      try {
        text = await fs.readFile(modelPath, 'utf8');
      } catch (e) {
        return fail(`${FN}.load`, `cannot read the model file ${modelPath} (${(e as Error).message})`);
      }
      let modelJSON: tf.io.ModelJSON;
      try {
        modelJSON = JSON.parse(text);
      } catch (e) {
        return fail(`${FN}.load`, `${modelPath} is not valid JSON (${(e as Error).message})`);
      }
      if (!modelJSON || typeof modelJSON !== 'object' || !modelJSON.modelTopology)
        fail(`${FN}.load`, `${modelPath} must contain a modelTopology`);
      return tf.io.getModelArtifactsForJSON(modelJSON, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          for (const file of group.paths) {
            const filePath = path.join(directory, file);
            let bytes: Uint8Array;
            try {
              bytes = await fs.readFile(filePath);
            } catch (e) {
              return fail(
                `${FN}.load`,
                `cannot read the weights file ${filePath} listed in ${modelPath} (${(e as Error).message})`,
              );
            }
            buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
          }
        }
        return [specs, tf.io.concatenateArrayBuffers(buffers)];
      });
    },
  };
}
