/**
 * The command-line tool as users run it: the built `bin` in a subprocess, checking exit codes,
 * messages and the files it writes.
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import {expect} from 'chai';
import {execFileSync, spawnSync} from 'child_process';
import * as fs from 'fs';
import {JSDOM} from 'jsdom';
import * as os from 'os';
import * as path from 'path';

import {GaussianMixture} from '../../src';
import {run} from '../../src/cli/main';
import {ProgressReporter} from '../../src/cli/progress';
import {generateMixtureData} from '../../src/cli/generate';
import {expectClose} from '../helpers/assertions';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'dist/src/cli/main.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], cwd: string): Run {
  const result = spawnSync('node', [BIN, ...args], {cwd, encoding: 'utf8', timeout: 120000});
  return {code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr};
}

/** Parses an SVG file as XML (fails on malformed markup) and counts the ellipse groups. */
function ellipseGroups(file: string): number[] {
  const {window} = new JSDOM('');
  const doc = new window.DOMParser().parseFromString(fs.readFileSync(file, 'utf8'), 'image/svg+xml');
  expect(doc.getElementsByTagName('parsererror').length, `${file} parses`).to.equal(0);
  expect(doc.documentElement.tagName).to.equal('svg');
  return Array.from(doc.querySelectorAll('g.gmm-ellipse'))
    .map((g) => Number(/gmm-ellipse-(\d+)/.exec(g.getAttribute('class')!)![1]))
    .sort((a, b) => a - b);
}

function readCsv(file: string): string[][] {
  return fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(','));
}

