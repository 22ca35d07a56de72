import {expect} from 'chai';

import {CsvError, parseNumericCsv} from '../../src/cli/csv';
import {symmetricEigen} from '../../src/cli/eigen';
import {ellipsePoints, projectTo2D} from '../../src/cli/plot';
import {FAMILY_TO_COVARIANCE, UsageError, helpText, parseOptions} from '../../src/cli/options';
import {ProgressReporter} from '../../src/cli/progress';
import {COVARIANCE_TYPES} from '../../src';
import {expectClose} from '../helpers/assertions';

/** The message of the UsageError parseOptions throws for `argv` ('' when it does not throw). */
function message(argv: string[]): string {
  try {
    parseOptions(argv);
  } catch (e) {
    expect(e).to.be.instanceOf(UsageError);
    return (e as Error).message;
  }
  return '';
}

describe('CLI building blocks', () => {
  describe('option parsing', () => {
    it('applies defaults, accepts --name value and --name=value, and maps --family', () => {
      const o = parseOptions(['--components', '5', '--covariance=diag', '--seed', '7', '--method', 'sgd']);
      expect(o).to.include({components: 5, covariance: 'diag', seed: 7, method: 'sgd', samples: 2000});
      expect(o.backend, 'unset: the fastest installed backend is picked at run time').to.equal(undefined);
      expect(parseOptions(['--backend', 'cpu']).backend).to.equal('cpu');
      expect(parseOptions(['--family', 'isotropic']).covariance).to.equal('spherical');
      expect(parseOptions(['--family', 'diagonal', '--covariance', 'diag']).covariance).to.equal('diag');
      // The PyTorch demo's five families.
      for (const family of ['full', 'diagonal', 'isotropic', 'shared_isotropic'])
        expect(parseOptions(['--family', family]).family).to.equal(family);
      expect(parseOptions(['--family', 'constant', '--method', 'sgd', '--variance', '0.5'])).to.include({
        covariance: 'constant',
        variance: 0.5,
      });
    });

    it('offers as --family every covariance type of the registry and the PyTorch names of them, nothing else', () => {
      expect(Object.keys(FAMILY_TO_COVARIANCE)).to.deep.equal([...COVARIANCE_TYPES, 'diagonal', 'isotropic']);
      for (const [family, type] of Object.entries(FAMILY_TO_COVARIANCE)) {
        expect(COVARIANCE_TYPES).to.include(type);
        // Both methods fit every type (EM keeps the fixed variance of constant).
        expect(parseOptions(['--family', family, '--method', 'sgd']).covariance).to.equal(type);
        expect(parseOptions(['--family', family]).covariance).to.equal(type);
      }
      const familyLine = helpText()
        .split('\n')
        .find((l) => l.startsWith('  --family'))!;
      expect(familyLine.trim()).to.equal(`--family ${Object.keys(FAMILY_TO_COVARIANCE).join('|')}`);
    });

    it('rejects unknown flags and bad values with a message naming the flag', () => {
      expect(message(['--componets', '3'])).to.equal(
        'unknown option --componets (did you mean --components?; see --help)',
      );
      expect(message(['--n_init', '3'])).to.equal('unknown option --n_init (did you mean --n-init?; see --help)');
      expect(message(['--visualise', 'a.svg'])).to.equal(
        'unknown option --visualise (did you mean --visualize?; see --help)',
      );
      expect(message(['--learning-rate', '0.1'])).to.equal('unknown option --learning-rate (see --help)');
      expect(message(['--components', '0'])).to.equal('--components must be >= 1, but got 0');
      expect(message(['--components', '2.5'])).to.equal('--components must be an integer, but got "2.5"');
      expect(message(['--radius', '-1'])).to.equal('--radius must be > 0, but got -1');
      expect(message(['--covariance', 'diagonal'])).to.equal(
        '--covariance must be one of full, tied, diag, spherical, shared_isotropic, constant, but got "diagonal"',
      );
      expect(message(['--family', 'shared'])).to.equal(
        `--family must be one of ${Object.keys(FAMILY_TO_COVARIANCE).join(', ')}, but got "shared"`,
      );
      expect(message(['--covariance', 'diag', '--variance', '2'])).to.equal(
        '--variance is the fixed variance of covariance constant, but the covariance is diag (which is learned)',
      );
      expect(message(['--family', 'constant', '--method', 'sgd', '--variance', '0'])).to.equal(
        '--variance must be > 0, but got 0',
      );
      expect(message(['--output'])).to.equal('--output needs a value');
      expect(message(['--help=yes'])).to.equal('--help takes no value');
      expect(message(['data.csv'])).to.contain('unexpected argument "data.csv"');
      expect(message(['--model', 'm.json'])).to.equal('--model needs --input: the data to score');
    });

    it('rejects flags that other flags make meaningless, instead of ignoring them', () => {
      const score = ['--input', 'd.csv', '--model', 'm.json'];
      expect(message([...score, '--components', '3'])).to.equal(
        '--components cannot be used with --model, which scores a saved model instead of fitting one',
      );
      for (const flag of [
        '--method em',
        '--covariance diag',
        '--family diagonal',
        '--iterations 5',
        '--log-freq 2',
        '--tol 0.1',
        '--n-init 2',
        '--seed 3',
      ])
        expect(message([...score, ...flag.split(' ')]), flag).to.contain(
          `${flag.split(' ')[0]} cannot be used with --model`,
        );
      expect(message([...score, '--method', 'sgd', '--mixture-lr', '0.1'])).to.equal(
        '--method, --mixture-lr cannot be used with --model, which scores a saved model instead of fitting one',
      );
      expect(parseOptions([...score, '--output', 'copy.json', '--predict', 'p.csv']).model).to.equal('m.json');
      expect(message(['--input', 'd.csv', '--samples', '10', '--dims', '3'])).to.equal(
        '--samples, --dims cannot be used with --input: they apply to generated data only',
      );
      expect(message(['--mixture-lr', '0.1'])).to.equal(
        '--mixture-lr applies to --method sgd only, but the method is em',
      );
      expect(message(['--method', 'sgd', '--tol', '0.1', '--n-init', '2'])).to.equal(
        '--tol, --n-init apply to --method em only, but the method is sgd',
      );
      expect(message(['--family', 'diagonal', '--covariance', 'full'])).to.equal(
        '--family diagonal (covariance diag) conflicts with --covariance full: give one of them',
      );
      expect(message(['--components', '2', '--components', '3'])).to.equal('--components is given more than once');
    });

    it('aligns --help: every description starts at one column, long flags put it on the next line', () => {
      const lines = helpText().split('\n');
      const options = lines.slice(lines.indexOf('Options:') + 1, lines.indexOf('', lines.indexOf('Options:')));
      expect(options.length).to.be.greaterThan(20);
      const column = /^( {2}--\S+(?: \S+)? {2,})\S/.exec(options[0])![1].length;
      for (const [i, line] of options.entries()) {
        expect(line.length, line).to.be.at.most(100);
        if (line.startsWith('  --')) {
          if (/^ {2}--\S+( \S+)?$/.test(line)) {
            // A long flag alone: its description starts the next line, at the column.
            expect(options[i + 1], line).to.match(new RegExp(`^ {${column}}\\S`));
          } else {
            // The flag, at least two spaces, and the description at the column.
            expect(line.slice(0, column), line).to.match(/^ {2}--\S+( \S+)? {2,}$/);
            expect(line[column], line).to.not.equal(' ');
          }
        } else {
          expect(line, 'continuation lines start at the column').to.match(new RegExp(`^ {${column}}\\S`));
        }
      }
    });

    it('documents every option in --help', () => {
      const text = helpText();
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
        '--help',
      ]) {
        expect(text).to.contain(flag);
      }
    });
  });

  describe('progress', () => {
    it('puts other output (a warning) on a line of its own, not on the bar', () => {
      let text = '';
      const terminal = {write: (s: string) => (text += s), isTTY: true, columns: 120};
      const reporter = new ProgressReporter(terminal, 'EM', 10, 'lower bound', 5);
      reporter.update({iteration: 9, value: -1.5});
      reporter.interrupt(() => terminal.write('tfjs-gmm: warning: did not converge\n'));
      reporter.update({iteration: 10, value: -1.4});
      reporter.finish();
      const lines = text.split('\n');
      expect(lines[1]).to.equal('tfjs-gmm: warning: did not converge');
      expect(lines[2]).to.match(/^\rEM \[#{24}\] 10\/10/);
      expect(lines).to.have.length(4); // bar, warning, bar, and the empty rest after the final newline
      expect(lines[3]).to.equal('');
    });
  });

  describe('CSV input', () => {
    it('reads numbers with or without a header, skipping blank and comment lines', () => {
      expect(parseNumericCsv('1,2\n3,4\n', 'a.csv')).to.deep.equal({
        rows: [
          [1, 2],
          [3, 4],
        ],
        header: null,
      });
      expect(parseNumericCsv('# comment\nx,"y"\n1.5,-2e3\n\n3,4\r\n', 'b.csv')).to.deep.equal({
        rows: [
          [1.5, -2000],
          [3, 4],
        ],
        header: ['x', 'y'],
      });
    });

    it('reports every bad line with its line number', () => {
      let error: CsvError | undefined;
      try {
        parseNumericCsv('a,b\n1,2\n3\n4,x\n5,6,7\n8,NaN\n', 'data.csv');
      } catch (e) {
        error = e as CsvError;
      }
      expect(error).to.be.instanceOf(CsvError);
      expect(error!.problems).to.deep.equal([
        'line 3: expected 2 columns, got 1',
        'line 4, column 2 (b): "x" is not a decimal number',
        'line 5: expected 2 columns, got 3',
        'line 6, column 2 (b): "NaN" is not a decimal number',
      ]);
      expect(error!.message).to.match(/^data\.csv: 4 bad lines:/);
      expect(() => parseNumericCsv('x,y\n', 'empty.csv')).to.throw('empty.csv: 1 bad line:\n  no data rows');
    });
  });

  describe('plot geometry', () => {
    it('symmetricEigen reconstructs the matrix, eigenvalues in decreasing order', () => {
      const a = [
        [4, 1, 0.5],
        [1, 3, 0.2],
        [0.5, 0.2, 1],
      ];
      const {values, vectors} = symmetricEigen(a);
      expect(values[0]).to.be.above(values[1]);
      expect(values[1]).to.be.above(values[2]);
      const rebuilt = a.map((_, i) =>
        a.map((__, j) => values.reduce((s, l, k) => s + l * vectors[k][i] * vectors[k][j], 0)),
      );
      expectClose(rebuilt, a, {atol: 1e-12});
    });

    it('the r-sigma ellipse has Mahalanobis radius r everywhere', () => {
      const cov = [
        [2, 0.7],
        [0.7, 0.5],
      ];
      const det = cov[0][0] * cov[1][1] - cov[0][1] ** 2;
      for (const p of ellipsePoints([1, -2], cov, 2, 16)) {
        const d = [p[0] - 1, p[1] + 2];
        const m = (cov[1][1] * d[0] ** 2 - 2 * cov[0][1] * d[0] * d[1] + cov[0][0] * d[1] ** 2) / det;
        expect(Math.sqrt(m)).to.be.closeTo(2, 1e-9);
      }
    });

    it('projects D > 2 onto the principal plane of the data, covariances as W^T S W', () => {
      // Data spread along (1, 1, 0) and (0, 0, 1); the third axis (1, -1, 0) is flat.
      const x = Array.from({length: 200}, (_, i) => {
        // Orthogonal over the full period: the sample covariance is exactly diagonal in (u, v).
        const a = 3 * Math.cos((2 * Math.PI * i) / 200);
        const b = Math.sin((6 * Math.PI * i) / 200);
        return [a, a, b];
      });
      const mixture = {
        weights: [1],
        means: [[1, 1, 0]],
        covariances: [
          [
            [1, 0, 0],
            [0, 1, 0],
            [0, 0, 1],
          ],
        ],
      };
      const p = projectTo2D(x, mixture);
      expect(p.axes).to.deep.equal(['principal axis 1', 'principal axis 2']);
      expect(Math.abs(p.mixture.means[0][0])).to.be.closeTo(Math.SQRT2, 1e-9);
      expectClose(
        p.mixture.covariances[0],
        [
          [1, 0],
          [0, 1],
        ],
        {atol: 1e-9},
      );
    });
  });
});
