import * as tf from '@tensorflow/tfjs-core';
import {expect} from 'chai';

import {
  gmmLogLikelihood,
  gmmLogProb,
  gmmNLL,
  mixtureLogLikelihood,
  mixtureNLL,
  mixtureResponsibilities,
} from '../../src';
import {expectClose, expectNoLeak} from '../helpers/assertions';
import {describeOnBackends} from '../helpers/backends';

function allFinite(t: tf.Tensor): boolean {
  return Array.from(t.dataSync()).every(Number.isFinite);
}

describeOnBackends('edge cases: -Infinity rows, zero weights, sample weights', () => {
  const weights = [0.4, 0.6];
  const means = [
    [0, 0],
    [2, 1],
  ];
  const covariances = [
    [
      [1, 0.2],
      [0.2, 1],
    ],
    [
      [0.5, 0],
      [0, 2],
    ],
  ];

  it('a row whose components are all -Infinity gives -Infinity and a zero gradient, never NaN', async () => {
    await expectNoLeak(() =>
      tf.tidy(() => {
        const x = tf.tensor2d([
          [0.5, 0.1],
          [1.5, 1],
          [1e20, -1e20],
        ]);
        const ll = gmmLogLikelihood(x, weights, means, covariances, 'full');
        const values = ll.dataSync();
        expect(values[2]).to.equal(-Infinity);
        expect(Number.isFinite(values[0]) && Number.isFinite(values[1])).to.equal(true);

        const gradOf = (data: tf.Tensor) =>
          tf.grads((xx: tf.Tensor, m: tf.Tensor, c: tf.Tensor) => tf.sum(gmmLogLikelihood(xx, weights, m, c, 'full')))([
            data,
            tf.tensor(means),
            tf.tensor(covariances),
          ]);
        const withFar = gradOf(x);
        const withoutFar = gradOf(tf.slice(x, [0, 0], [2, 2]));
        for (const g of withFar) expect(allFinite(g), 'finite gradient').to.equal(true);
        expectClose(tf.slice(withFar[0], [2, 0], [1, 2]), [0, 0], {atol: 0});
        // The far row contributes nothing: parameter gradients equal those of the other rows alone.
        expectClose(withFar[1], withoutFar[1], {rtol: 1e-6, atol: 1e-6});
        expectClose(withFar[2], withoutFar[2], {rtol: 1e-6, atol: 1e-6});
      }),
    );
  });

  it('mixtureLogLikelihood / mixtureResponsibilities on an all -Infinity row: -Infinity and uniform', () => {
    tf.tidy(() => {
      const lp = tf.tensor2d([
        [-Infinity, -Infinity, -Infinity],
        [-1, -2, -Infinity],
      ]);
      const ll = mixtureLogLikelihood(lp);
      expect(ll.dataSync()[0]).to.equal(-Infinity);
      expectClose(tf.slice(ll, [1], [1]), [Math.log(Math.exp(-1) + Math.exp(-2))], {rtol: 1e-6});
      const resp = mixtureResponsibilities(lp);
      const e1 = Math.exp(-1) / (Math.exp(-1) + Math.exp(-2));
      expectClose(
        resp,
        [
          [1 / 3, 1 / 3, 1 / 3],
          [e1, 1 - e1, 0],
        ],
        {atol: 1e-6},
      );
      const g = tf.grad((t: tf.Tensor) => tf.sum(mixtureLogLikelihood(t)))(lp);
      expectClose(
        g,
        [
          [0, 0, 0],
          [e1, 1 - e1, 0],
        ],
        {atol: 1e-6},
      );
    });
  });

  it('large log-probs (1e4 apart) do not overflow the logSumExp', () => {
    tf.tidy(() => {
      const lp = tf.tensor2d([[-1e4, -1e4 - 1, -2e4]]);
      expectClose(mixtureLogLikelihood(lp), [-1e4 + Math.log(1 + Math.exp(-1))], {rtol: 1e-7});
    });
  });

  it('a zero mixture weight gives a -Infinity component but finite likelihood and gradients', () => {
    tf.tidy(() => {
      const x = tf.tensor2d([
        [0.5, 0.1],
        [1.5, 1],
        [3, 0],
      ]);
      const w = tf.tensor1d([1, 0]);
      const lp = gmmLogProb(x, w, means, covariances, 'full');
      expect(Array.from(tf.slice(lp, [0, 1], [3, 1]).dataSync())).to.deep.equal([-Infinity, -Infinity, -Infinity]);
      const grads = tf.grads((ww: tf.Tensor, m: tf.Tensor, c: tf.Tensor) => gmmNLL(x, ww, m, c, 'full'))([
        w,
        tf.tensor(means),
        tf.tensor(covariances),
      ]);
      for (const g of grads) expect(allFinite(g)).to.equal(true);
      // The empty component receives no gradient at all.
      expectClose(tf.slice(grads[1], [1, 0], [1, 2]), [0, 0], {atol: 0});
    });
  });

  it('gmmNLL with sampleWeights is the weighted mean; uniform weights equal the plain mean', () => {
    tf.tidy(() => {
      const x = tf.tensor2d([
        [0.5, 0.1],
        [1.5, 1],
        [3, 0],
        [-1, 2],
      ]);
      const ll = gmmLogLikelihood(x, weights, means, covariances, 'full').dataSync();
      const sw = [1, 3, 0, 2];
      const expected = -(sw.reduce((s, w, i) => s + w * ll[i], 0) / 6);
      expectClose(gmmNLL(x, weights, means, covariances, 'full', {sampleWeights: sw}), [expected], {rtol: 1e-6});
      expectClose(
        gmmNLL(x, weights, means, covariances, 'full', {sampleWeights: [2, 2, 2, 2]}),
        gmmNLL(x, weights, means, covariances, 'full'),
        {rtol: 1e-6},
      );
      expectClose(
        mixtureNLL(gmmLogProb(x, weights, means, covariances, 'full')),
        [-(ll[0] + ll[1] + ll[2] + ll[3]) / 4],
        {rtol: 1e-6},
      );
    });
  });

  it('integer tensors and plain arrays are accepted and treated as float32', () => {
    tf.tidy(() => {
      const xi = tf.tensor2d(
        [
          [0, 0],
          [2, 1],
        ],
        undefined,
        'int32',
      );
      expectClose(
        gmmLogProb(xi, weights, means, covariances),
        gmmLogProb(
          [
            [0, 0],
            [2, 1],
          ],
          weights,
          means,
          covariances,
        ),
        {atol: 0},
      );
    });
  });
});