describe('tfjs-gmm command line', function () {
  this.timeout(600000);
  let dir: string;

  before(async () => {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], {cwd: ROOT, stdio: 'inherit'});
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-gmm-cli-'));
    await tf.setBackend('cpu');
  });
  after(() => fs.rmSync(dir, {recursive: true, force: true}));

  it('--help lists every option and exits 0', () => {
    const r = cli(['--help'], dir);
    expect(r.code).to.equal(0);
    for (const flag of [
      '--samples',
      '--components',
      '--dims',
      '--iterations',
      '--family',
      '--log-freq',
      '--radius',
      '--mixture-lr',
      '--component-lr',
      '--visualize',
      '--seed',
      '--method',
      '--covariance',
      '--backend',
      '--input',
      '--output',
      '--predict',
    ]) {
      expect(r.stdout).to.contain(flag);
    }
  });

  for (const method of ['em', 'sgd'] as const) {
    for (const covariance of ['full', 'tied', 'diag', 'spherical', 'shared_isotropic'] as const) {
      it(`fits generated data by ${method} with ${covariance} covariances, reports progress and draws one ellipse group per component`, () => {
        const figure = path.join(dir, `${method}-${covariance}.svg`);
        const r = cli(
          [
            '--method',
            method,
            '--covariance',
            covariance,
            '--components',
            '3',
            '--samples',
            '600',
            '--seed',
            '5',
            '--iterations',
            method === 'em' ? '100' : '250',
            '--backend',
            'wasm',
            '--visualize',
            figure,
          ],
          dir,
        );
        expect(r.code, r.stderr).to.equal(0);
        expect(r.stdout).to.contain(`fitting 3 ${covariance} components to 600 x 2 generated samples`);
        expect(r.stdout).to.match(
          method === 'em' ? /EM iteration 1\/100 {2}lower bound -\d/ : /Adam iteration 100\/250 {2}loss \d/,
        );
        expect(r.stdout).to.match(/mean log-likelihood -?\d+\.\d{4}, BIC/);
        // The generated components are recovered: every true mean has a fitted one nearby.
        const errors = [...r.stdout.matchAll(/^\s+\d\s+\d\.\d{3}\s+\[.*\]\s+\d\s+(\d+\.\d{3})$/gm)].map((m) =>
          Number(m[1]),
        );
        expect(errors).to.have.length(3);
        expect(Math.max(...errors), r.stdout).to.be.below(covariance === 'full' || covariance === 'diag' ? 0.5 : 1.5);
        expect(ellipseGroups(figure)).to.deep.equal([0, 1, 2]);
        expect(fs.existsSync(path.join(dir, `${method}-${covariance}.loss.svg`))).to.equal(true);
      });
    }
  }

  it("fits --family constant (the PyTorch demo's fixed variance) by gradient descent, keeping --variance", () => {
    const output = path.join(dir, 'constant.json');
    const r = cli(
      [
        '--family',
        'constant',
        '--method',
        'sgd',
        '--variance',
        '0.8',
        '--samples',
        '600',
        '--seed',
        '5',
        '--iterations',
        '250',
        '--output',
        output,
      ],
      dir,
    );
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.contain('fitting 3 constant components to 600 x 2 generated samples');
    const errors = [...r.stdout.matchAll(/^\s+\d\s+\d\.\d{3}\s+\[.*\]\s+\d\s+(\d+\.\d{3})$/gm)].map((m) =>
      Number(m[1]),
    );
    expect(errors).to.have.length(3);
    expect(Math.max(...errors), r.stdout).to.be.below(1.5);
    // The saved model is a constant mixture with the variance asked for (float32 of 0.8).
    const model = GaussianMixture.fromJSON(JSON.parse(fs.readFileSync(output, 'utf8')));
    expect(model.covarianceType).to.equal('constant');
    expect(model.variance).to.equal(0.8);
    expectClose(model.covariances, 0.8, {rtol: 1e-7, atol: 0});
    model.dispose();
  });

  it('fits --family constant by EM (the default method), keeping --variance', () => {
    const output = path.join(dir, 'constant-em.json');
    const r = cli(
      ['--family', 'constant', '--variance', '0.8', '--samples', '600', '--seed', '5', '--output', output],
      dir,
    );
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.contain('fitting 3 constant components to 600 x 2 generated samples');
    expect(r.stdout).to.contain('by EM');
    const errors = [...r.stdout.matchAll(/^\s+\d\s+\d\.\d{3}\s+\[.*\]\s+\d\s+(\d+\.\d{3})$/gm)].map((m) =>
      Number(m[1]),
    );
    expect(errors).to.have.length(3);
    // The same data and bound as the gradient-descent test above: EM finds the clusters too.
    expect(Math.max(...errors), r.stdout).to.be.below(1.5);
    const model = GaussianMixture.fromJSON(JSON.parse(fs.readFileSync(output, 'utf8')));
    expect(model.covarianceType).to.equal('constant');
    expect(model.variance).to.equal(0.8);
    expectClose(model.covariances, 0.8, {rtol: 1e-7, atol: 0});
    model.dispose();
  });

  it('fits a CSV, writes the model and predictions; the saved model scores the CSV again identically', () => {
    const data = generateMixtureData(300, 2, 3, 6, 11);
    const csv = path.join(dir, 'data.csv');
    fs.writeFileSync(csv, ['a,b,c', ...data.x.map((r) => r.map((v) => v.toFixed(6)).join(','))].join('\n') + '\n');
    const modelFile = path.join(dir, 'model.json');
    const predictions = path.join(dir, 'predictions.csv');
    const fit = cli(
      [
        '--input',
        csv,
        '--components',
        '2',
        '--covariance',
        'diag',
        '--output',
        modelFile,
        '--predict',
        predictions,
        '--backend',
        'cpu',
      ],
      dir,
    );
    expect(fit.code, fit.stderr).to.equal(0);
    expect(fit.stdout).to.contain(`fitting 2 diag components to ${csv} (300 x 3)`);

    // The written model is the estimator's JSON: it loads here and gives the printed score.
    const model = GaussianMixture.fromJSON(JSON.parse(fs.readFileSync(modelFile, 'utf8')));
    const X = tf.tensor2d(data.x.map((r) => r.map((v) => Number(v.toFixed(6)))));
    const printed = Number(/mean log-likelihood (-?\d+\.\d+)/.exec(fit.stdout)![1]);
    expect(model.score(X)).to.be.closeTo(printed, 1e-4);

    const rows = readCsv(predictions);
    // 0-based rows, labels and component columns, as the API's and scikit-learn's.
    expect(rows[0]).to.deep.equal(['row', 'label', 'log_likelihood', 'p0', 'p1']);
    expect(rows).to.have.length(301);
    const labels = tf.tidy(() => model.predict(X).arraySync() as number[]);
    rows.slice(1).forEach((r, n) => {
      expect(Number(r[0])).to.equal(n);
      expect(Number(r[1])).to.equal(labels[n]);
      expect(Number(r[3]) + Number(r[4])).to.be.closeTo(1, 1e-5);
    });
    const logLikelihoods = tf.tidy(() => model.scoreSamples(X).arraySync() as number[]);
    expectClose(
      rows.slice(1).map((r) => Number(r[2])),
      logLikelihoods,
      {rtol: 1e-6, atol: 1e-5},
    );

    const again = path.join(dir, 'predictions-again.csv');
    const score = cli(['--input', csv, '--model', modelFile, '--predict', again, '--backend', 'wasm'], dir);
    expect(score.code, score.stderr).to.equal(0);
    expect(score.stdout).to.contain(`scored in`);
    expect(Number(/mean log-likelihood (-?\d+\.\d+)/.exec(score.stdout)![1])).to.be.closeTo(printed, 1e-3);
    expect(readCsv(again).map((r) => r[1])).to.deep.equal(rows.map((r) => r[1]));
    model.dispose();
    X.dispose();
  });

  it('writes a PNG when the figure name ends in .png', () => {
    const figure = path.join(dir, 'figure.png');
    const r = cli(['--samples', '300', '--visualize', figure, '--quiet', '--backend', 'cpu'], dir);
    expect(r.code, r.stderr).to.equal(0);
    expect(fs.readFileSync(figure).subarray(0, 8)).to.deep.equal(
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    );
    expect(fs.readFileSync(path.join(dir, 'figure.loss.png')).subarray(1, 4).toString()).to.equal('PNG');
  });

  it('rejects unknown flags and bad values with exit code 2 and a message naming the flag', () => {
    const unknown = cli(['--componets', '3'], dir);
    expect(unknown.code).to.equal(2);
    expect(unknown.stderr).to.equal('tfjs-gmm: unknown option --componets (did you mean --components?; see --help)\n');
    const conflict = cli(['--input', 'data.csv', '--model', 'model.json', '--components', '3'], dir);
    expect(conflict.code).to.equal(2);
    expect(conflict.stderr).to.equal(
      'tfjs-gmm: --components cannot be used with --model, which scores a saved model instead of fitting one\n',
    );
    const bad = cli(['--covariance', 'diagonal'], dir);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.contain(
      '--covariance must be one of full, tied, diag, spherical, shared_isotropic, constant, but got "diagonal"',
    );
    const negative = cli(['--samples', '-5'], dir);
    expect(negative.code).to.equal(2);
    expect(negative.stderr).to.contain('--samples must be >= 1, but got -5');
  });

  it('reports bad CSV lines with their line numbers and exits 1', () => {
    const csv = path.join(dir, 'bad.csv');
    fs.writeFileSync(csv, 'x,y\n1,2\n3,4\n5\n6,seven\n8,9\n');
    const r = cli(['--input', csv, '--components', '1'], dir);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.contain(`tfjs-gmm: ${csv}: 2 bad lines:`);
    expect(r.stderr).to.contain('line 4: expected 2 columns, got 1');
    expect(r.stderr).to.contain('line 5, column 2 (y): "seven" is not a decimal number');
    const missing = cli(['--input', path.join(dir, 'nope.csv')], dir);
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.contain('tfjs-gmm: cannot read input');
  });

  it('draws a progress bar in place on a terminal', () => {
    let text = '';
    const reporter = new ProgressReporter(
      {write: (s: string) => (text += s), isTTY: true, columns: 120},
      'EM',
      10,
      'lower bound',
      5,
    );
    reporter.update({iteration: 4, value: -1.5});
    reporter.finish();
    // eslint-disable-next-line no-control-regex -- the bar ends with the ANSI erase-line sequence
    expect(text).to.match(/^\rEM \[#{10}\.{14}\] 4\/10 {2}lower bound -1\.5000 {2}\d+\.\ds\x1b\[K\n$/);
  });

  it('prints a warning on a terminal on its own line, not on the progress bar', async () => {
    // stdout and stderr on one terminal, as a user sees them.
    let screen = '';
    const terminal = {write: (text: string) => (screen += text), isTTY: true, columns: 160};
    const backend = tf.getBackend();
    const prod = tf.env().getBool('PROD');
    try {
      const code = await run(['--samples', '300', '--iterations', '2', '--tol', '0', '--backend', 'cpu'], {
        stdout: terminal,
        stderr: terminal,
      });
      expect(code).to.equal(0);
    } finally {
      tf.env().set('PROD', prod);
      await tf.setBackend(backend);
    }
    const warning = screen.split('\n').find((line) => line.includes('warning'));
    expect(warning, screen).to.match(
      /^tfjs-gmm: warning: GaussianMixture\.fit: the best of 1 initialisation\(s\) did not converge/,
    );
  });

  it("runs the README's command-line examples as written (npx tfjs-gmm -> the built bin)", () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Command line'));
    const block = /```sh\n([\s\S]*?)```/.exec(section)![1];
    const commands = block
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('npx tfjs-gmm'));
    expect(commands.length).to.be.at.least(3);
    const work = fs.mkdtempSync(path.join(dir, 'readme-'));
    fs.mkdirSync(path.join(work, 'out'));
    for (const [name, seed] of [
      ['data.csv', 21],
      ['new.csv', 22],
    ] as const) {
      fs.writeFileSync(
        path.join(work, name),
        generateMixtureData(200, 3, 2, 6, seed)
          .x.map((r) => r.join(','))
          .join('\n') + '\n',
      );
    }
    for (const command of commands) {
      const r = cli(command.split(/\s+/).slice(2), work);
      expect(r.code, `${command}\n${r.stderr}`).to.equal(0);
    }
    for (const written of ['out/fit.svg', 'model.json', 'labels.csv', 'new-labels.csv'])
      expect(fs.existsSync(path.join(work, written)), written).to.equal(true);
  });
});
