import {expect} from 'chai';

import {CsvError, parseNumericCsv} from '../../src/cli/csv';
import {ellipsePoints, projectTo2D, symmetricEigen} from '../../src/cli/plot';
import {UsageError, helpText, parseOptions} from '../../src/cli/options';
import {expectClose} from '../helpers/assertions';

describe('CLI building blocks', () => {
  describe('option parsing', () => {
    it('applies defaults, accepts --name value and --name=value, and maps --family', () => {
      const o = parseOptions(['--components', '5', '--covariance=diag', '--seed', '7', '--method', 'sgd']);
      expect(o).to.include({components: 5, covariance: 'diag', seed: 7, method: 'sgd', backend: 'wasm', samples: 2000});
      expect(parseOptions(['--family', 'isotropic']).covariance).to.equal('spherical');
      expect(parseOptions(['--family', 'diagonal', '--covariance', 'full']).covariance).to.equal('diag');
    });

    it('rejects unknown flags and bad values with a message naming the flag', () => {
      const message = (argv: string[]) => {
        try {
          parseOptions(argv);
        } catch (e) {
          expect(e).to.be.instanceOf(UsageError);
          return (e as Error).message;
        }
        return '';
      };
      expect(message(['--componets', '3'])).to.equal('unknown option --componets (see --help)');
      expect(message(['--components', '0'])).to.equal('--components must be >= 1, but got 0');
      expect(message(['--components', '2.5'])).to.equal('--components must be an integer, but got "2.5"');
      expect(message(['--radius', '-1'])).to.equal('--radius must be > 0, but got -1');
      expect(message(['--covariance', 'diagonal'])).to.equal(
        '--covariance must be one of full, tied, diag, spherical, but got "diagonal"',
      );
      expect(message(['--family', 'constant'])).to.contain('--family constant has no scikit-learn covariance type');
      expect(message(['--output'])).to.equal('--output needs a value');
      expect(message(['--help=yes'])).to.equal('--help takes no value');
      expect(message(['data.csv'])).to.contain('unexpected argument "data.csv"');
      expect(message(['--model', 'm.json'])).to.equal('--model needs --input: the data to score');
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
        'line 4, column 2 (b): "x" is not a finite number',
        'line 5: expected 2 columns, got 3',
        'line 6, column 2 (b): "NaN" is not a finite number',
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
