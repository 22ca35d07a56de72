/**
 * Every code block of README.md runs as written, in a project installed the way the README tells
 * a new user to (test/helpers/consumer.ts: the packed package and the Install section's lines):
 * TypeScript blocks with the project's tsx (`npx tsx example.mts`, as the README says), Python
 * blocks with python3 (skipped when numpy and scikit-learn are missing), HTML blocks served from
 * the project's root and loaded in headless Chromium. Nothing is injected: a snippet that forgets
 * its backend import fails here as it would for a user. The blocks run in README order in one
 * directory, so that a block can read what an earlier one wrote. The `sh` blocks are commands:
 * the Install lines make the project, and the command-line examples run in test/cli/cli.test.ts.
 */
import {expect} from 'chai';
import {spawnSync} from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import {collectErrors, launchBrowser, requireChromium, startServer} from '../browser/harness';
import {ROOT, consumerProject} from '../helpers/consumer';

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

interface Block {
  language: 'ts' | 'python' | 'html';
  line: number;
  code: string;
}

/** Whether python3 with numpy and scikit-learn is available (the Python snippets need them). */
function hasScikitLearn(): boolean {
  return spawnSync('python3', ['-c', 'import numpy, sklearn'], {encoding: 'utf8'}).status === 0;
}

/** Files a snippet reads by name (readFileSync('name') / open("name")). */
function filesRead(code: string): string[] {
  return [...code.matchAll(/readFileSync\('([^']+)'|open\("([^"]+)"\)(?!, "w")/g)].map((m) => m[1] ?? m[2]);
}

describe('README code blocks, run as written in a freshly installed consumer project', function () {
  this.timeout(300000);
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const blocks: Block[] = (['ts', 'python', 'html'] as const)
    .flatMap((language) => snippetsOf(readme, language).map((s) => ({language, ...s})))
    .sort((a, b) => a.line - b.line);
  let project: string;
  let work: string;
  let sklearn = false;

  before(function () {
    this.timeout(900000);
    project = consumerProject().dir;
    work = path.join(project, 'readme');
    fs.mkdirSync(work, {recursive: true});
    sklearn = hasScikitLearn();
  });

  it('has snippets for the ops, the layers, the mixture-density head, the estimator and scikit-learn', () => {
    const all = blocks.map((s) => s.code).join('\n');
    for (const name of [
      'gmmLogProbPrecisionCholesky',
      'GMMLayer',
      'MixtureDensityHead',
      'GaussianMixture',
      'fromSklearnJSON',
    ])
      expect(all).to.contain(name);
    expect(blocks.filter((b) => b.language === 'python')).to.have.length.at.least(1);
  });

  /** Skips a snippet that reads a file which a skipped (Python) snippet would have written. */
  function skipWithoutInputs(context: Mocha.Context, code: string): void {
    const missing = filesRead(code).filter((file) => !fs.existsSync(path.join(work, file)));
    if (missing.length > 0 && !sklearn) {
      console.log(
        `      skipped: reads ${missing.join(', ')}, written by a Python snippet (python3 with scikit-learn is missing)`,
      );
      context.skip();
    }
  }

  for (const block of blocks) {
    if (block.language === 'ts') {
      it(`the TypeScript snippet at README.md line ${block.line} runs (npx tsx)`, function () {
        skipWithoutInputs(this, block.code);
        const file = `snippet-${block.line}.mts`;
        fs.writeFileSync(path.join(work, file), block.code + '\n');
        const result = spawnSync('npx', ['--no-install', 'tsx', file], {cwd: work, encoding: 'utf8', timeout: 280000});
        expect(result.status, `README.md line ${block.line}:\n${result.stdout}\n${result.stderr}`).to.equal(0);
      });
    } else if (block.language === 'python') {
      it(`the Python snippet at README.md line ${block.line} runs (python3, scikit-learn)`, function () {
        if (!sklearn) {
          console.log('      skipped: python3 with numpy and scikit-learn is not installed');
          this.skip();
        }
        const file = `snippet-${block.line}.py`;
        fs.writeFileSync(path.join(work, file), block.code + '\n');
        const result = spawnSync('python3', [file], {cwd: work, encoding: 'utf8', timeout: 120000});
        expect(result.status, `README.md line ${block.line}:\n${result.stdout}\n${result.stderr}`).to.equal(0);
      });
    } else {
      it(`the page at README.md line ${block.line} runs in headless Chromium, served from the project's root`, async function () {
        requireChromium(this);
        const page = `page-${block.line}.html`;
        fs.writeFileSync(path.join(work, page), block.code);
        let server: Awaited<ReturnType<typeof startServer>> | null = null;
        let browser: Awaited<ReturnType<typeof launchBrowser>> | null = null;
        try {
          server = await startServer({root: project});
          browser = await launchBrowser();
          const tab = await browser.newPage();
          const errors = collectErrors(tab);
          const logs: string[] = [];
          const failedUrls: string[] = [];
          tab.on('console', (message) => {
            if (message.type() === 'log') logs.push(message.text());
          });
          tab.on('response', (response) => {
            if (response.status() >= 400) failedUrls.push(new URL(response.url()).pathname);
          });
          // The browser asks for /favicon.ico on its own (a 404, logged as a console error, that
          // may come before a slower snippet's log); every file the snippet names must load.
          const realErrors = () => errors.filter((e) => !e.startsWith('Failed to load resource'));
          await tab.goto(`${server.url}/readme/${page}`);
          for (let i = 0; i < 100 && logs.length === 0 && realErrors().length === 0; i++)
            await new Promise((r) => setTimeout(r, 100));
          expect(
            failedUrls.filter((u) => u !== '/favicon.ico'),
            'failed requests',
          ).to.deep.equal([]);
          expect(realErrors(), 'console errors').to.deep.equal([]);
          expect(logs.length, 'the snippet logged its result').to.be.at.least(1);
        } finally {
          await browser?.close();
          await server?.close();
        }
      });
    }
  }

  it('the TypeScript snippets type-check against the installed package (tsc, strict)', function () {
    const files = blocks.filter((b) => b.language === 'ts').map((b) => `typecheck-${b.line}.mts`);
    blocks
      .filter((b) => b.language === 'ts')
      .forEach((b, i) => fs.writeFileSync(path.join(work, files[i]), b.code + '\n'));
    fs.writeFileSync(
      path.join(work, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'ES2022',
          lib: ['ES2022', 'DOM'],
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [path.join(ROOT, 'node_modules/@types')],
        },
        files,
      }),
    );
    const result = spawnSync(
      process.execPath,
      [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'],
      {
        cwd: work,
        encoding: 'utf8',
        timeout: 200000,
      },
    );
    expect(result.status, `${result.stdout}\n${result.stderr}`).to.equal(0);
  });
});
