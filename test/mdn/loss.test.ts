import * as tf from '@tensorflow/tfjs-core';
import {expect} from 'chai';

import {mdnLoss, mdnParamsSize} from '../../src';
import {expectClose, expectNoLeak, expectThrowsWith} from '../helpers/assertions';
import {describeOnMdnLossForms} from '../helpers/backends';
import {
  MdnRefSpec,
  MdnType,
  plainMdnNLL,
  randomMdnCase,
  refMdnGradient,
  refMdnNLL,
  refParamsSize,
} from '../helpers/reference_mdn';

const TYPES: MdnType[] = ['diag', 'spherical', 'full'];

describeOnMdnLossForms('mdnLoss', () => {
  for (const type of TYPES) {
    for (const D of [1, 2, 3]) {
      describe(`${type}, outputDim ${D}`, () => {
        const spec: MdnRefSpec = {K: 3, D, type, minScale: 0.01};
        const config = {nComponents: 3, outputDim: D, covarianceType: type, minScale: 0.01};
        const {yPred, yTrue, cotangent} = randomMdnCase(spec, 5, 100 * D + TYPES.indexOf(type));

        it('per-row NLL equals the float64 reference decoded from the documented layout', async () => {
          expect(mdnParamsSize(3, D, type)).to.equal(refParamsSize(spec));
          await expectNoLeak(() =>
            tf.tidy(() => {
              const loss = mdnLoss(config)(tf.tensor2d(yTrue), tf.tensor2d(yPred));
              expect(loss.shape).to.deep.equal([5]);
              // float32 evaluation of values of a few units: a few ulps of the terms.
              expectClose(loss, refMdnNLL(spec, yPred, yTrue), {rtol: 1e-5, atol: 1e-5});
            }),
          );
        });

        it('gradient w.r.t. yPred matches float64 central differences and autodiff of a plain tfjs composite', async () => {
          const fd = refMdnGradient(spec, yPred, yTrue, cotangent);
          await expectNoLeak(() =>
            tf.tidy(() => {
              const y = tf.tensor2d(yTrue);
              const g = tf.tensor1d(cotangent);
              const ours = tf.grad((p: tf.Tensor) => tf.sum(tf.mul(mdnLoss(config)(y, p), g)))(tf.tensor2d(yPred));
              const plain = tf.grad((p: tf.Tensor) => tf.sum(tf.mul(plainMdnNLL(spec, y, p), g)))(tf.tensor2d(yPred));
              // float32 gradients of O(1-10) entries against exact ones: relative 1e-4 of the largest.
              const scale = Math.max(1, ...fd.flat().map(Math.abs));
              expectClose(ours, fd, {rtol: 1e-4, atol: 1e-4 * scale, label: 'vs finite differences'});
              expectClose(ours, plain, {rtol: 1e-4, atol: 1e-4 * scale, label: 'vs plain autodiff'});
            }),
          );
        });
      });
    }
  }

  describe('robustness', () => {
    for (const type of TYPES) {
      it(`${type}: targets 1e3 away, a weight of exp(-200) and scales at the minScale floor give finite values and gradients`, () => {
        const spec: MdnRefSpec = {K: 3, D: 2, type, minScale: 1e-3};
        const P = refParamsSize(spec);
        const rows: number[][] = [];
        for (let n = 0; n < 3; n++) {
          const row = new Array(P).fill(0);
          row[1] = -200; // component 1's weight is exp(-200): 0 in float32
          for (let p = 3; p < 9; p++) row[p] = 0.3 * (p - 5); // means within [-0.6, 0.9]
          for (let p = 9; p < (type === 'spherical' ? 12 : 15); p++) row[p] = n === 2 ? -60 : 0.5; // row 2: sigma = minScale
          if (type === 'full') for (let p = 15; p < P; p++) row[p] = 0.7;
          rows.push(row);
        }
        const targets = [
          [1e3, -1e3],
          [0.1, 0.2],
          [3, -2],
        ];
        tf.tidy(() => {
          const y = tf.tensor2d(targets);
          const loss = mdnLoss({nComponents: 3, outputDim: 2, covarianceType: type, minScale: 1e-3});
          const value = loss(y, tf.tensor2d(rows));
          // Row 0: ~5e5 nats (1e3 / sigma squared); row 2: ~1e7 (3 / 1e-3 squared): float32 keeps 7 digits.
          expectClose(value, refMdnNLL(spec, rows, targets), {rtol: 1e-5, atol: 1e-4});
          const grad = tf.grad((p: tf.Tensor) => tf.sum(loss(y, p)))(tf.tensor2d(rows));
          expect(Array.from(grad.dataSync()).every(Number.isFinite), 'finite gradient').to.equal(true);
          // The underflowed component has responsibility 0 and gets no gradient on its mean.
          expect(Array.from(tf.slice(grad, [0, 5], [3, 2]).dataSync()).every((v) => v === 0)).to.equal(true);
        });
      });
    }
  });

  describe('validation', () => {
    it('rejects a bad spec when the loss is made, and bad shapes when it is called', () => {
      expectThrowsWith(
        () => mdnLoss({nComponents: 0, outputDim: 2}),
        'mdnLoss: nComponents must be an integer >= 1, but got 0',
      );
      expectThrowsWith(
        () => mdnLoss({nComponents: 2, outputDim: 1.5}),
        'mdnLoss: outputDim must be an integer >= 1, but got 1.5',
      );
      expectThrowsWith(
        () => mdnLoss({nComponents: 2, outputDim: 2, covarianceType: 'tied' as never}),
        "mdnLoss: covarianceType must be one of 'diag', 'spherical', 'full', but got \"tied\" (a mixture-density head predicts every component's covariance per row, so there is nothing to tie; use 'full')",
      );
      expectThrowsWith(
        () => mdnLoss({nComponents: 2, outputDim: 2, covarianceType: 'isotropic' as never}),
        "mdnLoss: covarianceType must be one of 'diag', 'spherical', 'full', but got \"isotropic\"",
      );
      expectThrowsWith(
        () => mdnLoss({nComponents: 2, outputDim: 2, minScale: 0}),
        'mdnLoss: minScale must be a finite number > 0, but got 0',
      );
      expectThrowsWith(
        () => mdnLoss(undefined as never),
        'mdnLoss: spec must be an object {nComponents, outputDim, covarianceType?, minScale?} (or a MixtureDensityHead), but got undefined',
      );
      const loss = mdnLoss({nComponents: 3, outputDim: 2});
      expectThrowsWith(
        () => loss(tf.zeros([4, 2]), tf.zeros([4, 10])),
        "mdnLoss: yPred must have shape [batch, 15] (P = paramsSize(3, 2, 'diag')), but got [4, 10]",
      );
      expectThrowsWith(
        () => loss(tf.zeros([4, 3]), tf.zeros([4, 15])),
        'mdnLoss: yTrue must have shape [4, 2] (the batch of yPred, outputDim), but got [4, 3]',
      );
      expectThrowsWith(
        () => loss(tf.zeros([5, 2]), tf.zeros([4, 15])),
        'mdnLoss: yTrue must have shape [4, 2] (the batch of yPred, outputDim), but got [5, 2]',
      );
    });
  });
});
