/**
 * The mixture-density loss's WebAssembly kernel (ops/mdn/fused_kernel.ts) on a page's main
 * thread in headless Chromium, from the package's ES module bundle, on the cpu backend: it serves
 * the loss there, with the values and gradients of Node's.
 */
import * as tf from '@tensorflow/tfjs-core';
import {expect} from 'chai';
import type {Browser} from 'playwright-core';

import {mdnLoss} from '../../src';
import {expectClose} from '../helpers/assertions';
import {randomMdnCase} from '../helpers/reference_mdn';
import {buildBrowserBundle, collectErrors, launchBrowser, requireChromium, startServer} from './harness';

describe('mdnLoss in headless Chromium: the WebAssembly kernel on a page', function () {
  this.timeout(300000);
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;

  before(async function () {
    requireChromium(this);
    buildBrowserBundle();
    server = await startServer();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  for (const type of ['diag', 'full'] as const) {
    it(`${type}: the kernel serves the cpu backend, with Node's loss and gradient`, async () => {
      const spec = {nComponents: 3, outputDim: 2, covarianceType: type, minScale: 1e-2};
      const {yPred, yTrue} = randomMdnCase({K: 3, D: 2, type, minScale: 1e-2}, 9, 5);
      const page = await browser.newPage();
      const errors = collectErrors(page);
      await page.goto(`${server.url}/test/browser/pages/ops.html`);
      await page.waitForFunction('window.ready === true');
      const run = (await page.evaluate(
        (c: unknown) => (window as unknown as {runMdn: (c: unknown) => Promise<unknown>}).runMdn(c),
        {spec, yTrue, yPred},
      )) as {kernels: number; loss: number[]; gradient: number[][]; numTensors: number};
      await page.close();
      expect(errors, 'console errors').to.deep.equal([]);
      await tf.setBackend('cpu');
      const loss = mdnLoss(spec);
      const node = tf.tidy(() => {
        const y = tf.tensor2d(yTrue);
        const p = tf.tensor2d(yPred);
        return {
          loss: Array.from(loss(y, p).dataSync()),
          gradient: tf
            .grad((q: tf.Tensor) => tf.sum(loss(y, q)))(p)
            .arraySync() as number[][],
        };
      });
      // See test/mdn/fused_kernel.test.ts: ~10 kernels with the WebAssembly kernel, > 40 without.
      expect(run.kernels, 'kernels of a step').to.be.below(12);
      expectClose(run.loss, node.loss, {rtol: 1e-6, atol: 1e-6, label: 'loss'});
      expectClose(run.gradient, node.gradient, {rtol: 1e-6, atol: 1e-6, label: 'gradient'});
      expect(run.numTensors, 'tensors left on the page').to.equal(0);
    });
  }
});
