/**
 * GaussianMixture.fitAsync on Web Workers in headless Chromium: the package's ES module bundle
 * and its worker bundle (dist/tfjs-gmm.worker.esm.js, the default worker script), on the cpu
 * and wasm backends, on a cross-origin isolated page (the data and sample weights reach the
 * workers in shared memory) and on a plain one (each worker is handed a copy of its rows). workers = 2 must equal
 * workers = 1 (in-thread) and Node's in-thread fit of the same data and start, the workers must
 * end with dispose(), no tensor may leak, the page must log no error, and `fit` with workers = 2
 * must refuse and name fitAsync. Streams (an async generator of weighted batches, a tf.data.Dataset)
 * on 2 workers must equal the in-thread streamed fit and Node's, and an abort mid-pass must end
 * the workers.
 */
import * as tf from '@tensorflow/tfjs-core';
import {expect} from 'chai';
import type {Browser, Page} from 'playwright-core';

import {GaussianMixture, GaussianMixtureOptions} from '../../src';
import {expectClose} from '../helpers/assertions';
import {asyncSource, weightedSource} from '../em/stream/data';
import {buildBrowserBundle, collectErrors, launchBrowser, requireChromium, startServer} from './harness';

/**
 * With batchSize 500 both fits sum the same 500-row chunks in float32; they differ only in how
 * the chunk sums are added (float64 per worker share, then merged, vs in-thread), and on wasm in
 * the backend's kernels against Node's cpu. Lower bounds: within 1e-6 relative (observed <=
 * 1.9e-7). Parameters: within 1e-5 of an array's scale (observed <= 4.7e-6 between workers = 2
 * and 1; <= 9.3e-6 between wasm and Node's cpu, in the covariances). With one 4000-row chunk
 * in-thread the wasm fits differ by up to 5e-5 instead: the float32 rounding of a long sum,
 * amplified by the fast M-step formula S/n - mu mu^T (see test/em/workers.test.ts), not the
 * workers.
 */
const LOWER_BOUND_RTOL = 1e-6;
const PARAMETER_TOL = 1e-5;

interface Fit {
  backend: string;
  workers: number;
  /** Whether an app's own worker script ran (createWorker), not the default. */
  app: boolean;
  running: number;
  runningAfterDispose: number;
  leakedTensors?: number;
  nIter: number;
  lowerBound: number;
  weights: number[];
  means: number[];
  covariances: number[];
  precisionsCholesky: number[];
}

interface PageRun {
  crossOriginIsolated: boolean;
  fits: Fit[];
  fitError: string | null;
}

/** Seeded blobs: K clusters 4 standard deviations apart in D dimensions (as workers.test.ts). */
/** What the comparisons read of a fit. */
type Reference = Pick<Fit, 'nIter' | 'lowerBound' | 'weights' | 'means' | 'covariances' | 'precisionsCholesky'>;

function blobs(N: number, D: number, K: number, seed = 7): number[][] {
  let s = seed;
  const uniform = () => (s = (s * 16807) % 2147483647) / 2147483647;
  const normal = () => Math.sqrt(-2 * Math.log(uniform() + 1e-12)) * Math.cos(2 * Math.PI * uniform());
  return Array.from({length: N}, (_, n) => Array.from({length: D}, (_, j) => 4 * ((n % K) + j * 0.3) + normal()));
}

const x = blobs(4000, 3, 3);
/** Sample weights (zeros included), so that the weights reach the workers in both ways too. */
const sampleWeight = x.map((_, n) => (n % 7 === 0 ? 0 : 1 + (n % 4)));
const options: GaussianMixtureOptions = {
  nComponents: 3,
  covarianceType: 'full',
  maxIter: 10,
  batchSize: 500,
  tol: 0,
  weightsInit: [0.3, 0.3, 0.4],
  meansInit: [
    [0.5, 1.5, 2.5],
    [4.5, 5.5, 6.5],
    [7.5, 8.5, 9.5],
  ],
};

/** What the comparisons read of a model fitted in Node (as the page's `summary`). */
function summaryOf(model: GaussianMixture): Reference {
  return {
    nIter: model.nIter,
    lowerBound: model.lowerBound,
    weights: Array.from(model.weights.dataSync()),
    means: Array.from(model.means.dataSync()),
    covariances: Array.from(model.covariances.dataSync()),
    precisionsCholesky: Array.from(model.precisionsCholesky.dataSync()),
  };
}

/** A new page on em_workers.html, ready, and the console errors it logs. */
async function openWorkersPage(browser: Browser, url: string): Promise<{page: Page; errors: string[]}> {
  const page = await browser.newPage();
  const errors = collectErrors(page);
  await page.goto(`${url}/test/browser/pages/em_workers.html`);
  await page.waitForFunction('window.ready === true');
  return {page, errors};
}

