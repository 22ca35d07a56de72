/**
 * The weight shapes a model topology declares, checked against a weights manifest before tfjs
 * loads the weights: tfjs-layers' own check reports only "Shape mismatch: [3] vs. [2]".
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import {fail} from '../../ops/util/args';

/**
 * Builds the topology (without loading any weights), and fails naming the weight and both shapes
 * when a manifest entry of the same name has another shape. Weights the topology does not know
 * are left for tfjs-layers to report.
 */
export async function assertManifestMatchesTopology(
  fn: string,
  modelJSON: tf.io.ModelJSON,
  specs: tf.io.WeightsManifestEntry[],
  modelPath: string,
): Promise<void> {
  const model = await tfl.models.modelFromJSON({modelTopology: modelJSON.modelTopology} as tf.io.ModelJSON);
  try {
    const declared = new Map(model.weights.map((w) => [w.originalName, w.shape]));
    for (const spec of specs) {
      const shape = declared.get(spec.name);
      if (shape && (shape.length !== spec.shape.length || shape.some((n, i) => n !== spec.shape[i])))
        fail(
          fn,
          `weight ${spec.name} in ${modelPath} has shape [${spec.shape.join(', ')}], but the model's ` +
            `topology declares [${shape.join(', ')}]`,
        );
    }
  } finally {
    model.dispose();
  }
}
