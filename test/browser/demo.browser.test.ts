/**
 * The browser demo (examples/browser/) end to end in headless Chromium: points added by real
 * mouse clicks, fits run from the page's controls, and every fit compared with the same fit run
 * here in Node on the cpu backend, on the points read back from the page. The page runs on webgl
 * (SwiftShader here); further pages hide webgl (and wasm) to check the fallbacks.
 */
import * as tf from '@tensorflow/tfjs-core';
import {expect} from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import type {Browser, Page} from 'playwright-core';

import {CovarianceTypeName, GMMLayer, GaussianMixture, initializeGaussianMixture, mixtureNLL} from '../../src';
import {expectClose} from '../helpers/assertions';
import {normal, rng} from '../helpers/random';
import {ROOT, buildBrowserBundle, collectErrors, launchBrowser, requireChromium, startServer} from './harness';

/** The page's EM options (EM_OPTIONS in examples/browser/fitting.js). */
interface EmOptions {
  tol: number;
  regCovar: number;
  maxIter: number;
  seed: number;
}

/** The page's gradient-descent options (GD_OPTIONS). */
interface GdOptions {
  learningRate: number;
  steps: number;
  minVariance: number;
  initRegCovar: number;
  seed: number;
}

type Method = 'em' | 'gd';

/** What the page reports about its last fit (`window.demo.lastFit()`). */
interface PageFit<M extends Method = Method> {
  method: M;
  nComponents: number;
  covarianceType: CovarianceTypeName;
  options: M extends 'em' ? EmOptions : GdOptions;
  backend: string;
  points: number[][];
  iterations: number;
  converged: boolean | null;
  stopped: boolean;
  losses: number[];
  lowerBounds: number[];
  logLikelihood: number;
  mixture: {weights: number[]; means: number[][]; covariances: number[][][]};
}

const SCREENSHOT = path.join(ROOT, 'out/browser-demo.png');

/**
 * The points to click: three overlapping, correlated clusters of 18 (so that EM needs several
 * iterations after its k-means start), from a fixed seed, inside the plotted square.
 */
function clickTargets(): number[][] {
  const random = rng(7);
  const clusters = [
    [-2, -1.5, 1.4, 0.3, 0.8],
    [1.5, -0.5, 1.2, 0.3, -0.6],
    [0.5, 2.5, 0.6, 0.5, 0],
  ];
  return clusters.flatMap(([cx, cy, along, across, angle]) =>
    Array.from({length: 18}, () => {
      const u = along * normal(random);
      const v = across * normal(random);
      const clamp = (t: number) => Math.max(-4.8, Math.min(4.8, t));
      return [
        clamp(cx + Math.cos(angle) * u - Math.sin(angle) * v),
        clamp(cy + Math.sin(angle) * u + Math.cos(angle) * v),
      ];
    }),
  );
}

/** The same EM in Node: one GaussianMixture fit with the page's options. */
function emInNode(fit: PageFit<'em'>) {
  const {tol, regCovar, maxIter, seed} = fit.options;
  const gm = new GaussianMixture({
    nComponents: fit.nComponents,
    covarianceType: fit.covarianceType,
    tol,
    regCovar,
    maxIter,
    seed,
  }).fit(fit.points);
  const result = {
    nIter: gm.nIter,
    converged: gm.converged,
    lowerBounds: gm.lowerBounds,
    score: gm.score(fit.points),
    means: gm.means.arraySync(),
  };
  gm.dispose();
  return result;
}

/**
 * The same gradient descent in Node: a GMMLayer started from EM's initialisation (with the page's
 * extra regularisation), Adam on the mean NLL for the page's number of steps, with the learning
 * rate falling along a half cosine from the page's rate to 0.
 */
function gradientDescentInNode(fit: PageFit<'gd'>) {
  const {learningRate, steps, minVariance, initRegCovar, seed} = fit.options;
  const x = tf.tensor2d(fit.points);
  const layer = new GMMLayer({nComponents: fit.nComponents, covarianceType: fit.covarianceType, minVariance});
  tf.dispose(layer.apply(x) as tf.Tensor);
  const start = initializeGaussianMixture(x, fit.nComponents, {
    covarianceType: fit.covarianceType,
    regCovar: initRegCovar,
    seed,
  });
  layer.setMixture(start);
  tf.dispose([start.weights, start.means, start.covariances, start.precisionsCholesky]);
  const optimizer = tf.train.adam(learningRate);
  // Adam reads its (protected) learning rate at every step.
  const schedule = optimizer as unknown as {learningRate: number};
  const variables = layer.trainableWeights.map((w) => w.read() as tf.Variable);
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    schedule.learningRate = learningRate * 0.5 * (1 + Math.cos((Math.PI * step) / steps));
    const loss = optimizer.minimize(() => mixtureNLL(layer.apply(x) as tf.Tensor), true, variables)!;
    losses.push(loss.dataSync()[0]);
    loss.dispose();
  }
  const logLikelihood = -tf.tidy(() => mixtureNLL(layer.apply(x) as tf.Tensor).dataSync()[0]);
  optimizer.dispose();
  layer.dispose();
  x.dispose();
  return {losses, logLikelihood};
}

