/**
 * The ops in a real browser: headless Chromium, the webgl backend (SwiftShader), the package's ES
 * module bundle. Values and gradients must match the cpu backend in Node (and scipy) on the core
 * fixtures. Where the browser has no webgl, the page runs on wasm and the test says so.
 */
import * as tf from '@tensorflow/tfjs-core';
import {expect} from 'chai';
import type {Browser, Page} from 'playwright-core';

import {gmmLogProb, gmmLogProbPrecisionCholesky} from '../../src';
import {expectClose} from '../helpers/assertions';
import {normal, rng} from '../helpers/random';
import {MixtureCase, fixtures} from '../fixtures';
import {buildBrowserBundle, collectErrors, launchBrowser, requireChromium, startServer} from './harness';

interface BrowserCase extends MixtureCase {
  cotangent: number[][];
}

interface OpsResult {
  name: string;
  logProb: number[][];
  logProbCholesky: number[][];
  gradsNatural: unknown[];
  gradsCholesky: unknown[];
}

const NAMES = [
  'full D=2',
  'full D=5',
  'tied D=5',
  'diag D=5',
  'spherical D=5',
  'full D=2 far',
  'per-sample full D=2',
  'per-sample diag D=3',
];

describe('ops in headless Chromium on webgl (falls back to wasm, and says so)', function () {
  this.timeout(300000);
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let run: {backend: string; webglVersion?: number; results: OpsResult[]; numTensors: number};
  const cases: BrowserCase[] = [...fixtures.shared, ...fixtures.perSample]
    .filter((c) => NAMES.includes(c.name))
    .map((c, i) => {
      const random = rng(100 + i);
      return {...c, cotangent: c.logProb.map((row) => row.map(() => Math.fround(normal(random))))};
    });

  before(async function () {
    requireChromium(this);
    await tf.setBackend('cpu');
    buildBrowserBundle();
    server = await startServer();
    browser = await launchBrowser();
    page = await browser.newPage();
    errors = collectErrors(page);
    await page.goto(`${server.url}/test/browser/pages/ops.html`);
    await page.waitForFunction('window.ready === true');
    const payload = JSON.parse(JSON.stringify(cases)) as unknown;
    run = (await page.evaluate(
      (c: unknown) => (window as unknown as {runOps: (c: unknown) => Promise<unknown>}).runOps(c),
      payload,
    )) as typeof run;
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('reports the backend it ran on', () => {
    if (run.backend === 'webgl') {
      console.log(`      (ran on webgl ${run.webglVersion})`);
    } else {
      console.log(`      (webgl is not available in this Chromium: the ops ran on ${run.backend} instead)`);
    }
    expect(['webgl', 'wasm']).to.include(run.backend);
    expect(errors, 'console errors').to.deep.equal([]);
    expect(run.numTensors, 'tensors left after the tidy').to.equal(0);
  });

  for (const name of NAMES) {
    it(`${name}: values and gradients match the cpu backend and scipy`, () => {
      const c = cases.find((k) => k.name === name)!;
      const r = run.results.find((k) => k.name === name)!;
      // GPU transcendental functions are slightly less precise than the cpu's: 2e-5 relative.
      const valueTol = {rtol: 2e-5, atol: 2e-4};
      expectClose(r.logProb, c.logProb, {...valueTol, label: 'gmmLogProb vs scipy'});
      expectClose(r.logProbCholesky, c.logProb, {...valueTol, label: 'gmmLogProbPrecisionCholesky vs scipy'});
      tf.tidy(() => {
        const inputs = [c.x, c.weights, c.means, c.covariances].map((v) => tf.tensor(v as number[]));
        const dy = tf.tensor(c.cotangent);
        const natural = tf.grads((x: tf.Tensor, w: tf.Tensor, m: tf.Tensor, s: tf.Tensor) =>
          gmmLogProb(x, w, m, s, c.covarianceType),
        )(inputs, dy);
        const cholesky = tf.grads((x: tf.Tensor, l: tf.Tensor, m: tf.Tensor, p: tf.Tensor) =>
          gmmLogProbPrecisionCholesky(x, l, m, p, c.covarianceType),
        )([inputs[0], tf.log(inputs[1]), inputs[2], tf.tensor(c.precisionsCholesky as number[])], dy);
        const scale = (g: tf.Tensor) => Math.max(1, ...Array.from(g.dataSync(), Math.abs));
        natural.forEach((g, i) =>
          expectClose(r.gradsNatural[i] as number[], g, {
            rtol: 1e-4,
            atol: 1e-4 * scale(g),
            label: `natural grad ${i}`,
          }),
        );
        cholesky.forEach((g, i) =>
          expectClose(r.gradsCholesky[i] as number[], g, {
            rtol: 1e-4,
            atol: 1e-4 * scale(g),
            label: `precision-Cholesky grad ${i}`,
          }),
        );
      });
    });
  }
});
