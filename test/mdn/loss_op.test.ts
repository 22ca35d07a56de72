/**
 * The fused op behind mdnLoss (ops/mdn/loss_op.ts) beyond what test/mdn/loss.test.ts covers: the
 * gradient w.r.t. the targets, both gradients at once, the eager (tf.customGrad) path, the
 * benchmark's shape (K = 8, D = 2) and rows beyond the float32 bound.
 */
import * as tf from '@tensorflow/tfjs-core';
import {expect} from 'chai';

import {mdnLoss} from '../../src';
import {expectClose, expectNoLeak} from '../helpers/assertions';
import {describeOnMdnLossForms} from '../helpers/backends';
import {setGmmFlag} from '../helpers/flags';
import {MdnRefSpec, MdnType, plainMdnNLL, randomMdnCase, refMdnNLL} from '../helpers/reference_mdn';

const TYPES: MdnType[] = ['diag', 'spherical', 'full'];

/** Central differences of sum_n cotangent[n] nll_n w.r.t. every target entry (float64). */
function refTargetGradient(spec: MdnRefSpec, yPred: number[][], yTrue: number[][], cotangent: number[]): number[][] {
  return yTrue.map((target, n) =>
    target.map((value, d) => {
      const h = 1e-6 * Math.max(1, Math.abs(value));
      const at = (v: number) => {
        const perturbed = target.slice();
        perturbed[d] = v;
        return refMdnNLL(spec, [yPred[n]], [perturbed])[0];
      };
      return (cotangent[n] * (at(value + h) - at(value - h))) / (2 * h);
    }),
  );
}

function configOf(spec: MdnRefSpec) {
  return {nComponents: spec.K, outputDim: spec.D, covarianceType: spec.type, minScale: spec.minScale};
}

