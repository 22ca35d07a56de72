/**
 * `npm test` on a machine without Chromium: the browser suites are reported as skipped with the
 * install hint and mocha exits 0 (nothing keeps the process alive); under CI=true a missing
 * browser fails the run. Run as subprocesses of mocha with CHROMIUM_PATH pointing at a missing
 * file.
 */
import {expect} from 'chai';
import {spawnSync} from 'child_process';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../..');
const SUITES = ['test/browser/ops.browser.test.ts', 'test/browser/demo.browser.test.ts'];

function mochaWithoutChromium(ci: boolean) {
  const env: NodeJS.ProcessEnv = {...process.env, CHROMIUM_PATH: path.join(ROOT, 'no-such-dir/chromium')};
  delete env.CI;
  if (ci) env.CI = 'true';
  const result = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/mocha/bin/mocha.js'), ...SUITES], {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    // A run that hangs is killed here and fails the test (status null).
    timeout: 150000,
  });
  return {status: result.status, signal: result.signal, output: `${result.stdout}\n${result.stderr}`};
}

describe('browser suites without Chromium', function () {
  this.timeout(320000);

  it('are skipped with the install hint, and mocha exits 0 by itself', () => {
    const run = mochaWithoutChromium(false);
    expect(run.signal, `mocha did not exit by itself:\n${run.output}`).to.equal(null);
    expect(run.status, run.output).to.equal(0);
    expect(run.output).to.contain('skipped (browser): no Chromium found (looked at');
    expect(run.output).to.contain('apt-get install chromium');
    expect(run.output).to.match(/0 passing/);
    expect(run.output).to.match(/\d+ pending/);
    expect(run.output).to.not.match(/failing/);
  });

  it('fail under CI=true', () => {
    const run = mochaWithoutChromium(true);
    expect(run.signal, `mocha did not exit by itself:\n${run.output}`).to.equal(null);
    expect(run.status, run.output).to.not.equal(0);
    expect(run.output).to.contain('CI is set: the browser tests must run');
  });
});
