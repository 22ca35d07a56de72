/**
 * The README's "With a bundler" snippets, as a user copies them into a project: the packed package
 * installed by the README's install line, the app's worker module (`gmm-worker.js`) and the page's
 * script built by Vite and by webpack 5, and each built page run in headless Chromium. The fit must
 * run on two Web Workers started from the bundled worker module and log what the README says it
 * logs.
 */
import {expect} from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import type {Stats, StatsCompilation} from 'webpack';

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

/**
 * Writes the README's blocks into a new directory `name` of the consumer project (so that
 * `tfjs-gmm` and `@tensorflow/tfjs` resolve to its install): gmm-worker.js and the app block as
 * `mainFile`. Returns the directory and the app block.
 */
function writeApp(name: string, mainFile: string): {dir: string; main: string} {
  const dir = path.join(consumerProject().dir, name);
  fs.mkdirSync(dir, {recursive: true});
  const {worker, app: main} = bundlerSnippets();
  fs.writeFileSync(path.join(dir, 'gmm-worker.js'), worker);
  fs.writeFileSync(path.join(dir, mainFile), main);
  return {dir, main};
}

/** A blank page running `script` (the icon link keeps Chromium from requesting a missing favicon). */
function indexHtml(script: string): string {
  return (
    '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head>' +
    `<body>${script}</body></html>\n`
  );
}

/** What a page did: its console logs and errors, and the paths of the Web Workers it started. */
interface PageRun {
  logs: string[];
  errors: string[];
  workerPaths: string[];
}

/** Serves `root`, opens its index.html in headless Chromium and waits for the first log or error. */
async function runPage(root: string): Promise<PageRun> {
  const server = await startServer({root});
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    const errors = collectErrors(page);
    const logs: string[] = [];
    const workerPaths: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'log') logs.push(message.text());
    });
    page.on('worker', (worker) => workerPaths.push(new URL(worker.url()).pathname));
    await page.goto(`${server.url}/`);
    const deadline = Date.now() + 120000;
    while (logs.length === 0 && errors.length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    return {logs, errors, workerPaths};
  } finally {
    await browser.close();
    await server.close();
  }
}

/**
 * The page ran without errors on two workers from the bundled gmm-worker.js (`workerPath`) and
 * logged `lowerBound 2`, the lower bound being that of the app block's data fitted in-thread here.
 */
async function expectReadmeRun(run: PageRun, main: string, workerPath: string): Promise<void> {
  expect(run.errors, 'console errors').to.deep.equal([]);
  expect(run.workerPaths, 'the workers started').to.deep.equal([workerPath, workerPath]);
  expect(run.logs).to.have.length(1);
  const [lowerBound, running] = run.logs[0].split(' ').map(Number);
  expect(running, 'workers running after fitAsync').to.equal(2);
  // Three well-separated clusters, so every start reaches the same optimum (to the default tol,
  // 1e-3 in the lower bound).
  const dataLine = main.split('\n').find((line) => line.startsWith('const X = '));
  expect(dataLine, 'the app block defines X').to.be.a('string');
  const X = new Function(`${dataLine}; return X;`)() as number[][];
  await tf.setBackend('cpu');
  const reference = new GaussianMixture({nComponents: 3, onWarning: () => {}}).fit(X);
  expectClose([lowerBound], [reference.lowerBound], {rtol: 0, atol: 2e-3, label: 'lower bound vs in-thread'});
  reference.dispose();
}

/**
 * Builds `dir/main.js` with webpack 5's defaults for a production web build into `dir/dist`.
 * Fails with webpack's error text. Its warnings (asset sizes: tfjs is large) are left aside.
 */
async function webpackBuild(dir: string): Promise<StatsCompilation> {
  const {default: webpack} = await import('webpack');
  const compiler = webpack({
    mode: 'production',
    target: 'web',
    context: dir,
    entry: './main.js',
    output: {path: path.join(dir, 'dist')},
  });
  try {
    const stats = await new Promise<Stats>((resolve, reject) =>
      compiler.run((err, result) => (err ? reject(err) : resolve(result!))),
    );
    if (stats.hasErrors()) throw new Error(`webpack build failed:\n${stats.toString('errors-only')}`);
    return stats.toJson({all: false, chunks: true, chunkModules: true, ids: true});
  } finally {
    await new Promise((resolve) => compiler.close(resolve));
  }
}

describe('README "With a bundler": built by Vite and by webpack 5, run in headless Chromium', function () {
  this.timeout(600000);

  it('Vite: the bundled app fits on 2 Web Workers from the bundled gmm-worker.js and logs the lower bound and 2', async function () {
    requireChromium(this);
    // The README's block is TypeScript-flavoured JavaScript (no type annotations): Vite takes it as main.ts.
    const {dir, main} = writeApp('vite-app', 'main.ts');
    fs.writeFileSync(path.join(dir, 'index.html'), indexHtml('<script type="module" src="./main.ts"></script>'));
    const {build} = await import('vite');
    await build({
      root: dir,
      configFile: false,
      logLevel: 'error',
      build: {outDir: path.join(dir, 'dist'), emptyOutDir: true, target: 'es2022'},
    });
    const assets = fs.readdirSync(path.join(dir, 'dist/assets'));
    const workerChunk = assets.find((file) => /^gmm-worker-.*\.js$/.test(file));
    expect(workerChunk, `a worker chunk among ${assets}`).to.be.a('string');

    await expectReadmeRun(await runPage(path.join(dir, 'dist')), main, `/assets/${workerChunk}`);
  });

  it('webpack 5: the bundled app fits on 2 Web Workers from the bundled gmm-worker.js and logs the lower bound and 2', async function () {
    requireChromium(this);
    const {dir, main} = writeApp('webpack-app', 'main.js');
    const {chunks = []} = await webpackBuild(dir);
    // webpack makes `new Worker(new URL('./gmm-worker.js', import.meta.url), ...)` the entry of a
    // chunk of its own, outside the page's initial chunk.
    const workerChunks = chunks.filter(
      (chunk) => chunk.entry && !chunk.initial && chunk.modules?.some((module) => module.name === './gmm-worker.js'),
    );
    expect(
      workerChunks.map((chunk) => chunk.files),
      `one worker chunk for gmm-worker.js among ${JSON.stringify(chunks.map((chunk) => chunk.files))}`,
    ).to.have.length(1);
    const [workerChunk] = workerChunks[0].files ?? [];
    expect(fs.existsSync(path.join(dir, 'dist', workerChunk)), `dist/${workerChunk} emitted`).to.equal(true);
    // webpack's output is a classic script (output.module is off by default).
    fs.writeFileSync(path.join(dir, 'dist/index.html'), indexHtml('<script src="./main.js"></script>'));

    await expectReadmeRun(await runPage(path.join(dir, 'dist')), main, `/${workerChunk}`);
  });
});
