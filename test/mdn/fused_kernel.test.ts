/**
 * The WebAssembly kernel of the mixture-density loss (ops/mdn/fused_kernel.ts): that it serves
 * the host-memory backends, batches of any size (rows past a multiple of four, several blocks)
 * against float64. The loss suites (loss.test.ts, loss_op.test.ts, extremes.test.ts) run on both
 * forms; test/ops/wasm_kernels.test.ts checks that the binary is the build of its source.
 */
import * as tf from '@tensorflow/tfjs-core';
import {expect} from 'chai';

import {mdnLoss} from '../../src';
import {expectClose, expectNoLeak} from '../helpers/assertions';
import {countReads, describeOnBackends} from '../helpers/backends';
import {setGmmFlag} from '../helpers/flags';
import {MdnRefSpec, MdnType, randomMdnCase, refMdnGradient, refMdnNLL} from '../helpers/reference_mdn';

/** The names of the kernels one forward and backward of the loss runs (the gradient w.r.t. yPred). */
function kernelsOfStep(spec: MdnRefSpec, kernel: boolean): Promise<string[]> {
  const previous = setGmmFlag('GMM_MDN_WASM_KERNEL', kernel);
  const {yPred, yTrue} = randomMdnCase(spec, 8, 3);
  const loss = mdnLoss({nComponents: spec.K, outputDim: spec.D, covarianceType: spec.type, minScale: spec.minScale});
  // The first call checks the targets' scale against the mixtures' (once per loss): not profiled.
  tf.tidy(() => loss(tf.tensor2d(yTrue), tf.tensor2d(yPred))).dispose();
  return tf
    .profile(() =>
      tf.tidy(() => {
        const y = tf.tensor2d(yTrue);
        return tf.grad((p: tf.Tensor) => tf.sum(loss(y, p)))(tf.tensor2d(yPred));
      }),
    )
    .then((info) => {
      tf.dispose(info.result as tf.Tensor);
      return info.kernels.map((k) => k.name);
    })
    .finally(() => setGmmFlag('GMM_MDN_WASM_KERNEL', previous));
}

describeOnBackends('mdnLoss: the WebAssembly kernel', (backend) => {
  it('serves this backend unless GMM_MDN_WASM_KERNEL is false: a handful of kernels instead of ~80', async () => {
    const spec: MdnRefSpec = {K: 8, D: 2, type: 'diag', minScale: 1e-3};
    const fused = await expectNoLeak(() => kernelsOfStep(spec, true));
    const tfOps = await expectNoLeak(() => kernelsOfStep(spec, false));
    // Fused: the saved gradients' copies, the upstream gradient onto the rows (reshape, matMul)
    // and its product with the saved gradient, with the test's sum and its gradient: 10.
    expect(fused.length, fused.join(', ')).to.be.below(12);
    expect(tfOps.length, tfOps.join(', ')).to.be.above(40);
  });

  it(
    backend === 'wasm'
      ? 'works on the tensors in place on the backend heap (nothing is read back)'
      : 'copies the rows through a memory of its own (the backend reads both inputs back)',
    async () => {
      const spec: MdnRefSpec = {K: 3, D: 2, type: 'full', minScale: 1e-3};
      const {yPred, yTrue} = randomMdnCase(spec, 7, 5);
      const loss = mdnLoss({nComponents: 3, outputDim: 2, covarianceType: 'full', minScale: 1e-3});
      const y = tf.tensor2d(yTrue);
      const p = tf.tensor2d(yPred);
      // The first call checks the targets' scale against the mixtures' (a read of its own).
      tf.tidy(() => loss(y, p)).dispose();
      await expectNoLeak(() => {
        expect(countReads(() => tf.tidy(() => loss(y, p)).dispose())).to.equal(backend === 'wasm' ? 0 : 2);
      });
      tf.dispose([y, p]);
    },
  );

  for (const [type, K, D] of [
    ['diag', 8, 2],
    ['spherical', 3, 3],
    ['full', 4, 3],
    ['full', 2, 1],
  ] as Array<[MdnType, number, number]>) {
    it(`${type}, K = ${K}, D = ${D}: 4,103 rows (past a multiple of four, two blocks) equal float64, gradients too`, async () => {
      const spec: MdnRefSpec = {K, D, type, minScale: 1e-2};
      const N = 4103;
      const {yPred, yTrue, cotangent} = randomMdnCase(spec, N, 17 * K + D);
      const loss = mdnLoss({nComponents: K, outputDim: D, covarianceType: type, minScale: spec.minScale});
      // The gradient's finite differences on a sample of rows: the first, either side of the
      // block boundary at 4096, and the last three (in the padded group of four).
      const checked = [0, 1, 4095, 4096, 4097, N - 3, N - 2, N - 1];
      const reference = refMdnGradient(
        spec,
        checked.map((n) => yPred[n]),
        checked.map((n) => yTrue[n]),
        checked.map((n) => cotangent[n]),
      );
      await expectNoLeak(() =>
        tf.tidy(() => {
          const y = tf.tensor2d(yTrue);
          const p = tf.tensor2d(yPred);
          // Losses of a few nats in float32: a few ulps of the terms.
          expectClose(loss(y, p), refMdnNLL(spec, yPred, yTrue), {rtol: 1e-5, atol: 1e-5, label: 'nll'});
          const g = tf.tensor1d(cotangent);
          const gradient = tf
            .grad((t: tf.Tensor) => tf.sum(tf.mul(loss(y, t), g)))(p)
            .arraySync() as number[][];
          const ours = checked.map((n) => gradient[n]);
          const scale = Math.max(1, ...reference.flat().map(Math.abs));
          expectClose(ours, reference, {rtol: 1e-4, atol: 1e-4 * scale, label: 'gradient'});
        }),
      );
    });
  }
});
