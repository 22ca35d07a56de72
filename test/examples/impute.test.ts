import {expect} from 'chai';
import {execFileSync} from 'child_process';
import * as path from 'path';

import {imputeIris} from '../../examples/impute';
import {describeOnBackends} from '../helpers/backends';

describeOnBackends('example: imputing iris features by conditioning a fitted mixture', () => {
  it('Gaussian mixture regression beats mean imputation on every hidden-feature pattern', () => {
    const {results} = imputeIris();
    expect(results.map((r) => r.hidden)).to.deep.equal([[0], [1], [2], [3], [2, 3]]);
    for (const {hidden, mixtureRmse, meanRmse} of results) {
      // The features are strongly related (petal length and width correlate at ~0.96): the
      // conditional mean must remove most of the error, not just a little (measured: 0.15-0.55x).
      expect(mixtureRmse, `hidden ${hidden}`).to.be.below(0.7 * meanRmse);
      expect(mixtureRmse, `hidden ${hidden}`).to.be.above(0);
    }
  });
});

describe('example: examples/impute.ts as a script', () => {
  it('prints the RMSE table', function () {
    this.timeout(120000);
    const root = path.resolve(__dirname, '../..');
    const out = execFileSync(process.execPath, ['--import', 'tsx', path.join(root, 'examples/impute.ts')], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(out).to.contain('mean imputation');
    expect(
      out.split('\n').filter((line) => line.includes('(cm)') && /\d\.\d{3}\s+\d\.\d{3}$/.test(line)),
    ).to.have.length(5);
  });
});
