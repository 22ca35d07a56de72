/**
 * Every TypeScript snippet in README.md runs: each is written to its own file, with
 * `from 'tfjs-gmm'` pointing at this repository's sources, its statements wrapped in an async
 * function (snippets use top-level await), and executed with tsx on the cpu backend in a scratch
 * directory. So the docs cannot rot.
 */
import {expect} from 'chai';
import {spawnSync} from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../..');

/** The ```ts blocks of a markdown text, with the line each starts on. */
export function typescriptSnippets(markdown: string): {line: number; code: string}[] {
  const snippets: {line: number; code: string}[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== '```ts') continue;
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
  const imports = lines.filter((l) => /^import\s/.test(l)).map((l) => l.replace(/from 'tfjs-gmm'/, `from ${JSON.stringify(sources)}`));
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
  const snippets = typescriptSnippets(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
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
    for (const name of ['gmmLogProbPrecisionCholesky', 'GMMLayer', 'MixtureDensityHead', 'GaussianMixture']) expect(all).to.contain(name);
  });

  for (const snippet of snippets) {
    it(`the snippet at README.md line ${snippet.line} runs`, () => {
      const file = path.join(scratch, `snippet-${snippet.line}.ts`);
      fs.writeFileSync(file, runnable(snippet.code, path.join(ROOT, 'src')));
      const result = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), file], {cwd, encoding: 'utf8', timeout: 240000});
      expect(result.status, `README.md line ${snippet.line}:\n${result.stderr}`).to.equal(0);
    });
  }
});
