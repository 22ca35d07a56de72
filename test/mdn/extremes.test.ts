/**
 * mdnLoss at the extremes of float32: finite with finite gradients wherever the NLL itself fits
 * float32 (|y - mu| / sigma up to about 2.6e19), +Infinity beyond, which GMM_VALIDATE_VALUES
 * turns into an error naming the row.
 */
import * as tf from '@tensorflow/tfjs-core';
import {expect} from 'chai';

import {mdnLoss} from '../../src';
import {expectClose, expectNoLeak, expectThrowsWith} from '../helpers/assertions';
import {describeOnMdnLossForms} from '../helpers/backends';
import {setGmmFlag} from '../helpers/flags';
import {refMdnNLL} from '../helpers/reference_mdn';

const MIN_SCALE = 1e-3;

/** Loss [N] and gradient w.r.t. yPred of the mean loss, as arrays. */
function lossAndGradient(spec: Parameters<typeof mdnLoss>[0], yTrue: number[][], yPred: number[][]) {
  return tf.tidy(() => {
    const targets = tf.tensor2d(yTrue);
    const outputs = tf.tensor2d(yPred);
    const loss = mdnLoss(spec)(targets, outputs);
    const gradient = tf.grad((p: tf.Tensor) => tf.mean(mdnLoss(spec)(targets, p)))(outputs);
    return {loss: Array.from(loss.dataSync()), gradient: Array.from(gradient.dataSync())};
  });
}

describeOnMdnLossForms('mdnLoss at the extremes', () => {
  it('a target 2e15 away from a mean whose scale sits at minScale: the float64 loss, finite gradients', async () => {
    const spec = {nComponents: 1, outputDim: 1, covarianceType: 'diag', minScale: MIN_SCALE} as const;
    // Rows [logit, mean, raw scale]: the raw scale -v puts sigma at minScale (softplus underflows).
    for (const v of [1e10, 1e15]) {
      const yPred = [
        [0, v, -v],
        [0, -v, -v],
      ];
      const yTrue = [[-v], [v]];
      await expectNoLeak(() => {
        const {loss, gradient} = lossAndGradient(spec, yTrue, yPred);
        const reference = refMdnNLL({K: 1, D: 1, type: 'diag', minScale: MIN_SCALE}, yPred, yTrue);
        // One float32 square of a ratio: a few ulps relative (1e-5).
        expectClose(loss, reference, {rtol: 1e-5, atol: 0, label: `loss at ${v}`});
        expect(gradient.every(Number.isFinite), `gradient at ${v}: ${gradient}`).to.equal(true);
        // d mean(NLL) / d mu = (mu - y) / sigma^2 / N, closed form; d / d raw scale = 0 (sigmoid(-v) = 0).
        const dMu = (2 * v) / MIN_SCALE ** 2 / 2;
        expectClose([gradient[1], gradient[4]], [dMu, -dMu], {rtol: 1e-5, atol: 0, label: `d mu at ${v}`});
        expect([gradient[2], gradient[5]].map(Math.abs)).to.deep.equal([0, 0]);
      });
    }
  });

  it('outputs and targets at +-1e30 within the bound (large scales): finite losses equal to float64, finite gradients', () => {
    for (const type of ['diag', 'spherical', 'full'] as const) {
      const spec = {nComponents: 2, outputDim: 2, covarianceType: type, minScale: MIN_SCALE};
      const P = {diag: 10, spherical: 8, full: 12}[type];
      // Logits and means at +-1e30; raw scales +1e30 (sigma = 1e30); coefficients +-1.
      const row = (sign: number) =>
        Array.from({length: P}, (_, p) => {
          if (p < 2) return sign * (p === 0 ? 1e30 : -1e30);
          if (p < 6) return (p % 2 === 0 ? sign : -sign) * 1e30;
          if (p < 6 + (type === 'spherical' ? 2 : 4)) return 1e30;
          return p % 2 === 0 ? 1 : -1;
        });
      const yPred = [row(1), row(-1)];
      const yTrue = [
        [-1e30, 1e30],
        [1e30, 1e30],
      ];
      const {loss, gradient} = lossAndGradient(spec, yTrue, yPred);
      const reference = refMdnNLL({K: 2, D: 2, type, minScale: MIN_SCALE}, yPred, yTrue);
      // log-scale terms of ~69 and O(1) quadratic terms in float32: 1e-5 relative.
      expectClose(loss, reference, {rtol: 1e-5, atol: 1e-4, label: `${type} loss`});
      expect(gradient.every(Number.isFinite), `${type} gradient ${gradient}`).to.equal(true);
    }
  });

  it('beyond the bound the loss is +Infinity (not NaN); GMM_VALIDATE_VALUES makes it an error naming the row', () => {
    const spec = {nComponents: 1, outputDim: 1, covarianceType: 'diag', minScale: MIN_SCALE} as const;
    const yPred = [
      [0, 0, 0],
      [0, 1e30, -1e30],
    ];
    const yTrue = [[0.5], [-1e30]];
    const {loss} = lossAndGradient(spec, yTrue, yPred);
    expect(Number.isFinite(loss[0])).to.equal(true);
    expect(loss[1]).to.equal(Infinity);
    const previous = setGmmFlag('GMM_VALIDATE_VALUES', true);
    try {
      expectThrowsWith(
        () => tf.tidy(() => mdnLoss(spec)(tf.tensor2d(yTrue), tf.tensor2d(yPred))),
        'mdnLoss: the loss of row 1 is Infinity',
        '|y - mu| / sigma above about 2.6e19',
      );
    } finally {
      setGmmFlag('GMM_VALIDATE_VALUES', previous);
    }
  });

  it('GMM_VALIDATE_VALUES: non-finite outputs and targets are errors naming mdnLoss, the argument and the cell', () => {
    const spec = {nComponents: 1, outputDim: 1, covarianceType: 'diag'} as const;
    const previous = setGmmFlag('GMM_VALIDATE_VALUES', true);
    try {
      expectThrowsWith(
        () =>
          tf.tidy(() =>
            mdnLoss(spec)(
              tf.tensor2d([[0], [1]]),
              tf.tensor2d([
                [0, 0, 0],
                [0, NaN, 0],
              ]),
            ),
          ),
        'mdnLoss: yPred must be finite, but row 1, column 1 is NaN',
      );
      expectThrowsWith(
        () =>
          tf.tidy(() =>
            mdnLoss(spec)(
              tf.tensor2d([[0], [Infinity]]),
              tf.tensor2d([
                [0, 0, 0],
                [0, 0, 0],
              ]),
            ),
          ),
        'mdnLoss: yTrue must be finite, but row 1, column 0 is Infinity',
      );
    } finally {
      setGmmFlag('GMM_VALIDATE_VALUES', previous);
    }
  });
});
