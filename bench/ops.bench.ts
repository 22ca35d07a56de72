/**
 * Forward + backward of the mean NLL at N = 16384, D = 16, K = 16: our hand-written gradients
 * against tfjs autodiff through the same math (bench/plain_gmm.ts). Gradients are taken w.r.t.
 * the input and every parameter, as when a GMM layer sits after other layers.
 */
import * as tf from '@tensorflow/tfjs-core';

import {gmmLogProbPrecisionCholesky, gmmNLL, mixtureNLL} from '../src';
import {torchMsPerStep} from './torch';
import {BenchRow, TimingOptions, runAndSync, timeStep} from './harness';
import {plainDiagLogProb, plainFullLogProb, plainNLL, plainNaturalLogProb} from './plain_gmm';

const N = 16384;
const D = 16;
const K = 16;

/**
 * Arithmetic counted per step: for `full`, the three N x D x (K*D) matmuls of the algorithm
 * (forward Y, backward X^T (gY) and (gY) P^T): 6 N K D^2. For `diag`, 12 N K D elementwise
 * operations (difference, scale, square and sum forward; their adjoints backward).
 */
function flopsPerStep(type: 'full' | 'diag'): number {
  return type === 'full' ? 6 * N * K * D * D : 12 * N * K * D;
}

function setup(type: 'full' | 'diag') {
  return tf.tidy(() => {
    const x = tf.randomNormal([N, D], 0, 1, 'float32', 3) as tf.Tensor2D;
    const logits = tf.randomNormal([K], 0, 0.1, 'float32', 4);
    const means = tf.randomNormal([K, D], 0, 1, 'float32', 5);
    const factor =
      type === 'full'
        ? tf.add(tf.mul(tf.eye(D, D, [K]), 1.2), tf.mul(tf.randomNormal([K, D, D], 0, 0.05, 'float32', 6), 1))
        : tf.add(tf.randomUniform([K, D], 0, 0.5, 'float32', 6), 0.8);
    // Covariances matching the factor, for the natural-parameter rows.
    const weights = tf.softmax(logits);
    const covariances =
      type === 'full'
        ? tf.add(tf.mul(tf.eye(D, D, [K]), 0.7), tf.div(tf.matMul(factor, tf.transpose(factor, [0, 2, 1])), 4 * D))
        : tf.reciprocal(tf.square(factor));
    return {x, logits, means, factor, weights, covariances};
  });
}

export function benchOps(backend: string, matMulGflops: number, timing: TimingOptions): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const type of ['full', 'diag'] as const) {
    const p = setup(type);
    const plain = type === 'full' ? plainFullLogProb : plainDiagLogProb;

    const oursMs = timeStep(
      () =>
        runAndSync(() =>
          tf.grads((x: tf.Tensor, l: tf.Tensor, m: tf.Tensor, f: tf.Tensor) =>
            mixtureNLL(gmmLogProbPrecisionCholesky(x, l, m, f, type)),
          )([p.x, p.logits, p.means, p.factor]),
        ),
      timing,
    );
    const baselineMs = timeStep(
      () =>
        runAndSync(() =>
          tf.grads((x: tf.Tensor, l: tf.Tensor, m: tf.Tensor, f: tf.Tensor) =>
            plainNLL(plain(x as tf.Tensor2D, l, m, f)),
          )([p.x, p.logits, p.means, p.factor]),
        ),
      timing,
    );
    rows.push({
      backend,
      case: `NLL fwd+bwd, precision Cholesky, ${type}`,
      oursMs,
      baselineMs,
      baseline: 'tfjs autodiff, same math',
      gflops: flopsPerStep(type) / oursMs / 1e6,
      matMulGflops,
    });
    const torch = torchMsPerStep('nll', type, {x: p.x, means: p.means});
    if (torch) {
      rows.push({
        backend,
        case: `NLL fwd+bwd, precision Cholesky, ${type}`,
        oursMs,
        baselineMs: torch.ms,
        baseline: torch.label,
      });
    }

    const oursNaturalMs = timeStep(
      () =>
        runAndSync(() =>
          tf.grads((x: tf.Tensor, w: tf.Tensor, m: tf.Tensor, c: tf.Tensor) => gmmNLL(x, w, m, c, type))([
            p.x,
            p.weights,
            p.means,
            p.covariances,
          ]),
        ),
      timing,
    );
    const baselineNaturalMs = timeStep(
      () =>
        runAndSync(() =>
          tf.grads((x: tf.Tensor, w: tf.Tensor, m: tf.Tensor, c: tf.Tensor) =>
            plainNLL(plainNaturalLogProb(type, x as tf.Tensor2D, w, m, c)),
          )([p.x, p.weights, p.means, p.covariances]),
        ),
      timing,
    );
    rows.push({
      backend,
      case: `NLL fwd+bwd, covariances (gmmNLL), ${type}`,
      oursMs: oursNaturalMs,
      baselineMs: baselineNaturalMs,
      baseline: 'tfjs autodiff, same math',
      gflops: flopsPerStep(type) / oursNaturalMs / 1e6,
      matMulGflops,
    });
    tf.dispose(Object.values(p));
  }
  return rows;
}
