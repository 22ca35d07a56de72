/**
 * The command line protects its inputs and refuses what it cannot do, as users run it: the built
 * `bin` in a subprocess, with exit codes, messages, and the input file's SHA-256 before and after.
 */
import {expect} from 'chai';
import {execFileSync, spawnSync} from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import {generateMixtureData} from '../../src/cli/generate';
import {MAX_PLOT_POINTS} from '../../src/cli/figure_data';
import {LIMITS} from '../../src/cli/options';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'dist/src/cli/main.js');

function cli(args: string[], cwd: string) {
  const started = Date.now();
  const r = spawnSync('node', [BIN, ...args], {cwd, encoding: 'utf8', timeout: 300000});
  return {code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, seconds: (Date.now() - started) / 1000};
}

function sha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

describe('tfjs-gmm command line: protecting inputs, refusing the impossible', function () {
  this.timeout(900000);
  let dir: string;
  let csv: string;
  let checksum: string;

  before(() => {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], {cwd: ROOT, stdio: 'inherit'});
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-gmm-cli-protect-'));
    csv = path.join(dir, 'data.csv');
    const data = generateMixtureData(200, 2, 2, 6, 3);
    fs.writeFileSync(csv, data.x.map((r) => r.map((v) => v.toFixed(5)).join(',')).join('\n') + '\n');
    checksum = sha256(csv);
  });
  afterEach(() => expect(sha256(csv), 'the input file is untouched').to.equal(checksum));
  after(() => fs.rmSync(dir, {recursive: true, force: true}));

  it('refuses outputs that name the input (also through another spelling or a symbolic link) or each other', () => {
    fs.symlinkSync(csv, path.join(dir, 'link.csv'));
    const base = ['--input', csv, '--components', '2', '--backend', 'cpu'];
    for (const [flag, target] of [
      ['--output', csv],
      ['--predict', path.join(dir, 'sub', '..', 'data.csv')],
      ['--visualize', path.join(dir, 'link.csv')],
    ]) {
      const r = cli([...base, flag, target], dir);
      expect(r.code, `${flag} ${target}`).to.equal(2);
      expect(r.stderr).to.contain(`tfjs-gmm: ${flag} ${target} and --input ${csv} are the same file`);
      expect(r.stderr).to.contain('the output would overwrite the input');
    }
    const both = cli([...base, '--output', 'out.svg', '--visualize', './out.svg'], dir);
    expect(both.code).to.equal(2);
    expect(both.stderr)
      .to.contain('--visualize ./out.svg and --output out.svg are the same file')
      .and.contain('one output would overwrite the other');
    const loss = cli([...base, '--output', 'fig.loss.svg', '--visualize', 'fig.svg'], dir);
    expect(loss.code).to.equal(2);
    expect(loss.stderr).to.contain('--visualize (loss curve) fig.loss.svg and --output fig.loss.svg');
    expect(fs.readdirSync(dir).sort()).to.deep.equal(['data.csv', 'link.csv']);
  });

  it('a first line that is almost numeric is data with an error (line and column), not a header', () => {
    const typo = path.join(dir, 'typo.csv');
    fs.writeFileSync(typo, '-0.O7059,0.8590\n1,2\n3,4\n');
    const r = cli(['--input', typo, '--components', '1', '--predict', 'p.csv', '--backend', 'cpu'], dir);
    expect(r.code).to.equal(1);
    expect(r.stderr)
      .to.contain(`tfjs-gmm: ${typo}: 1 bad line:`)
      .and.contain('line 1, column 1: "-0.O7059" is not a decimal number');
    expect(fs.existsSync(path.join(dir, 'p.csv'))).to.equal(false);
  });

  it('only decimal numbers within the float32 range: 0x10, 0b11 and 1e39 are errors with line numbers', () => {
    const bad = path.join(dir, 'bad-numbers.csv');
    fs.writeFileSync(bad, 'x,y\n1,2\n0x10,1\n2,0b11\n1e39,1\n1e38,-1e38\n');
    const r = cli(['--input', bad, '--components', '1', '--backend', 'cpu'], dir);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.contain(`${bad}: 3 bad lines:`);
    expect(r.stderr).to.contain('line 3, column 1 (x): "0x10" is not a decimal number');
    expect(r.stderr).to.contain('line 4, column 2 (y): "0b11" is not a decimal number');
    expect(r.stderr).to.contain('line 5, column 1 (x): "1e39" is outside the float32 range');
    expect(r.stderr).to.not.contain('line 6');
  });

  it("';' and tab separated files are read as such: the same predictions as the comma file", () => {
    const predictions: string[] = [];
    for (const [name, separator] of [
      ['comma.csv', ','],
      ['semicolon.csv', ';'],
      ['tab.tsv', '\t'],
    ]) {
      const file = path.join(dir, name);
      fs.writeFileSync(file, fs.readFileSync(csv, 'utf8').replace(/,/g, separator));
      const out = path.join(dir, `${name}.predictions.csv`);
      const r = cli(['--input', file, '--components', '2', '--predict', out, '--backend', 'cpu', '--quiet'], dir);
      expect(r.code, r.stderr).to.equal(0);
      predictions.push(fs.readFileSync(out, 'utf8'));
    }
    expect(predictions[1]).to.equal(predictions[0]);
    expect(predictions[2]).to.equal(predictions[0]);
    expect(predictions[0].trim().split('\n')).to.have.length(201);
    expect(fs.readdirSync(dir).filter((f) => f.includes('.tmp-'))).to.deep.equal([]);
  });

  it('--model pointing at JSON null is a clear error', () => {
    const model = path.join(dir, 'null.json');
    fs.writeFileSync(model, 'null');
    const r = cli(['--input', csv, '--model', model, '--backend', 'cpu'], dir);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.contain(`tfjs-gmm: model ${model} must hold a JSON object`).and.contain('but it holds null');
  });

  it('absurd --components/--samples/--dims are usage errors at once, before anything is allocated', () => {
    for (const [args, message] of [
      [['--components', '1e9'], `--components must be <= ${LIMITS.components} (the CLI's size limit), but got 1e9`],
      [['--samples', '1e9'], `--samples must be <= ${LIMITS.samples} (the CLI's size limit), but got 1e9`],
      [['--dims', '100000'], `--dims must be <= ${LIMITS.dims} (the CLI's size limit), but got 100000`],
      [['--samples', '1000000', '--dims', '100'], `exceed the CLI's limit of ${LIMITS.values} generated values`],
      [['--components', '100', '--dims', '1000'], `exceed the CLI's limit of ${LIMITS.covarianceValues}`],
    ] as const) {
      const r = cli([...args, '--backend', 'cpu'], dir);
      expect(r.code, args.join(' ')).to.equal(2);
      expect(r.stderr).to.contain(message);
    }
  });

  it(`--visualize draws at most ${MAX_PLOT_POINTS} points, seeded, and says so in the title`, () => {
    const large = path.join(dir, 'large.csv');
    const data = generateMixtureData(20000, 2, 2, 6, 5);
    fs.writeFileSync(large, data.x.map((r) => r.map((v) => v.toFixed(4)).join(',')).join('\n') + '\n');
    const svgs = [1, 2].map((run) => {
      const figure = path.join(dir, `large-${run}.svg`);
      const r = cli(
        [
          '--input',
          large,
          '--components',
          '2',
          '--iterations',
          '5',
          '--visualize',
          figure,
          '--backend',
          'cpu',
          '--quiet',
        ],
        dir,
      );
      expect(r.code, r.stderr).to.equal(0);
      return fs.readFileSync(figure, 'utf8');
    });
    expect(svgs[1], 'the same seed draws the same sample').to.equal(svgs[0]);
    expect(svgs[0]).to.contain(`${MAX_PLOT_POINTS} of 20000 points drawn`);
    const points = (svgs[0].match(/<circle/g) ?? []).length;
    expect(points)
      .to.be.at.least(MAX_PLOT_POINTS)
      .and.at.most(MAX_PLOT_POINTS + 2);
  });

  it('--visualize of 200k rows with one column does not overflow the stack', () => {
    const tall = path.join(dir, 'tall.csv');
    let s = 7;
    const rows = Array.from({length: 200000}, (_, i) => {
      s = (s * 16807) % 2147483647;
      return ((i % 2) * 5 + s / 2147483647).toFixed(4);
    });
    fs.writeFileSync(tall, rows.join('\n') + '\n');
    const r = cli(
      [
        '--input',
        tall,
        '--components',
        '2',
        '--iterations',
        '3',
        '--visualize',
        'tall.svg',
        '--backend',
        'cpu',
        '--quiet',
      ],
      dir,
    );
    expect(r.code, r.stderr).to.equal(0);
    expect(fs.readFileSync(path.join(dir, 'tall.svg'), 'utf8')).to.contain('gmm-density');
  });

  it('a 20 x 100000 diag fit is summarised and drawn without D x D covariances', () => {
    const wide = path.join(dir, 'wide.csv');
    let s = 11;
    const rows = Array.from({length: 20}, (_, i) =>
      Array.from({length: 100000}, () => {
        s = (s * 16807) % 2147483647;
        return ((i % 2) * 3 + s / 2147483647).toFixed(3);
      }).join(','),
    );
    fs.writeFileSync(wide, rows.join('\n') + '\n');
    const r = cli(
      [
        '--input',
        wide,
        '--components',
        '2',
        '--covariance',
        'diag',
        '--iterations',
        '3',
        '--visualize',
        'wide.svg',
        '--backend',
        'cpu',
      ],
      dir,
    );
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.contain('(20 x 100000)').and.contain('mean log-likelihood');
    expect(fs.readFileSync(path.join(dir, 'wide.svg'), 'utf8')).to.contain('principal axis 1');
  });
});
