/**
 * `npm run docs` builds the API reference from the JSDoc with TypeDoc, without errors or warnings.
 */
import {expect} from 'chai';
import {spawnSync} from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../..');

/**
 * A section of a markdown text: from its heading (or opening words) to the next heading of the
 * same or a higher level (for a paragraph, to its end).
 */
function section(markdown: string, start: string): string {
  const i = markdown.indexOf(start);
  expect(i, start).to.be.at.least(0);
  const level = /^#+ /.exec(start)?.[0].length;
  let end = markdown.length;
  if (level === undefined) end = markdown.indexOf('\n\n', i + start.length);
  else {
    const next = new RegExp(`\\n#{1,${level - 1}} `, 'g');
    next.lastIndex = i + start.length;
    const match = next.exec(markdown);
    if (match) end = match.index;
  }
  return markdown.slice(i, end).trimEnd();
}

describe('API reference (TypeDoc)', function () {
  this.timeout(180000);

  it("the index's conventions, ownership rule and scikit-learn section are the README's, word for word", () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const intro = fs.readFileSync(path.join(ROOT, 'docs/api-intro.md'), 'utf8');
    for (const start of [
      '**Who owns a tensor.**',
      '### Covariance types and parameterisations',
      '### Models from and to scikit-learn',
    ])
      expect(intro, start).to.contain(section(readme, start));
  });

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
      // The index: an introduction that maps the API, the ownership rule, the conventions and
      // the scikit-learn interchange (with its Python snippets).
      const index = fs.readFileSync(path.join(out, 'index.html'), 'utf8');
      for (const text of [
        'Where to start',
        'Who owns a tensor.',
        'Covariance types and parameterisations',
        'upper-triangular <code>P_k</code>',
        'Layer and head parameterisations',
        'Models from and to scikit-learn',
        'precisions_cholesky_',
        'href="classes/GMMLayer.html"',
        'href="functions/gmmLogProbPrecisionCholesky.html"',
      ])
        expect(index, text).to.contain(text);
      // Layer pages list our members, not the dozens inherited from tfjs-layers' Layer.
      for (const page of ['classes/GMMLayer.html', 'classes/MixtureDensityHead.html']) {
        const html = fs.readFileSync(path.join(out, page), 'utf8');
        expect(html, page).to.not.contain('tsd-is-inherited');
        expect(html, page).to.not.match(/id="(apply|countparams|addweight|setweights)"/);
      }
      expect(fs.readFileSync(path.join(out, 'classes/GMMLayer.html'), 'utf8')).to.contain('id="getmixture"');
      // GaussianMixture keeps what it inherits from our own MixtureModel.
      expect(fs.readFileSync(path.join(out, 'classes/GaussianMixture.html'), 'utf8')).to.match(/id="score"/);
    } finally {
      fs.rmSync(out, {recursive: true, force: true});
    }
  });
});
