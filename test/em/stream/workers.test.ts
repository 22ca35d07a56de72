/**
 * fitAsync over a stream on worker threads: equal to the in-thread streamed fit (the per-batch
 * sums are the same; only their float64 merge on the main thread differs from the in-thread
 * float32 sums), for every EM covariance type, with sample weights and on the exact path. The
 * event loop keeps running, an abort or a failing source mid-pass ends every worker without
 * leaking or hanging, and the workers never keep the process alive.
 */
import {execFileSync} from 'child_process';
import * as path from 'path';

import {expect} from 'chai';

import {EM_COVARIANCE_TYPES, GaussianMixture, GaussianMixtureOptions} from '../../../src';
import {WorkerPool, coreCount} from '../../../src/em/parallel/pool';
import {expectClose, expectNoLeak, expectRejectsWith, expectThrowsWith, flat} from '../../helpers/assertions';
import {describeOnBackends} from '../../helpers/backends';
import {setGmmFlag} from '../../helpers/flags';
import {expectCloseToScale} from '../helpers';
import {asyncSource, batches, mixtureRows, weightedSource} from './data';

const quiet = {onWarning: () => {}};

/** The bound of the streamed-vs-fit tests (fit_async.test.ts): lower bounds 1e-6, parameters 1e-5. */
function expectSameFit(a: GaussianMixture, b: GaussianMixture, label: string): void {
  expect(b.nIter, `${label}: iterations`).to.equal(a.nIter);
  expectClose(b.lowerBounds, a.lowerBounds, {rtol: 1e-6, atol: 0, label: `${label}: lower bounds`});
  expectClose(flat(b.weights), flat(a.weights), {rtol: 0, atol: 1e-5, label: `${label}: weights`});
  expectCloseToScale(b.means, flat(a.means), 1e-5, `${label}: means`);
  expectCloseToScale(b.covariances, flat(a.covariances), 1e-5, `${label}: covariances`);
}

