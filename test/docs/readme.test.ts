/**
 * Every code snippet in README.md runs. TypeScript snippets are written to their own files, with
 * `from 'tfjs-gmm'` pointing at this repository's sources, their statements wrapped in an async
 * function (snippets use top-level await), and executed with tsx on the cpu backend in a scratch
 * directory; HTML snippets are served as pages and loaded in headless Chromium. So the docs cannot
 * rot.
 */
import {expect} from 'chai';
import {spawnSync} from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import {buildBrowserBundle, collectErrors, launchBrowser, startServer} from '../browser/harness';

const ROOT = path.resolve(__dirname, '../..');

/** The ```<language> blocks of a markdown text, with the line each starts on. */
export function snippetsOf(markdown: string, language: string): {line: number; code: string}[] {
  const snippets: {line: number; code: string}[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== '```' + language) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end].trim() !== '```') end++;
    snippets.push({line: start + 1, code: lines.slice(start, end).join('\n')});
    i = end;
  }
  return snippets;
}

/** A runnable module: the snippet's imports on top, the rest inside an async main on cpu. */
function runnable(code: string, sources: string): string {
  const lines = code.split('\n');
  const imports = lines
    .filter((l) => /^import\s/.test(l))
    .map((l) => l.replace(/from 'tfjs-gmm'/, `from ${JSON.stringify(sources)}`));
  const body = lines.filter((l) => !/^import\s/.test(l));
  return [
    "import '@tensorflow/tfjs-backend-cpu';",
    "import {setBackend as setBackendForSnippet} from '@tensorflow/tfjs-core';",
    ...imports,
    'async function main(): Promise<void> {',
    "  await setBackendForSnippet('cpu');",
    ...body.map((l) => `  ${l}`),
    '}',
    'main().catch((e) => { console.error(e); process.exit(1); });',
  ].join('\n');
}

describe('README snippets', function () {
  this.timeout(300000);
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const snippets = snippetsOf(readme, 'ts');
  let scratch: string;
  let cwd: string;

  before(() => {
    // Snippet files live inside the repository so that tsx resolves its node_modules.
    scratch = fs.mkdtempSync(path.join(ROOT, '.snippets-'));
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-gmm-readme-'));
  });
  after(() => {
    fs.rmSync(scratch, {recursive: true, force: true});
    fs.rmSync(cwd, {recursive: true, force: true});
  });

  it('has snippets for the ops, the layers, the mixture-density head and the estimator', () => {
    const all = snippets.map((s) => s.code).join('\n');
    for (const name of ['gmmLogProbPrecisionCholesky', 'GMMLayer', 'MixtureDensityHead', 'GaussianMixture'])
      expect(all).to.contain(name);
  });

  for (const snippet of snippets) {
    it(`the snippet at README.md line ${snippet.line} runs`, () => {
      const file = path.join(scratch, `snippet-${snippet.line}.ts`);
      fs.writeFileSync(file, runnable(snippet.code, path.join(ROOT, 'src')));
      const result = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), file], {
        cwd,
        encoding: 'utf8',
        timeout: 240000,
      });
      expect(result.status, `README.md line ${snippet.line}:\n${result.stderr}`).to.equal(0);
    });
  }

  for (const snippet of snippetsOf(readme, 'html')) {
    it(`the page at README.md line ${snippet.line} runs in headless Chromium`, async () => {
      buildBrowserBundle();
      // The snippet assumes tfjs-gmm installed under node_modules; here the bundle is in dist/.
      fs.writeFileSync(path.join(scratch, 'page.html'), snippet.code.replace('/node_modules/tfjs-gmm/dist/', '/dist/'));
      const server = await startServer();
      const browser = await launchBrowser();
      try {
        const page = await browser.newPage();
        const errors = collectErrors(page);
        const logs: string[] = [];
        const failedUrls: string[] = [];
        page.on('console', (message) => {
          if (message.type() === 'log') logs.push(message.text());
        });
        page.on('response', (response) => {
          if (response.status() >= 400) failedUrls.push(new URL(response.url()).pathname);
        });
        await page.goto(`${server.url}/${path.basename(scratch)}/page.html`);
        for (let i = 0; i < 100 && logs.length === 0 && errors.length === 0; i++)
          await new Promise((r) => setTimeout(r, 100));
        // The browser asks for /favicon.ico on its own; every file the snippet names must load.
        expect(
          failedUrls.filter((u) => u !== '/favicon.ico'),
          'failed requests',
        ).to.deep.equal([]);
        expect(
          errors.filter((e) => !e.startsWith('Failed to load resource')),
          'console errors',
        ).to.deep.equal([]);
        expect(logs.length, 'the snippet logged its result').to.be.at.least(1);
      } finally {
        await browser.close();
        await server.close();
      }
    });
  }
});
