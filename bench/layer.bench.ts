/**
 * One GMMLayer training step (model.trainOnBatch: forward, backward, Adam update) at N = 16384,
 * D = 16, K = 16, against the same model whose layer computes the same math with plain tfjs ops
 * (tfjs autodiff for the gradient), and on wasm, for full, against the same layer with the
 * linear wasm layout of the shared triangular kernel (GMM_TRIANGULAR_LAYOUT = 'wasm', the default
 * before the feature-basis backward). The layer is the model's first layer, so no input gradient
 * is needed; our op skips it.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type {Kwargs} from '@tensorflow/tfjs-layers/dist/types';

import {GMMLayer, gmmNLLLoss} from '../src';
import {gmmFlag} from '../ops/flags';
import {diagMatrix, triangleMask} from '../ops/linalg/matrix_utils';
import {torchMsPerStep} from './torch';
import {BenchRow, TimingOptions, timeStepAsync} from './harness';
import {plainDiagLogProb, plainFullLogProb} from './plain_gmm';

const N = 16384;
const D = 16;
const K = 16;

/** GMMLayer's parameterisation, with the log-probabilities written as plain tfjs ops. */
class PlainGMMLayer extends tfl.layers.Layer {
  static className = 'PlainGMMLayer';
  private weightsByName: Record<string, tfl.LayerVariable> = {};
  constructor(private readonly covarianceType: 'full' | 'diag') {
    super({});
  }
  override build(): void {
    const add = (name: string, shape: number[], init: Parameters<typeof tfl.initializers.constant>[0]['value']) =>
      (this.weightsByName[name] = this.addWeight(name, shape, 'float32', tfl.initializers.constant({value: init})));
    add('logits', [K], 0);
    this.weightsByName.means = this.addWeight('means', [K, D], 'float32', tfl.initializers.randomNormal({seed: 1}));
    add('rawVariances', [K, D], Math.log(Math.E - 1));
    if (this.covarianceType === 'full') add('precisionOffDiagonal', [K, D, D], 0);
    this.built = true;
  }
  override computeOutputShape(inputShape: tfl.Shape): tfl.Shape {
    return [inputShape[0], K];
  }
  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor2D;
      const w = this.weightsByName;
      const diagonal = tf.rsqrt(tf.add(tf.softplus(w.rawVariances.read()), 1e-3));
      if (this.covarianceType === 'diag') return plainDiagLogProb(x, w.logits.read(), w.means.read(), diagonal);
      const factor = tf.add(diagMatrix(diagonal), tf.mul(w.precisionOffDiagonal.read(), triangleMask(D, false, false)));
      return plainFullLogProb(x, w.logits.read(), w.means.read(), factor);
    });
  }
}

/** stepTime with the GMM_TRIANGULAR_LAYOUT flag set to `layout` for the measurement. */
async function stepTimeWithLayout(
  layout: 'wasm',
  layer: tfl.layers.Layer,
  x: tf.Tensor,
  y: tf.Tensor,
  timing: TimingOptions,
): Promise<number> {
  const previous = gmmFlag('GMM_TRIANGULAR_LAYOUT');
  tf.env().set('GMM_TRIANGULAR_LAYOUT', layout);
  try {
    return await stepTime(layer, x, y, timing);
  } finally {
    tf.env().set('GMM_TRIANGULAR_LAYOUT', previous);
  }
}

async function stepTime(layer: tfl.layers.Layer, x: tf.Tensor, y: tf.Tensor, timing: TimingOptions): Promise<number> {
  const model = tfl.sequential({layers: [tfl.layers.inputLayer({inputShape: [D]}), layer]});
  model.compile({optimizer: tf.train.adam(1e-3), loss: gmmNLLLoss});
  // trainOnBatch resolves after reading the loss back, so the step has finished.
  const ms = await timeStepAsync(() => model.trainOnBatch(x, y), timing);
  model.dispose();
  return ms;
}

export async function benchLayer(backend: string, _matMulGflops: number, timing: TimingOptions): Promise<BenchRow[]> {
  const x = tf.randomNormal([N, D], 0, 1, 'float32', 3);
  const y = tf.zeros([N, K]);
  const rows: BenchRow[] = [];
  for (const type of ['full', 'diag'] as const) {
    const oursMs = await stepTime(new GMMLayer({nComponents: K, covarianceType: type}), x, y, timing);
    const baselineMs = await stepTime(new PlainGMMLayer(type), x, y, timing);
    rows.push({
      backend,
      case: `GMMLayer training step (trainOnBatch + Adam), ${type}`,
      oursMs,
      baselineMs,
      baseline: 'same layer in plain tf ops, autodiff',
    });
    if (backend === 'wasm' && type === 'full') {
      const layoutMs = await stepTimeWithLayout(
        'wasm',
        new GMMLayer({nComponents: K, covarianceType: type}),
        x,
        y,
        timing,
      );
      rows.push({
        backend,
        case: `GMMLayer training step (trainOnBatch + Adam), ${type}`,
        oursMs,
        baselineMs: layoutMs,
        baseline: "same GMMLayer, GMM_TRIANGULAR_LAYOUT = 'wasm' (linear backward)",
      });
    }
    const means = tf.randomNormal([K, D], 0, 1, 'float32', 1);
    const torch = torchMsPerStep('layer', type, {x, means});
    means.dispose();
    if (torch) {
      rows.push({
        backend,
        case: `GMMLayer training step (trainOnBatch + Adam), ${type}`,
        oursMs,
        baselineMs: torch.ms,
        baseline: `${torch.label}, Adam`,
      });
    }
  }
  tf.dispose([x, y]);
  return rows;
}