describeOnBackends('GaussianMixture.fitAsync on a stream with workers: 2 equals in-thread', (backend) => {
  const rows = mixtureRows(2400, 3, 4, 11);
  const weights = rows.map((_, n) => (n % 7 === 0 ? 0 : 0.25 + (n % 5) * 0.75));

  for (const covarianceType of EM_COVARIANCE_TYPES) {
    it(`${covarianceType}: weighted batches of 500, the same fit; workers reused, ended by dispose`, async () => {
      const options: GaussianMixtureOptions = {nComponents: 4, covarianceType, seed: 1, tol: 0, maxIter: 15, ...quiet};
      await expectNoLeak(async () => {
        const inThread = await new GaussianMixture(options).fitAsync(weightedSource(rows, weights, 500));
        const parallel = new GaussianMixture({...options, workers: 2});
        await parallel.fitAsync(weightedSource(rows, weights, 500));
        expectSameFit(inThread, parallel, covarianceType);
        expect(parallel.runningWorkers).to.equal(2);
        await parallel.fitAsync(asyncSource(rows, 500));
        expect(parallel.runningWorkers, 'reused').to.equal(2);
        parallel.dispose();
        inThread.dispose();
        expect(parallel.runningWorkers, 'after dispose').to.equal(0);
      });
    });
  }

  it('constant: the fixed variance goes to the workers', async () => {
    const options: GaussianMixtureOptions = {
      nComponents: 4,
      covarianceType: 'constant',
      variance: 2,
      tol: 0,
      maxIter: 10,
      ...quiet,
    };
    await expectNoLeak(async () => {
      const inThread = await new GaussianMixture(options).fitAsync(asyncSource(rows, 600));
      const parallel = await new GaussianMixture({...options, workers: 2}).fitAsync(asyncSource(rows, 600));
      expectSameFit(inThread, parallel, 'constant');
      parallel.dispose();
      inThread.dispose();
    });
  });

  it('a component on the exact path (a collapsing duplicate cluster), and every component exact', async () => {
    const data = [...mixtureRows(2400, 2, 2, 5), ...Array.from({length: 40}, () => [30, -30])];
    const options: GaussianMixtureOptions = {nComponents: 3, seed: 0, batchSize: 400, ...quiet};
    await expectNoLeak(async () => {
      const inThread = await new GaussianMixture(options).fitAsync(asyncSource(data, 400));
      const parallel = await new GaussianMixture({...options, workers: 2}).fitAsync(asyncSource(data, 400));
      expectSameFit(inThread, parallel, 'exact path');
      inThread.dispose();
      parallel.dispose();
    });
    const previous = setGmmFlag('GMM_EM_EXACT_PATH_LIMIT', 0);
    try {
      await expectNoLeak(async () => {
        for (const covarianceType of ['full', 'diag'] as const) {
          const all = {nComponents: 4, covarianceType, seed: 2, tol: 0, maxIter: 8, ...quiet};
          const inThread = await new GaussianMixture(all).fitAsync(weightedSource(rows, weights, 500));
          const parallel = await new GaussianMixture({...all, workers: 2}).fitAsync(weightedSource(rows, weights, 500));
          expectSameFit(inThread, parallel, `${covarianceType}, all exact`);
          inThread.dispose();
          parallel.dispose();
        }
      });
    } finally {
      setGmmFlag('GMM_EM_EXACT_PATH_LIMIT', previous);
    }
  });

  it("how many: 'auto' decides from the first pass (small: in-thread; N * D * K >= 2^22: one per core), at most one per batch", async () => {
    await expectNoLeak(async () => {
      const auto = await new GaussianMixture({nComponents: 4, workers: 'auto', maxIter: 2, ...quiet}).fitAsync(
        asyncSource(rows, 500),
      );
      expect(auto.runningWorkers, "'auto', N * D * K < 2^22").to.equal(0);
      auto.dispose();
      const big = mixtureRows(4096, 3, 4, 3);
      const two = await new GaussianMixture({nComponents: 4, workers: 4, maxIter: 2, ...quiet}).fitAsync(
        asyncSource(big, 2048),
      );
      expect(two.runningWorkers, '4 asked, 2 batches').to.equal(2);
      two.dispose();
      // N * D * K = 2^22 from the first pass: one worker per core (2 or more on the test machines).
      // wasm only: a pass of this size takes ~10 s on the cpu backend.
      if (backend === 'wasm') {
        const large = mixtureRows(65536, 8, 8, 4);
        const options = {nComponents: 8, covarianceType: 'diag' as const, initParams: 'random_from_data' as const};
        const many = await new GaussianMixture({...options, workers: 'auto', maxIter: 1, ...quiet}).fitAsync(
          asyncSource(large, 8192),
          {initSampleSize: 2000},
        );
        expect(many.runningWorkers, "'auto', N * D * K >= 2^22").to.equal(
          coreCount() > 1 ? Math.min(coreCount(), 8) : 0,
        );
        many.dispose();
      }
    });
  });

  it('the event loop runs while the workers work (timers fire during the passes)', async () => {
    let ticks = 0;
    let running = true;
    const tick = () => {
      ticks++;
      if (running) setTimeout(tick, 0);
    };
    setTimeout(tick, 0);
    const seen: number[] = [];
    const model = new GaussianMixture({
      nComponents: 4,
      workers: 2,
      tol: 0,
      maxIter: 4,
      ...quiet,
      onIteration: () => seen.push(ticks),
    });
    await model.fitAsync(asyncSource(rows, 100));
    running = false;
    model.dispose();
    for (let i = 1; i < seen.length; i++)
      expect(seen[i], `timers fired in iteration ${i + 1}`).to.be.greaterThan(seen[i - 1]);
  });
});

