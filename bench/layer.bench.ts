/**
 * One GMMLayer training step (model.trainOnBatch: forward, backward, Adam update) at N = 16384,
 * D = 16, K = 16, against the same model whose layer computes the same math with plain tfjs ops
 * (tfjs autodiff for the gradient), and on wasm, for full, against the same layer with the
 * linear wasm layout of the shared triangular kernel (GMM_TRIANGULAR_LAYOUT = 'wasm', the default
 * before the feature-basis backward), the two models' steps alternating (a difference of ~10% is
 * lost in the drift of a loaded machine between two sequential measurements); and for full, where
 * the kernel's WebAssembly parts serve the backend, against the same layer with their tf-ops forms
 * (GMM_TRIANGULAR_WASM_KERNELS false), and where they run on several threads, against one thread
 * (GMM_KERNEL_THREADS = 1, steps interleaved). The layer is the model's first layer, so no input gradient
 * is needed; our op skips it.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type {Kwargs} from '@tensorflow/tfjs-layers/dist/types';

import {GMMLayer, gmmNLLLoss} from '../src';
import {kernelThreadsFor} from '../ops/kernels/wasm/kernel_threads';
import {wasmSquaredNormsAvailable} from '../ops/kernels/wasm/squared_norms';
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

/**
 * Median ms per step of two GMMLayer models, one with the flags as they are and one with `flag`
 * set to `value`, their steps alternating so that both see the same load.
 */
async function interleavedFlagTimes(
  flag: 'GMM_TRIANGULAR_LAYOUT' | 'GMM_KERNEL_THREADS',
  value: string | number,
  type: 'full' | 'diag',
  x: tf.Tensor,
  y: tf.Tensor,
  {warmup = 2, minReps = 5, minMs = 1000, maxReps = 50}: TimingOptions,
): Promise<{defaultMs: number; flagMs: number}> {
  const previous = tf.env().get(flag);
  const models = [previous, value].map((setting) => {
    const model = tfl.sequential({
      layers: [tfl.layers.inputLayer({inputShape: [D]}), new GMMLayer({nComponents: K, covarianceType: type})],
    });
    model.compile({optimizer: tf.train.adam(1e-3), loss: gmmNLLLoss});
    return {model, setting, times: [] as number[]};
  });
  try {
    const start = performance.now();
    for (let i = 0; i < warmup + maxReps; i++) {
      if (i >= warmup + minReps && performance.now() - start >= minMs) break;
      for (const m of models) {
        tf.env().set(flag, m.setting);
        const t0 = performance.now();
        await m.model.trainOnBatch(x, y);
        if (i >= warmup) m.times.push(performance.now() - t0);
      }
    }
  } finally {
    tf.env().set(flag, previous);
    for (const m of models) m.model.dispose();
  }
  const median = (t: number[]) => [...t].sort((p, q) => p - q)[Math.floor(t.length / 2)];
  return {defaultMs: median(models[0].times), flagMs: median(models[1].times)};
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
    if (type === 'full' && wasmSquaredNormsAvailable()) {
      tf.env().set('GMM_TRIANGULAR_WASM_KERNELS', false);
      const tfOpsMs = await stepTime(new GMMLayer({nComponents: K, covarianceType: type}), x, y, timing);
      tf.env().set('GMM_TRIANGULAR_WASM_KERNELS', true);
      rows.push({
        backend,
        case: `GMMLayer training step (trainOnBatch + Adam), ${type}`,
        oursMs,
        baselineMs: tfOpsMs,
        baseline: "same GMMLayer, the kernel's tf-ops forms (GMM_TRIANGULAR_WASM_KERNELS = false)",
      });
    }
    const interleaved = `GMMLayer training step (trainOnBatch + Adam), ${type}, steps interleaved with the baseline's`;
    if (backend === 'wasm' && type === 'full') {
      const {defaultMs, flagMs} = await interleavedFlagTimes('GMM_TRIANGULAR_LAYOUT', 'wasm', type, x, y, timing);
      rows.push({
        backend,
        case: interleaved,
        oursMs: defaultMs,
        baselineMs: flagMs,
        baseline: "same GMMLayer, GMM_TRIANGULAR_LAYOUT = 'wasm' (linear backward)",
      });
    }
    if (type === 'full' && kernelThreadsFor(N)) {
      const {defaultMs, flagMs} = await interleavedFlagTimes('GMM_KERNEL_THREADS', 1, type, x, y, timing);
      rows.push({
        backend,
        case: interleaved,
        oursMs: defaultMs,
        baselineMs: flagMs,
        baseline: 'same GMMLayer, its kernels on one thread (GMM_KERNEL_THREADS = 1)',
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
