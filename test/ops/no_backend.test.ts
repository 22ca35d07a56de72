/**
 * Without a registered tfjs backend, the public functions say so and how to fix it, instead of
 * tfjs's "No backend found in registry." wrapped in a message that blames an argument. Run in a
 * subprocess (no_backend_calls.ts), because this process has backends registered.
 */
import {expect} from 'chai';
import {spawnSync} from 'child_process';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../..');

describe('no tfjs backend registered', function () {
  this.timeout(120000);

  it('every public entry point names itself, the missing backend and the import that fixes it', () => {
    const result = spawnSync(
      process.execPath,
      [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), path.join(__dirname, 'no_backend_calls.ts')],
      {cwd: ROOT, encoding: 'utf8', timeout: 100000},
    );
    expect(result.status, result.stderr).to.equal(0);
    const [header, ...lines] = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as {backends?: string[]; call?: string; message?: string | null});
    expect(header.backends, 'the subprocess has no backend').to.deep.equal([]);
    expect(lines.length).to.be.at.least(8);
    for (const {call, message} of lines) {
      const fn = call === 'GMMLayer in a model' ? 'GMMLayer.build' : call;
      expect(message, call).to.be.a('string');
      expect(message, call).to.match(
        new RegExp(`^${fn!.replace('.', '\\.')}: no tfjs backend is registered: import one`),
      );
      expect(message, call).to.contain("import '@tensorflow/tfjs'");
      expect(message, call).to.not.contain('could not be converted');
    }
  });
});