describeOnBackends('GaussianMixture.fitAsync on a stream with workers: aborts and failures end every worker', () => {
  const rows = mixtureRows(2400, 2, 3, 2);

  it('an abort mid-pass rejects, ends the workers, leaks nothing; the next fit starts new ones', async () => {
    await expectNoLeak(async () => {
      const controller = new AbortController();
      let opened = 0;
      const source = async function* () {
        opened++;
        for (const [i, batch] of batches(rows, 200).entries()) {
          if (opened === 3 && i === 5) controller.abort();
          yield batch;
        }
      };
      const model = new GaussianMixture({nComponents: 3, workers: 2, ...quiet});
      await expectRejectsWith(model.fitAsync(source, {signal: controller.signal}), 'abort');
      expect(model.runningWorkers, 'ended').to.equal(0);
      expect(model.nIter, 'at the last complete iteration').to.equal(1);
      await model.fitAsync(asyncSource(rows, 200));
      expect(model.runningWorkers, 'new workers').to.equal(2);
      model.dispose();
    });
  });

  it('a source that throws mid-pass rejects with where it failed and ends the workers', async () => {
    await expectNoLeak(async () => {
      let opened = 0;
      const source = async function* () {
        opened++;
        for (const [i, batch] of batches(rows, 200).entries()) {
          if (opened === 2 && i === 7) throw new Error('disk on fire');
          yield batch;
        }
      };
      const model = new GaussianMixture({nComponents: 3, workers: 2, ...quiet});
      await expectRejectsWith(model.fitAsync(source), 'reading batch 7 of pass 2', 'disk on fire');
      expect(model.runningWorkers).to.equal(0);
      expect(model.isFitted).to.equal(false);
      model.dispose();
    });
  });

  it('a worker that dies mid-pass rejects naming it and ends every worker', async () => {
    await expectNoLeak(async () => {
      const model = new GaussianMixture({nComponents: 3, workers: 2, ...quiet});
      await model.fitAsync(asyncSource(rows, 200));
      // A crash as Node reports it: the thread exits (worker_entry.ts's 'exit' request) mid-pass.
      const pool = (model as unknown as {threads: {pool: {endpoints: Array<{post(m: unknown, t: []): void}>}}}).threads
        .pool;
      let opened = 0;
      const source = async function* () {
        opened++;
        for (const [i, batch] of batches(rows, 200).entries()) {
          if (opened === 2 && i === 3) pool.endpoints[1].post({kind: 'exit'}, []);
          yield batch;
        }
      };
      await expectRejectsWith(
        model.fitAsync(source),
        'GaussianMixture.fitAsync: worker ',
        'exited',
        'every worker was ended',
      );
      expect(model.runningWorkers).to.equal(0);
      model.dispose();
    });
  });
});

describe('WorkerPool.request: the asynchronous path of stream passes', () => {
  it('returns at once (the reply comes later, on the event loop); a blocking run meanwhile is refused', async function () {
    this.timeout(60000);
    const pool = new WorkerPool(1);
    try {
      const load = {kind: 'streamLoad', covarianceType: 'diag', variance: null, K: 2, D: 2, batchSize: 100} as const;
      const reply = pool.request('test', 0, {...load, center: [0, 0], scale: 1});
      expect(pool.busy, 'pending right after the call: no blocking wait').to.equal(true);
      expectThrowsWith(
        () => pool.run('test', [{...load, center: [0, 0], scale: 1}]),
        'test: the workers are busy with a fitAsync call of this model',
      );
      expect(await reply).to.deep.equal({ok: true});
      expect(pool.busy).to.equal(false);
      expect(pool.run('test', [{...load, center: [1, 1], scale: 2}]), 'blocking reads work again').to.deep.equal([
        {ok: true},
      ]);
    } finally {
      pool.end();
    }
  });
});

describe('stream workers never keep the process alive', () => {
  it('a script that fits a stream with workers and never disposes the model exits', function () {
    this.timeout(180000);
    const script = [
      "require('@tensorflow/tfjs-backend-cpu');",
      "const {GaussianMixture} = require('./src');",
      'const x = Array.from({length: 4096}, (_, n) => [n % 3 + Math.sin(n), (n % 5) * 0.5 + Math.cos(n * 1.3)]);',
      'const source = function* () { for (let i = 0; i < x.length; i += 1024) yield x.slice(i, i + 1024); };',
      'new GaussianMixture({nComponents: 2, maxIter: 2, workers: 2, onWarning: () => {}}).fitAsync(source)',
      "  .then((m) => console.log('workers', m.runningWorkers));",
    ].join('\n');
    const root = path.resolve(__dirname, '../../..');
    const tsx = require.resolve('tsx/cjs');
    const out = execFileSync(process.execPath, ['--require', tsx, '-e', script], {cwd: root, timeout: 150000});
    expect(out.toString()).to.contain('workers 2');
  });
});
