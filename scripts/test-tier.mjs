// `npm run test:fast` / `npm run test:slow`: mocha on one tier of the suite. The fast tier is the
// unit suites on the cpu backend (about a minute); the slow tier is everything else (training
// runs, chunked EM, restarts, examples, docs, the CLI and package subprocesses, the browser).
// Further arguments go to mocha.
import {spawnSync} from 'child_process';

const FAST = [
  'test/ops/*.test.ts',
  'test/linalg.test.ts',
  'test/em/{validation,init,scoring,single_iterations,degenerate,em_vs_sklearn,bayesian_vs_sklearn,statistics}.test.ts',
  'test/mdn/{head,loss,sampling,persistence}.test.ts',
  'test/layers/persistence.test.ts',
  'test/cli/units.test.ts',
  'test/package_metadata.test.ts',
];

const [tier, ...rest] = process.argv.slice(2);
if (tier !== 'fast' && tier !== 'slow') {
  console.error('usage: node scripts/test-tier.mjs fast|slow [mocha arguments]');
  process.exit(2);
}
const args =
  tier === 'fast'
    ? ['--require', 'test/helpers/cpu_only.ts', ...FAST]
    : ['test/**/*.test.ts', ...FAST.flatMap((glob) => ['--exclude', glob])];
const mocha = spawnSync(process.execPath, ['node_modules/mocha/bin/mocha.js', ...args, ...rest], {stdio: 'inherit'});
process.exit(mocha.status ?? 1);
