/**
 * The lint rules that keep the architecture (eslint.config.mjs) fire on what they forbid: an
 * import from a higher layer, and an import cycle.
 */
import {expect} from 'chai';
import {ESLint} from 'eslint';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../..');

/** The messages of one rule for `code` linted as if it were the file `filePath` (relative to the root). */
async function messagesOf(code: string, filePath: string, ruleId: string): Promise<string[]> {
  const eslint = new ESLint({cwd: ROOT});
  const [result] = await eslint.lintText(code, {filePath: path.join(ROOT, filePath)});
  return result.messages.filter((m) => m.ruleId === ruleId).map((m) => m.message);
}

describe('lint: the dependency direction of the layers', function () {
  this.timeout(60000);

  it('ops/ must not import from layers/ or src/', async () => {
    expect(
      await messagesOf(
        "import {GMMLayer} from '../layers/gmm_layer';\nexport const x = GMMLayer;\n",
        'ops/lint_probe.ts',
        'import/no-restricted-paths',
      ),
    )
      .to.have.length(1)
      .and.satisfy((m: string[]) =>
        m[0].endsWith('ops/ is the bottom layer: it must not import from layers/ or src/.'),
      );
    expect(
      await messagesOf(
        "import {GaussianMixture} from '../../src/em/gaussian_mixture';\nexport const x = GaussianMixture;\n",
        'ops/kernels/lint_probe.ts',
        'import/no-restricted-paths',
      ),
    ).to.have.length(1);
  });

  it('layers/ must not import from src/, and may import from ops/', async () => {
    expect(
      await messagesOf(
        "import {SeededRandom} from '../src/util/random';\nexport const x = SeededRandom;\n",
        'layers/lint_probe.ts',
        'import/no-restricted-paths',
      ),
    )
      .to.have.length(1)
      .and.satisfy((m: string[]) => m[0].endsWith('layers/ may import from ops/ only.'));
    expect(
      await messagesOf(
        "import {gmmLogProb} from '../ops/gmm_log_prob';\nexport const x = gmmLogProb;\n",
        'layers/lint_probe.ts',
        'import/no-restricted-paths',
      ),
    ).to.deep.equal([]);
  });

  it('src/ may import from every layer', async () => {
    expect(
      await messagesOf(
        "import {GMMLayer} from '../layers/gmm_layer';\nimport {gmmLogProb} from '../ops/gmm_log_prob';\nexport const x = [GMMLayer, gmmLogProb];\n",
        'src/lint_probe.ts',
        'import/no-restricted-paths',
      ),
    ).to.deep.equal([]);
  });

  it('an import cycle is an error', async () => {
    const eslint = new ESLint({cwd: ROOT, ignore: false});
    const [result] = await eslint.lintFiles([path.join(ROOT, 'test/lint/fixtures/cycle_a.ts')]);
    expect(result.messages.filter((m) => m.ruleId === 'import/no-cycle')).to.have.length(1);
  });

  it('the repository itself is clean', async () => {
    const eslint = new ESLint({cwd: ROOT});
    const results = await eslint.lintFiles(['ops', 'layers', 'src']);
    const problems = results.flatMap((r) =>
      r.messages.map((m) => `${path.relative(ROOT, r.filePath)}:${m.line} ${m.ruleId}: ${m.message}`),
    );
    expect(problems).to.deep.equal([]);
  });
});