function expectSameFit(actual: Fit, expected: Reference, label: string): void {
  expect(actual.nIter, `${label}: nIter`).to.equal(expected.nIter);
  expectClose([actual.lowerBound], [expected.lowerBound], {
    rtol: LOWER_BOUND_RTOL,
    atol: 0,
    label: `${label}: lowerBound`,
  });
  for (const name of ['weights', 'means', 'covariances', 'precisionsCholesky'] as const) {
    const scale = Math.max(...expected[name].map(Math.abs));
    expectClose(actual[name], expected[name], {rtol: 0, atol: PARAMETER_TOL * scale, label: `${label}: ${name}`});
  }
}

for (const isolated of [true, false]) {
  const kind = isolated ? 'cross-origin isolated (shared memory)' : 'not isolated (row copies)';
  describe(`GaussianMixture.fitAsync on Web Workers in headless Chromium, ${kind}`, function () {
    this.timeout(300000);
    let server: Awaited<ReturnType<typeof startServer>>;
    let browser: Browser;
    let errors: string[];
    let run: PageRun;
    let reference: Reference;

    before(async function () {
      requireChromium(this);
      await tf.setBackend('cpu');
      const model = new GaussianMixture({...options, onWarning: () => {}}).fit(x, {sampleWeight});
      reference = summaryOf(model);
      model.dispose();
      buildBrowserBundle();
      server = await startServer({crossOriginIsolated: isolated});
      browser = await launchBrowser();
      const opened = await openWorkersPage(browser, server.url);
      errors = opened.errors;
      run = (await opened.page.evaluate(
        (payload: unknown) => (window as unknown as {runFits: (p: unknown) => Promise<unknown>}).runFits(payload),
        {x, sampleWeight, options, backends: ['cpu', 'wasm']},
      )) as PageRun;
    });

    after(async () => {
      await browser?.close();
      await server?.close();
    });

    it(`the page is ${isolated ? '' : 'not '}cross-origin isolated and logs no error`, () => {
      expect(run.crossOriginIsolated).to.equal(isolated);
      expect(errors, 'console errors').to.deep.equal([]);
    });

    for (const backend of ['cpu', 'wasm']) {
      it(`${backend}: workers = 2 equals workers = 1 and Node's in-thread fit; dispose ends the workers`, () => {
        const one = run.fits.find((f) => f.backend === backend && f.workers === 1)!;
        const twos = run.fits.filter((f) => f.backend === backend && f.workers === 2);
        expect(twos.map((f) => f.app)).to.deep.equal(backend === 'wasm' ? [false, true] : [false]);
        expect(one.running, 'workers = 1 runs in-thread').to.equal(0);
        expect(one.leakedTensors, 'tensors leaked on the page').to.equal(0);
        expectSameFit(one, reference, `${backend} workers 1 vs Node`);
        for (const two of twos) {
          const label = `${backend} workers 2${two.app ? ' (app worker script)' : ''}`;
          expect(two.running, `${label}: workers running after fitAsync`).to.equal(2);
          expect(two.runningAfterDispose, `${label}: after dispose`).to.equal(0);
          expectSameFit(two, one, `${label} vs 1`);
          expectSameFit(two, reference, `${label} vs Node`);
        }
      });
    }

    it('rows that need their float32 residuals (a narrow component far from the other) carry them to the workers', async () => {
      // As test/em/narrow_components.test.ts: half the rows at the origin with sd 1e-3, half at
      // 1e4 with sd 1; the narrow variances (1e-6 per feature) rest on the residuals. In-thread
      // over the workers' 2048-row shares as chunks, the two fits agree to 1e-6 / 1e-5.
      let s = 11;
      const uniform = () => (s = (s * 16807) % 2147483647) / 2147483647;
      const normal = () => Math.sqrt(-2 * Math.log(uniform() + 1e-12)) * Math.cos(2 * Math.PI * uniform());
      const narrowX = Array.from({length: 4096}, (_, n) =>
        n % 2 === 0 ? [1e-3 * normal(), 1e-3 * normal()] : [1e4 + normal(), normal()],
      );
      const narrowOptions = {
        nComponents: 2,
        covarianceType: 'diag',
        meansInit: [
          [0, 0],
          [1e4, 0],
        ],
        maxIter: 10,
        tol: 0,
        batchSize: 2048,
      };
      const {page, errors: pageErrors} = await openWorkersPage(browser, server.url);
      const fits = (await page.evaluate(
        (payload: unknown) => (window as unknown as {runNarrow: (p: unknown) => Promise<unknown>}).runNarrow(payload),
        {x: narrowX, options: narrowOptions},
      )) as Record<number, Reference & {running: number}>;
      expect(pageErrors, 'console errors').to.deep.equal([]);
      expect(fits[2].running).to.equal(2);
      const narrow = (f: Reference) => f.covariances.slice(0, 2);
      expect(narrow(fits[1])[0]).to.be.within(1.8e-6, 2.2e-6);
      expectClose([fits[2].lowerBound], [fits[1].lowerBound], {rtol: 1e-6, atol: 0, label: 'lowerBound'});
      expectClose(narrow(fits[2]), narrow(fits[1]), {rtol: 1e-5, atol: 0, label: 'narrow variances'});
    });

    it('fit with workers = 2 refuses and names fitAsync', () => {
      expect(run.fitError).to.contain("GaussianMixture.fit: workers = 2 needs Node's worker_threads");
      expect(run.fitError).to.contain('use fitAsync with workers');
    });

    it('a worker script that does not load, a createWorker that returns no Worker, or wasm files not found reject clearly', async () => {
      // Another page: the failed request of the missing script is logged as a console error.
      const {page} = await openWorkersPage(browser, server.url);
      const failures = (await page.evaluate(
        (payload: unknown) =>
          (window as unknown as {runFailures: (p: unknown) => Promise<unknown>}).runFailures(payload),
        {x, options},
      )) as {missing: string; runningAfterMissing: number; notAWorker: string; noWasm: string};
      expect(failures.missing).to.equal(
        'GaussianMixture.fitAsync: worker 0 of 2 failed: the worker script could not be started (check the URL ' +
          'createWorker uses, and that it is served as JavaScript); every worker was ended',
      );
      expect(failures.runningAfterMissing).to.equal(0);
      expect(failures.notAWorker).to.equal(
        'GaussianMixture.fitAsync: createWorker must return a Worker (with postMessage and terminate), but it returned object',
      );
      expect(failures.noWasm).to.match(
        /^GaussianMixture\.fitAsync: worker 0 of 2 failed: the worker could not start tfjs \(.+\); every worker was ended$/,
      );
    });
  });
}