describeOnMdnLossForms('mdnLoss: the fused op', () => {
  for (const type of TYPES) {
    for (const D of [1, 2, 3]) {
      const spec: MdnRefSpec = {K: 4, D, type, minScale: 0.01};
      const {yPred, yTrue, cotangent} = randomMdnCase(spec, 6, 31 * D + TYPES.indexOf(type));

      it(`${type}, outputDim ${D}: gradient w.r.t. yTrue matches float64 central differences and plain autodiff`, async () => {
        const fd = refTargetGradient(spec, yPred, yTrue, cotangent);
        await expectNoLeak(() =>
          tf.tidy(() => {
            const p = tf.tensor2d(yPred);
            const g = tf.tensor1d(cotangent);
            const loss = mdnLoss(configOf(spec));
            const ours = tf.grad((y: tf.Tensor) => tf.sum(tf.mul(loss(y, p), g)))(tf.tensor2d(yTrue));
            const plain = tf.grad((y: tf.Tensor) => tf.sum(tf.mul(plainMdnNLL(spec, y, p), g)))(tf.tensor2d(yTrue));
            // float32 gradients of O(1-10) entries against exact ones: relative 1e-4 of the largest.
            const scale = Math.max(1, ...fd.flat().map(Math.abs));
            expectClose(ours, fd, {rtol: 1e-4, atol: 1e-4 * scale, label: 'vs finite differences'});
            expectClose(ours, plain, {rtol: 1e-4, atol: 1e-4 * scale, label: 'vs plain autodiff'});
          }),
        );
      });
    }

    it(`${type}: both gradients at once equal each alone, on the lazy and the eager path`, async () => {
      const spec: MdnRefSpec = {K: 3, D: 2, type, minScale: 1e-3};
      const {yPred, yTrue, cotangent} = randomMdnCase(spec, 5, 7 + TYPES.indexOf(type));
      const gradients = (lazy: boolean) => {
        const previous = setGmmFlag('GMM_LAZY_GRADIENTS', lazy);
        try {
          return tf.tidy(() => {
            const loss = mdnLoss(configOf(spec));
            const g = tf.tensor1d(cotangent);
            const f = (y: tf.Tensor, p: tf.Tensor) => tf.sum(tf.mul(loss(y, p), g));
            const y = tf.tensor2d(yTrue);
            const p = tf.tensor2d(yPred);
            const [dy, dp] = tf.grads(f)([y, p]);
            const dyAlone = tf.grad((t: tf.Tensor) => f(t, p))(y);
            const dpAlone = tf.grad((t: tf.Tensor) => f(y, t))(p);
            return [dy, dp, dyAlone, dpAlone].map((t) => Array.from(t.dataSync()));
          });
        } finally {
          setGmmFlag('GMM_LAZY_GRADIENTS', previous);
        }
      };
      await expectNoLeak(() => {
        const lazy = gradients(true);
        const eager = gradients(false);
        // The same ops in the same order: identical.
        expect(lazy[2]).to.deep.equal(lazy[0]);
        expect(lazy[3]).to.deep.equal(lazy[1]);
        expect(eager).to.deep.equal(lazy);
      });
    });

    it(`${type}: the gradient w.r.t. yTrue is computed only when asked for`, () => {
      const spec: MdnRefSpec = {K: 3, D: 2, type, minScale: 1e-3};
      const {yPred, yTrue} = randomMdnCase(spec, 4, 5);
      // Tensors made by one step: the engine numbers every tensor it makes (an internal counter).
      const engineClass = tf.engine().constructor as unknown as {nextTensorId: number};
      const tensorsMade = (wrt: 'yPred' | 'both') => {
        const before = engineClass.nextTensorId;
        tf.tidy(() => {
          const loss = mdnLoss(configOf(spec));
          const f = (y: tf.Tensor, p: tf.Tensor) => tf.sum(loss(y, p));
          const y = tf.tensor2d(yTrue);
          const p = tf.tensor2d(yPred);
          const out = wrt === 'both' ? tf.grads(f)([y, p]) : [tf.grad((t: tf.Tensor) => f(y, t))(p)];
          out.forEach((t) => t.dataSync());
        });
        return engineClass.nextTensorId - before;
      };
      // The targets' gradient (and, in tf ops, what it is made from) is made only when asked for.
      expect(tensorsMade('yPred')).to.be.lessThan(tensorsMade('both'));
    });

    it(`${type}: K = 8, D = 2 (the benchmark's shape): values and gradients equal float64 and plain autodiff`, async () => {
      const spec: MdnRefSpec = {K: 8, D: 2, type, minScale: 1e-3};
      const {yPred, yTrue, cotangent} = randomMdnCase(spec, 16, 3 + TYPES.indexOf(type));
      await expectNoLeak(() =>
        tf.tidy(() => {
          const loss = mdnLoss(configOf(spec));
          const y = tf.tensor2d(yTrue);
          const g = tf.tensor1d(cotangent);
          // Losses of a few units: a few float32 ulps of the terms.
          expectClose(loss(y, tf.tensor2d(yPred)), refMdnNLL(spec, yPred, yTrue), {rtol: 1e-5, atol: 1e-5});
          const ours = tf.grad((p: tf.Tensor) => tf.sum(tf.mul(loss(y, p), g)))(tf.tensor2d(yPred));
          const plain = tf.grad((p: tf.Tensor) => tf.sum(tf.mul(plainMdnNLL(spec, y, p), g)))(tf.tensor2d(yPred));
          const scale = Math.max(1, ...Array.from(plain.dataSync()).map(Math.abs));
          // Both float32: relative 1e-4 of the largest entry.
          expectClose(ours, plain, {rtol: 1e-4, atol: 1e-4 * scale});
        }),
      );
    });

    it(`${type}: a row beyond the float32 bound has loss +Infinity and no NaN in either gradient`, () => {
      const spec: MdnRefSpec = {K: 2, D: 2, type, minScale: 1e-3};
      const {yPred, yTrue} = randomMdnCase(spec, 2, 11);
      // Row 1: both means 1e30 away from the target, scales at the floor: every cost overflows.
      for (let p = 2; p < 6; p++) yPred[1][p] = 1e30;
      for (let p = 6; p < (type === 'spherical' ? 8 : 10); p++) yPred[1][p] = -100;
      yTrue[1] = [-1e30, -1e30];
      tf.tidy(() => {
        const loss = mdnLoss(configOf(spec));
        const value = Array.from(loss(tf.tensor2d(yTrue), tf.tensor2d(yPred)).dataSync());
        expect(Number.isFinite(value[0])).to.equal(true);
        expect(value[1]).to.equal(Infinity);
        const [dy, dp] = tf.grads((y: tf.Tensor, p: tf.Tensor) => tf.sum(loss(y, p)))([
          tf.tensor2d(yTrue),
          tf.tensor2d(yPred),
        ]);
        for (const gradient of [dy, dp]) expect(Array.from(gradient.dataSync()).some(Number.isNaN)).to.equal(false);
      });
    });
  }
});
