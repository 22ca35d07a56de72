/**
 * Saving and loading tfjs models in a directory from Node, without tfjs-node.
 */
import * as tf from '@tensorflow/tfjs-core';

import {assertKnownKeys, fail, optionKeys} from '../../ops/util/args';
import {writeFilesAtomically} from './atomic_write';
import {nodeModules, type NodeModules} from './node_fs';
import {assertManifestMatchesTopology} from './topology_shapes';
import {assertInsideDirectory, assertWeightsFit} from './weights_integrity';

/** Options of {@link fileSystemHandler}. */
export interface FileSystemHandlerOptions {
  /**
   * Name of the weights file written by `save` (default: the model file's name with `.json`
   * replaced by `.weights.bin`, e.g. `model.weights.bin`, `a.weights.bin` for `a.json`).
   */
  weightsFileName?: string;
}

const FN = 'fileSystemHandler';
const OPTION_KEYS = optionKeys<FileSystemHandlerOptions>({weightsFileName: true});

/** The model.json this handler writes: tfjs's, plus the SHA-256 of the weights bytes. */
interface CheckedModelJSON extends tf.io.ModelJSON {
  weightsSha256?: string;
}

/**
 * An IOHandler that writes and reads the standard tfjs artifacts, a model JSON file plus a binary
 * weights file, in a directory: the layout `tf.loadLayersModel('https://.../model.json')` reads in
 * a browser. The weights file is named after the model file (`a.json` -> `a.weights.bin`), so
 * several models can share a directory. `save` writes both files to temporary files and renames
 * them into place only once both are written: a failed save leaves the previous model whole.
 * `model.json` records the SHA-256 of the weights (`weightsSha256`), and `load` verifies it, the
 * size of every weight, and that the manifest names files inside the model's directory only.
 * Loading follows the paths in the weights manifest, so tfjs-node's layout (`weights.bin`) and
 * models saved by a browser (`downloads://`, `<name>.weights.bin`) load too.
 *
 * @param location a directory (model.json inside it), or the path of a `.json` model file.
 * @example
 * await model.save(fileSystemHandler('./my-model'));
 * const loaded = await tf.loadLayersModel(fileSystemHandler('./my-model'));
 */
export function fileSystemHandler(location: string, options: FileSystemHandlerOptions = {}): tf.io.IOHandler {
  return fileSystemHandlerOn(nodeModules, location, options);
}

/** {@link fileSystemHandler} on a given file system (tests inject faults through it). */
export function fileSystemHandlerOn(
  loadModules: () => Promise<NodeModules>,
  location: string,
  options: FileSystemHandlerOptions = {},
): tf.io.IOHandler {
  if (typeof location !== 'string' || location.length === 0)
    fail(FN, `location must be a non-empty path, but got ${JSON.stringify(location)}`);
  assertKnownKeys(FN, 'options', options, OPTION_KEYS);
  if (options.weightsFileName !== undefined && !/^[^\\/]+$/.test(options.weightsFileName))
    fail(
      FN,
      `weightsFileName must be a file name without directories, but got ${JSON.stringify(options.weightsFileName)}`,
    );

  async function paths() {
    const modules = await loadModules();
    const {path} = modules;
    const modelPath = location.toLowerCase().endsWith('.json') ? location : path.join(location, 'model.json');
    const weightsFileName =
      options.weightsFileName ?? `${path.basename(modelPath).slice(0, -'.json'.length)}.weights.bin`;
    return {modules, modelPath, directory: path.dirname(modelPath), weightsFileName};
  }

  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      const topology = artifacts.modelTopology;
      if (!topology || topology instanceof ArrayBuffer)
        fail(`${FN}.save`, 'model artifacts must carry a JSON modelTopology (save a LayersModel)');
      const {modules, modelPath, directory, weightsFileName} = await paths();
      const weightData = new Uint8Array(
        artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData),
      );
      const modelJSON: CheckedModelJSON = {
        modelTopology: topology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{paths: [weightsFileName], weights: artifacts.weightSpecs ?? []}],
        weightsSha256: modules.sha256(weightData),
      };
      if (artifacts.trainingConfig) modelJSON.trainingConfig = artifacts.trainingConfig;
      if (artifacts.userDefinedMetadata) modelJSON.userDefinedMetadata = artifacts.userDefinedMetadata;
      if (artifacts.signature) modelJSON.signature = artifacts.signature;
      try {
        await modules.fs.mkdir(directory, {recursive: true});
      } catch (e) {
        fail(`${FN}.save`, `cannot create the directory ${directory} (${(e as Error).message})`);
      }
      // The model file goes last: renaming it into place is what makes the new model visible.
      await writeFilesAtomically(`${FN}.save`, modules, modules.randomSuffix(), [
        {path: modules.path.join(directory, weightsFileName), data: weightData},
        {path: modelPath, data: JSON.stringify(modelJSON)},
      ]);
      return {modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts)};
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      const {modules, modelPath, directory} = await paths();
      const {fs, path} = modules;
      let text: string;
      try {
        text = await fs.readFile(modelPath, 'utf8');
      } catch (e) {
        return fail(`${FN}.load`, `cannot read the model file ${modelPath} (${(e as Error).message})`);
      }
      let modelJSON: CheckedModelJSON;
      try {
        modelJSON = JSON.parse(text);
      } catch (e) {
        return fail(`${FN}.load`, `${modelPath} is not valid JSON (${(e as Error).message})`);
      }
      if (!modelJSON || typeof modelJSON !== 'object' || !modelJSON.modelTopology)
        fail(`${FN}.load`, `${modelPath} must contain a modelTopology`);
      const checksum = modelJSON.weightsSha256;
      if (checksum !== undefined && (typeof checksum !== 'string' || !/^[0-9a-f]{64}$/.test(checksum)))
        fail(
          `${FN}.load`,
          `weightsSha256 in ${modelPath} must be 64 hexadecimal digits, but got ${JSON.stringify(checksum)}`,
        );
      if (modelJSON.weightsManifest !== undefined && !Array.isArray(modelJSON.weightsManifest))
        fail(`${FN}.load`, `weightsManifest in ${modelPath} must be an array of {paths, weights} groups`);
      return tf.io.getModelArtifactsForJSON(modelJSON, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const files = manifest.flatMap((group) =>
          group.paths.map((file) => assertInsideDirectory(`${FN}.load`, path, directory, file, modelPath)),
        );
        const chunks: Uint8Array[] = [];
        for (const filePath of files) {
          try {
            chunks.push(await fs.readFile(filePath));
          } catch (e) {
            return fail(
              `${FN}.load`,
              `cannot read the weights file ${filePath} listed in ${modelPath} (${(e as Error).message})`,
            );
          }
        }
        const bytes = concatenate(chunks);
        const fileNames = files.length === 1 ? `the weights file ${files[0]}` : `the weights files ${files.join(', ')}`;
        if (checksum !== undefined && modules.sha256(bytes) !== checksum)
          fail(
            `${FN}.load`,
            `${fileNames} does not match the SHA-256 recorded in ${modelPath} ` +
              '(the file is corrupt, truncated or belongs to another model)',
          );
        assertWeightsFit(`${FN}.load`, specs, bytes.byteLength, fileNames, modelPath);
        await assertManifestMatchesTopology(`${FN}.load`, modelJSON, specs, modelPath);
        return [specs, bytes.buffer as ArrayBuffer];
      });
    },
  };
}

function concatenate(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