interface StreamFit extends Fit {
  source: 'generator' | 'tf.data';
}

describe('GaussianMixture.fitAsync over streams on Web Workers in headless Chromium', function () {
  this.timeout(300000);
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;
  let errors: string[];
  let run: {
    fits: StreamFit[];
    abort: {name: string | null; passes: number; nIter: number | null; running: number; leakedTensors: number};
  };
  let reference: Reference;
  let unweighted: Reference;
  const streamOptions = {...options, batchSize: undefined};
  const batchSize = 400;

  before(async function () {
    requireChromium(this);
    await tf.setBackend('cpu');
    const fitOf = async (source: Parameters<GaussianMixture['fitAsync']>[0]) => {
      const model = await new GaussianMixture({...streamOptions, onWarning: () => {}}).fitAsync(source);
      const fitted = summaryOf(model);
      model.dispose();
      return fitted;
    };
    reference = await fitOf(weightedSource(x, sampleWeight, batchSize));
    unweighted = await fitOf(asyncSource(x, batchSize));
    buildBrowserBundle();
    server = await startServer({crossOriginIsolated: true});
    browser = await launchBrowser();
    const opened = await openWorkersPage(browser, server.url);
    errors = opened.errors;
    run = (await opened.page.evaluate(
      (payload: unknown) => (window as unknown as {runStreams: (p: unknown) => Promise<unknown>}).runStreams(payload),
      {x, sampleWeight, options: streamOptions, batchSize, backends: ['cpu', 'wasm']},
    )) as typeof run;
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('the page logs no error', () => {
    expect(errors, 'console errors').to.deep.equal([]);
  });

  for (const backend of ['cpu', 'wasm']) {
    it(`${backend}: weighted generator batches on 2 workers equal in-thread and Node's streamed fit; tf.data too`, () => {
      const fit = (source: string, workers: number) =>
        run.fits.find((f) => f.backend === backend && f.source === source && f.workers === workers)!;
      const [two, one, dataset] = [fit('generator', 2), fit('generator', 1), fit('tf.data', 2)];
      expect(one.running, 'workers = 1 runs in-thread').to.equal(0);
      for (const f of [two, dataset]) {
        expect(f.running, `${f.source}: workers running after fitAsync`).to.equal(2);
        expect(f.runningAfterDispose, `${f.source}: after dispose`).to.equal(0);
      }
      expect(dataset.leakedTensors, 'tensors leaked on the page').to.equal(0);
      expectSameFit(two, one, `${backend} generator workers 2 vs 1`);
      expectSameFit(two, reference, `${backend} generator workers 2 vs Node`);
      expectSameFit(dataset, unweighted, `${backend} tf.data workers 2 vs Node`);
    });
  }

  it('an abort in the middle of a streamed pass on the workers rejects with AbortError, ends them, leaks nothing', () => {
    expect(run.abort.name).to.equal('AbortError');
    expect(run.abort.passes, 'no pass after the abort').to.equal(3);
    expect(run.abort.running, 'workers ended').to.equal(0);
    expect(run.abort.leakedTensors, 'tensors leaked on the page').to.equal(0);
    // Pass 1 completes the start from weightsInit/meansInit, pass 2 is iteration 1, the abort comes in iteration 2:
    // the model stays at its last complete iteration.
    expect(run.abort.nIter).to.equal(1);
  });
});
