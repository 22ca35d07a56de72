/**
 * `npm run docs` builds the API reference from the JSDoc with TypeDoc, without errors or warnings.
 */
import {expect} from 'chai';
import {spawnSync} from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../..');

describe('API reference (TypeDoc)', function () {
  this.timeout(180000);

  it('generates pages for the public API from the JSDoc', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-gmm-api-'));
    try {
      const result = spawnSync(
        process.execPath,
        [path.join(ROOT, 'node_modules/typedoc/bin/typedoc'), '--out', out, '--treatWarningsAsErrors'],
        {cwd: ROOT, encoding: 'utf8'},
      );
      expect(result.status, `${result.stdout}\n${result.stderr}`).to.equal(0);
      for (const page of [
        'index.html',
        'classes/GaussianMixture.html',
        'classes/GMMLayer.html',
        'classes/MixtureDensityHead.html',
        'functions/gmmLogProb.html',
        'functions/gmmLogProbPrecisionCholesky.html',
      ]) {
        expect(fs.existsSync(path.join(out, page)), page).to.equal(true);
      }
      expect(fs.readFileSync(path.join(out, 'functions/gmmLogProb.html'), 'utf8')).to.contain(
        'Per-component log-probabilities',
      );
    } finally {
      fs.rmSync(out, {recursive: true, force: true});
    }
  });
});
