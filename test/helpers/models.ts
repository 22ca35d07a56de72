/**
 * Model round trips shared by the persistence tests.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** Saves `model` through tf.io.withSaveHandler and loads the artifacts back with tf.io.fromMemory. */
export async function roundTripInMemory(model: tfl.LayersModel): Promise<tfl.LayersModel> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
    }),
  );
  return tfl.loadLayersModel(tf.io.fromMemory(artifacts!));
}
