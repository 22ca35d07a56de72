import * as tf from '@tensorflow/tfjs-core';
import {expect} from 'chai';

import {buildClusteringModel, generateClusteringData, trainClustering} from '../../examples/clustering';
import {gmmNLLLoss} from '../../src';
import {describeOnBackends} from '../helpers/backends';

describeOnBackends('example: differentiable clustering (Dense encoder + GMMLayer, trained with model.fit)', () => {
  it("the encoder's weights receive gradients through the GMMLayer", () => {
    const {model, encoder} = buildClusteringModel();
    const x = tf.tensor2d(generateClusteringData(90).x);
    const kernel = encoder.trainableWeights[0].read() as tf.Variable;
    const {grads} = tf.variableGrads(
      () => tf.mean(gmmNLLLoss(tf.zeros([90, 3]), model.apply(x) as tf.Tensor)) as tf.Scalar,
      [kernel],
    );
    const norm = tf.norm(grads[kernel.name]).dataSync()[0];
    expect(norm).to.be.above(1e-3);
    tf.dispose([x, ...Object.values(grads)]);
    model.dispose();
  });

  it('joint training lowers the NLL, beats the same mixture on a frozen encoder, and recovers the clusters', async () => {
    const joint = await trainClustering({epochs: 300});
    const frozen = await trainClustering({epochs: 300, trainEncoder: false});
    const last = (losses: number[]) => losses[losses.length - 1];
    expect(last(joint.losses)).to.be.below(joint.losses[0] - 1);
    // The clusters are sheared: a diagonal mixture fits them only after the learned unmixing.
    expect(last(joint.losses)).to.be.below(last(frozen.losses) - 1);
    expect(joint.accuracy).to.be.above(0.95);
    joint.model.dispose();
    frozen.model.dispose();
  });
});
