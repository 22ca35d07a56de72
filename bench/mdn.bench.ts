/**
 * Forward + backward (gradient w.r.t. the head's output) of the mixture-density loss at
 * batch 4096, K = 8, D = 2: `mdnLoss` (one op from the packed output, with a hand-written VJP to
 * it; on host-memory backends its WebAssembly kernel) against the same loss written as plain
 * tfjs ops (the head's decoding, then the per-sample likelihood), differentiated by autodiff, and
 * against the op's own tf-ops form (GMM_MDN_WASM_KERNEL false).
 */
import * as tf from '@tensorflow/tfjs-core';

import {mdnLoss, mdnParamsSize} from '../src';
import {decodeMdn} from '../ops/mdn/decode';
import {fusedMdnNllAvailable} from '../ops/mdn/fused_kernel';
import {resolveMdnSpec} from '../ops/mdn/spec';
import {torchMsPerStep} from './torch';
import {BenchRow, TimingOptions, runAndSync, timeStep} from './harness';
import {plainPerSampleLogProb} from './plain_gmm';

const N = 4096;
const K = 8;
const D = 2;

export function benchMdn(backend: string, _matMulGflops: number, timing: TimingOptions): BenchRow[] {
  // A step is short here, and the cpu backend's times vary by +-30% from step to step (garbage
  // collection of its typed arrays): take the median of more repetitions.
  const reps: TimingOptions = {...timing, minReps: Math.max(timing.minReps ?? 5, 11)};
  const rows: BenchRow[] = [];
  for (const covarianceType of ['diag', 'full'] as const) {
    const spec = resolveMdnSpec('bench', {nComponents: K, outputDim: D, covarianceType});
    const yPred = tf.randomNormal([N, mdnParamsSize(K, D, covarianceType)], 0, 1, 'float32', 1);
    const yTrue = tf.randomNormal([N, D], 0, 1, 'float32', 2);
    const loss = mdnLoss(spec);
    const plainLoss = (p: tf.Tensor) => {
      const {logits, means, factor} = decodeMdn(p as tf.Tensor2D, spec);
      return tf.neg(
        tf.mean(tf.logSumExp(plainPerSampleLogProb(yTrue as tf.Tensor2D, logits, means, factor, covarianceType), 1)),
      );
    };
    const step = () => runAndSync(() => tf.grad((p: tf.Tensor) => tf.mean(loss(yTrue, p)))(yPred));
    const oursMs = timeStep(step, reps);
    const baselineMs = timeStep(() => runAndSync(() => tf.grad(plainLoss)(yPred)), reps);
    const label = `MDN loss fwd+bwd (d/dyPred), batch ${N}, K=${K}, D=${D}, ${covarianceType}`;
    rows.push({backend, case: label, oursMs, baselineMs, baseline: 'same loss, plain tf ops, autodiff'});
    if (fusedMdnNllAvailable()) {
      tf.env().set('GMM_MDN_WASM_KERNEL', false);
      const tfOpsMs = timeStep(step, reps);
      tf.env().set('GMM_MDN_WASM_KERNEL', true);
      rows.push({backend, case: label, oursMs, baselineMs: tfOpsMs, baseline: "the op's tf-ops form (no kernel)"});
    }
    const torch = torchMsPerStep('mdn', covarianceType, {yTrue, yPred}, {K, D}, reps.minReps);
    if (torch) {
      rows.push({
        backend,
        case: `MDN loss fwd+bwd (d/dyPred), batch ${N}, K=${K}, D=${D}, ${covarianceType}`,
        oursMs,
        baselineMs: torch.ms,
        baseline: torch.label,
      });
    }
    tf.dispose([yPred, yTrue]);
  }
  return rows;
}