/** Component means sorted by their x coordinate: the labelling of components is arbitrary. */
const sortedMeans = (means: number[][]) => means.slice().sort((a, b) => a[0] - b[0]);

/** Opens the demo and waits until its backend is up. */
async function openDemo(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(() => (window as unknown as {demo?: {ready: boolean}}).demo?.ready === true, null, {
    timeout: 120000,
  });
}

/** Sets the controls, clicks Fit, waits for the fit to finish, and returns the page's report. */
async function fitOnPage<M extends Method>(
  page: Page,
  settings: {method: M; covarianceType: CovarianceTypeName; nComponents: number},
): Promise<{fit: PageFit<M>; shown: number}> {
  await page.selectOption('#method', settings.method);
  await page.selectOption('#covariance', settings.covarianceType);
  await page.fill('#k', String(settings.nComponents));
  const runs = Number((await page.getAttribute('body', 'data-runs')) ?? 0);
  await page.click('#fit');
  await page.waitForFunction((n) => document.body.dataset.runs === String(n), runs + 1, {timeout: 240000});
  const fit = (await page.evaluate('window.demo.lastFit()')) as PageFit<M>;
  const shown = Number(await page.getAttribute('#loglik', 'data-value'));
  return {fit, shown};
}

/** Relative difference, for the report. */
const relative = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('browser demo (examples/browser) in headless Chromium', function () {
  this.timeout(300000);
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  const targets = clickTargets();

  before(async function () {
    requireChromium(this);
    await tf.setBackend('cpu');
    buildBrowserBundle();
    server = await startServer();
    browser = await launchBrowser();
    page = await browser.newPage({viewport: {width: 1040, height: 680}});
    errors = collectErrors(page);
    await openDemo(page, `${server.url}/examples/browser/`);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  afterEach(async function () {
    // Every step of normal use: no console error, no error banner.
    expect(errors, 'console errors').to.deep.equal([]);
    if (page && !page.isClosed()) expect(await page.isHidden('#error'), 'the error banner is hidden').to.equal(true);
  });

  it('shows the active backend (webgl when the browser offers it)', async () => {
    const backend = await page.getAttribute('#backend', 'data-backend');
    const shown = await page.textContent('#backend');
    console.log(`      (the demo runs on ${shown})`);
    expect(['webgl', 'wasm', 'cpu']).to.include(backend);
    expect(shown).to.contain(backend!);
  });

  it('adds a point where the mouse clicks, in data coordinates', async () => {
    // Data -> screen through the plot's declared domain and its screen transform (the DOM's
    // geometry, not the page's own mapping code).
    const geometry = await page.evaluate(() => {
      const svg = document.getElementById('plot') as unknown as SVGSVGElement;
      const m = svg.getScreenCTM()!;
      return {
        matrix: [m.a, m.b, m.c, m.d, m.e, m.f],
        viewBox: svg.getAttribute('viewBox')!,
        x: svg.dataset.xDomain!,
        y: svg.dataset.yDomain!,
      };
    });
    const [a, b, c, d, e, f] = geometry.matrix;
    const [, , width, height] = geometry.viewBox.split(' ').map(Number);
    const [x0, x1] = geometry.x.split(' ').map(Number);
    const [y0, y1] = geometry.y.split(' ').map(Number);
    const toScreen = ([x, y]: number[]) => {
      const u = ((x - x0) / (x1 - x0)) * width;
      const v = ((y1 - y) / (y1 - y0)) * height;
      return [a * u + c * v + e, b * u + d * v + f];
    };
    for (const point of targets) {
      const [px, py] = toScreen(point);
      await page.mouse.click(px, py);
    }
    const points = (await page.evaluate('window.demo.points()')) as number[][];
    expect(points).to.have.length(targets.length);
    expect(await page.textContent('#point-count')).to.equal(`${targets.length} points`);
    // Mouse events carry whole CSS pixels: each point lies within a pixel of its target.
    const pixel = Math.max((x1 - x0) / (width * a), (y1 - y0) / (height * d));
    points.forEach((p, i) => expectClose(p, targets[i], {rtol: 0, atol: 1.01 * pixel, label: `point ${i}`}));
  });

  it('EM (full, K = 3) gives the log-likelihood of the same fit in Node, and a screenshot', async () => {
    const {fit, shown} = await fitOnPage(page, {method: 'em', covarianceType: 'full', nComponents: 3});
    expect(fit.points, 'the page fitted the clicked points').to.deep.equal(await page.evaluate('window.demo.points()'));
    const node = emInNode(fit);
    console.log(
      `      (page on ${fit.backend}: ${fit.iterations} EM iterations, mean log-likelihood ${shown}; Node on cpu: ${node.nIter} iterations, ${node.score}; relative difference ${relative(shown, node.score).toExponential(2)})`,
    );
    expect(shown, "#loglik shows the fit's final log-likelihood").to.equal(fit.logLikelihood);
    expect(fit.iterations, 'EM iterations').to.be.greaterThan(2);
    expect(fit.iterations, 'EM iterations').to.equal(node.nIter);
    expect(fit.converged).to.equal(node.converged);
    // Both sides run EM in float32 from the same k-means start; they differ only by rounding
    // (webgl's exp/log and summation order vs the cpu kernels, and the page's chain of one-iteration
    // warm starts). EM contracts towards its fixed point, so rounding does not accumulate: the
    // backends agree to a few float32 ulps per iteration (observed ~1e-7 relative). 1e-5 leaves
    // room for other GPUs' transcendental functions.
    expectClose(fit.lowerBounds, node.lowerBounds, {rtol: 1e-5, atol: 0, label: 'lower bound per iteration'});
    expectClose([shown], [node.score], {rtol: 1e-5, atol: 0, label: 'final mean log-likelihood'});
    // Means are O(1) here; float32 rounding through the same iterations moves them by ~1e-6.
    expectClose(sortedMeans(fit.mixture.means), sortedMeans(node.means), {rtol: 0, atol: 1e-4, label: 'means'});
    // A fitted mixture is drawn: two ellipses and a mean marker per component.
    expect(await page.locator('#plot .ellipses polygon').count()).to.equal(6);
    expect(await page.locator('#plot .means path').count()).to.equal(3);
    fs.mkdirSync(path.dirname(SCREENSHOT), {recursive: true});
    await page.screenshot({path: SCREENSHOT});
  });

  it('a second fit repeats the first and leaves no tensors behind', async () => {
    const first = (await page.evaluate('window.demo.lastFit()')) as PageFit<'em'>;
    const before = (await page.evaluate('window.demo.numTensors()')) as number;
    const {fit} = await fitOnPage(page, {method: 'em', covarianceType: 'full', nComponents: 3});
    expect(await page.evaluate('window.demo.numTensors()'), 'live tensors after the second fit').to.equal(before);
    expect(fit.lowerBounds).to.deep.equal(first.lowerBounds);
    expect(fit.logLikelihood).to.equal(first.logLikelihood);
  });

  for (const covarianceType of ['tied', 'diag', 'spherical'] as const) {
    it(`EM (${covarianceType}, K = 3) gives the log-likelihood of the same fit in Node`, async () => {
      const {fit, shown} = await fitOnPage(page, {method: 'em', covarianceType, nComponents: 3});
      const node = emInNode(fit);
      expect(fit.iterations, 'EM iterations').to.equal(node.nIter);
      // As for full covariances.
      expectClose(fit.lowerBounds, node.lowerBounds, {rtol: 1e-5, atol: 0, label: 'lower bound per iteration'});
      expectClose([shown], [node.score], {rtol: 1e-5, atol: 0, label: 'final mean log-likelihood'});
    });
  }

  it('gradient descent (full, K = 3) lowers the NLL and ends where the same descent in Node ends', async () => {
    const before = (await page.evaluate('window.demo.numTensors()')) as number;
    const {fit, shown} = await fitOnPage(page, {method: 'gd', covarianceType: 'full', nComponents: 3});
    expect(await page.evaluate('window.demo.numTensors()'), 'live tensors after the descent').to.equal(before);
    expect(fit.iterations).to.equal(fit.options.steps);
    expect(fit.losses).to.have.length(fit.options.steps);
    const node = gradientDescentInNode(fit);
    console.log(
      `      (page on ${fit.backend}: NLL ${fit.losses[0]} -> ${-shown} in ${fit.iterations} Adam steps; Node on cpu: -> ${-node.logLikelihood}; relative difference ${relative(shown, node.logLikelihood).toExponential(2)})`,
    );
    // The start is k-means; the descent must improve on it by a clear margin.
    expect(-shown, 'final NLL').to.be.below(fit.losses[0] - 0.05);
    // The same start (computed on each backend) and the same Adam steps; the learning rate
    // decays to 0, so both settle in the same minimum instead of jittering around it, and differ
    // by float32 rounding only (observed ~1e-7 relative between backends); 1e-5 as for EM.
    expectClose([fit.losses[0]], [node.losses[0]], {rtol: 1e-5, atol: 0, label: 'NLL at the start'});
    expectClose([shown], [node.logLikelihood], {rtol: 1e-5, atol: 0, label: 'final mean log-likelihood'});
  });

  it('Stop ends a fit early, keeps its result and frees its tensors', async () => {
    const before = (await page.evaluate('window.demo.numTensors()')) as number;
    const runs = Number(await page.getAttribute('body', 'data-runs'));
    await page.click('#fit'); // gradient descent, as set by the previous test
    await page.waitForFunction(() => document.getElementById('status')!.textContent!.startsWith('Adam step'));
    await page.click('#stop');
    await page.waitForFunction((n) => document.body.dataset.runs === String(n), runs + 1);
    const fit = (await page.evaluate('window.demo.lastFit()')) as PageFit<'gd'>;
    expect(fit.stopped).to.equal(true);
    expect(fit.iterations).to.be.below(fit.options.steps);
    expect(await page.textContent('#fit-summary')).to.contain(`stopped after ${fit.iterations} Adam steps`);
    expect(Number(await page.getAttribute('#loglik', 'data-value'))).to.equal(fit.logLikelihood);
    expect(await page.evaluate('window.demo.numTensors()'), 'live tensors after stopping').to.equal(before);
    expect(await page.isEnabled('#fit')).to.equal(true);
  });

  it('asks for a valid K and enough points instead of fitting', async () => {
    const runs = await page.getAttribute('body', 'data-runs');
    await page.fill('#k', '0');
    await page.click('#fit');
    expect(await page.textContent('#status')).to.contain('K must be a whole number from 1 to 10');
    await page.click('#clear');
    await page.fill('#k', '3');
    const [px, py] = [300, 300];
    await page.mouse.click(px, py);
    await page.mouse.click(px + 40, py);
    await page.click('#fit');
    expect(await page.textContent('#status')).to.contain('Add at least K = 3 points before fitting (there are 2)');
    expect(await page.getAttribute('body', 'data-runs'), 'no fit ran').to.equal(runs);
  });

  /**
   * Opens the demo in a page that hides webgl (canvas contexts return null, as in a browser
   * without it) and optionally blocks the wasm binaries, then fits a preset with EM and compares
   * with Node.
   */
  async function fallback(blockWasm: boolean, expected: string): Promise<void> {
    const other = await browser.newPage();
    await other.addInitScript(() => {
      for (const proto of [HTMLCanvasElement.prototype, OffscreenCanvas.prototype]) {
        const original = proto.getContext as (this: unknown, type: string, ...rest: unknown[]) => unknown;
        (proto as unknown as {getContext: unknown}).getContext = function (
          this: unknown,
          type: string,
          ...rest: unknown[]
        ) {
          return /webgl/.test(type) ? null : original.call(this, type, ...rest);
        };
      }
    });
    if (blockWasm) await other.route('**/*.wasm', (route) => route.abort());
    const otherErrors = collectErrors(other);
    try {
      await openDemo(other, `${server.url}/examples/browser/`);
      expect(await other.getAttribute('#backend', 'data-backend')).to.equal(expected);
      await other.selectOption('#preset', 'correlated');
      await other.click('#load-preset');
      const {fit, shown} = await fitOnPage(other, {method: 'em', covarianceType: 'full', nComponents: 2});
      expect(fit.backend).to.equal(expected);
      const node = emInNode(fit);
      expect(fit.iterations, 'EM iterations').to.equal(node.nIter);
      // As on webgl.
      expectClose([shown], [node.score], {rtol: 1e-5, atol: 0, label: 'final mean log-likelihood'});
      // The browser reports the blocked requests themselves as errors; nothing else may be one.
      expect(
        otherErrors.filter((e) => !(blockWasm && e.includes('net::ERR_FAILED'))),
        'console errors',
      ).to.deep.equal([]);
      expect(await other.isHidden('#error')).to.equal(true);
    } finally {
      await other.close();
    }
  }

  it('falls back to wasm without webgl: presets load and EM matches Node', async () => {
    await fallback(false, 'wasm');
  });

  it('falls back to cpu without webgl and wasm', async () => {
    await fallback(true, 'cpu');
  });
});
