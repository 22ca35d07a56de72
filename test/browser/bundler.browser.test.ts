/**
 * The README's "With a bundler" snippets, as a user copies them into a project: the packed package
 * installed by the README's install line, the app's worker module (`gmm-worker.js`) and the page's
 * script built by Vite, and the built page run in headless Chromium. The fit must run on two Web
 * Workers started from the bundled worker module and log what the README says it logs.
 */
import {expect} from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import type {Browser} from 'playwright-core';

import * as tf from '@tensorflow/tfjs-core';

import {GaussianMixture} from '../../src';
import {ROOT, consumerProject} from '../helpers/consumer';
import {expectClose} from '../helpers/assertions';
import {collectErrors, launchBrowser, requireChromium, startServer} from './harness';

/** The code blocks that follow the README's "With a bundler" line: the worker module, then the app. */
function bundlerSnippets(): {worker: string; app: string} {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\nWith a bundler ('));
  const blocks = [...section.matchAll(/```(?:js|ts)\n([\s\S]*?)```/g)].slice(0, 2).map((m) => m[1]);
  if (blocks.length < 2 || !blocks[0].includes('gmm-worker.js')) {
    throw new Error('README.md: "With a bundler (...):" must be followed by the gmm-worker.js block and the app block');
  }
  return {worker: blocks[0], app: blocks[1]};
}

describe('README "With a bundler": built by Vite, run in headless Chromium', function () {
  this.timeout(600000);
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let browser: Browser | undefined;

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('the bundled app fits on 2 Web Workers from the bundled gmm-worker.js and logs the lower bound and 2', async function () {
    requireChromium(this);
    const app = path.join(consumerProject().dir, 'vite-app');
    fs.mkdirSync(app, {recursive: true});
    const {worker, app: main} = bundlerSnippets();
    fs.writeFileSync(path.join(app, 'gmm-worker.js'), worker);
    // The README's block is TypeScript-flavoured JavaScript (no type annotations): Vite takes it as main.ts.
    fs.writeFileSync(path.join(app, 'main.ts'), main);
    fs.writeFileSync(
      path.join(app, 'index.html'),
      '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head>' +
        '<body><script type="module" src="./main.ts"></script></body></html>\n',
    );
    const {build} = await import('vite');
    await build({
      root: app,
      configFile: false,
      logLevel: 'error',
      build: {outDir: path.join(app, 'dist'), emptyOutDir: true, target: 'es2022'},
    });
    const assets = fs.readdirSync(path.join(app, 'dist/assets'));
    expect(
      assets.some((file) => /^gmm-worker-.*\.js$/.test(file)),
      `a worker chunk among ${assets}`,
    ).to.equal(true);

    server = await startServer({root: path.join(app, 'dist')});
    browser = await launchBrowser();
    const page = await browser.newPage();
    const errors = collectErrors(page);
    const logs: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'log') logs.push(message.text());
    });
    await page.goto(`${server.url}/`);
    const deadline = Date.now() + 120000;
    while (logs.length === 0 && errors.length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(errors, 'console errors').to.deep.equal([]);
    expect(logs).to.have.length(1);
    const [lowerBound, running] = logs[0].split(' ').map(Number);
    expect(running, 'workers running after fitAsync').to.equal(2);
    // The snippet's data, fitted in-thread here: three well-separated clusters, so every start
    // reaches the same optimum (to the default tol, 1e-3 in the lower bound).
    const dataLine = main.split('\n').find((line) => line.startsWith('const X = '));
    expect(dataLine, 'the app block defines X').to.be.a('string');
    const X = new Function(`${dataLine}; return X;`)() as number[][];
    await tf.setBackend('cpu');
    const reference = new GaussianMixture({nComponents: 3, onWarning: () => {}}).fit(X);
    expectClose([lowerBound], [reference.lowerBound], {rtol: 0, atol: 2e-3, label: 'lower bound vs in-thread'});
    reference.dispose();
  });
});
