/**
 * fitAsync's bad inputs and aborts: each rejects with an Error naming the argument or the row,
 * leaks no tensor and never hangs; an abort leaves the model at its last complete iteration.
 */
import * as tf from '@tensorflow/tfjs-core';
import {expect} from 'chai';

import {GaussianMixture} from '../../../src';
import {expectClose, expectNoLeak, expectRejectsWith, flat} from '../../helpers/assertions';
import {describeOnBackends} from '../../helpers/backends';
import {asyncSource, batches, mixtureRows} from './data';

const quiet = {onWarning: () => {}};

describeOnBackends('GaussianMixture.fitAsync: bad streams and options', () => {
  const rows = mixtureRows(400, 2, 2, 1);
  /** fitAsync on a new model; `iterationsDone` is where a failure must leave it (0: unfitted). */
  const fitAsync = (source: Parameters<GaussianMixture['fitAsync']>[0], options = {}, iterationsDone = 0) =>
    expectNoLeak(async () => {
      const model = new GaussianMixture({nComponents: 2, ...quiet});
      try {
        await model.fitAsync(source, options);
      } finally {
        expect(model.isFitted, 'fitted after the failure').to.equal(iterationsDone > 0);
        if (iterationsDone > 0) expect(model.nIter, 'at the last complete iteration').to.equal(iterationsDone);
        model.dispose();
      }
    });

  it('a batch that changes D names the batch and both shapes', async () => {
    const source = function* () {
      yield rows.slice(0, 100);
      yield rows.slice(100, 200).map((r) => [...r, 0]);
    };
    await expectRejectsWith(
      fitAsync(source),
      'GaussianMixture.fitAsync',
      'batch 1 (rows 100...)',
      '[B, 2]',
      '[100, 3]',
    );
  });

  it('NaN or Infinity names the global row index', async () => {
    for (const bad of [NaN, Infinity]) {
      const data = rows.map((r) => r.slice());
      data[257][1] = bad;
      await expectRejectsWith(
        fitAsync(asyncSource(data, 100)),
        'only finite values',
        `row 257 (row 57 of batch 2)`,
        String(bad),
      );
    }
  });

  it('an empty stream, and one with fewer rows than nComponents', async () => {
    await expectRejectsWith(
      fitAsync(() => []),
      'at least one row',
      'empty stream',
    );
    await expectRejectsWith(
      fitAsync(() => [[[0, 0]]]),
      'at least nComponents = 2 rows',
      'yielded 1',
    );
  });

  it('a source that throws mid-pass (in the scan and in an EM pass) is reported with where it failed', async () => {
    let opened = 0;
    const failOnPass = (pass: number) =>
      async function* () {
        opened++;
        for (const [i, batch] of batches(rows, 100).entries()) {
          if (opened === pass && i === 2) throw new Error('disk on fire');
          yield batch;
        }
      };
    const scan = await expectRejectsWith(fitAsync(failOnPass(1)), 'reading batch 2 of pass 1', 'disk on fire');
    expect((scan as Error & {cause?: Error}).cause?.message).to.equal('disk on fire');
    opened = 0;
    // Pass 2 was iteration 1's E-step: the model is left at iteration 1.
    await expectRejectsWith(fitAsync(failOnPass(3), {}, 1), 'reading batch 2 of pass 3', 'disk on fire');
  });

  it('a source that yields other rows on a later pass', async () => {
    let opened = 0;
    const source = () => (++opened === 1 ? batches(rows, 100) : batches(rows.slice(0, 300), 100));
    await expectRejectsWith(
      fitAsync(source),
      'the same rows on every pass',
      'pass 2 yielded 300 rows and the first pass 400',
    );
  });

  it('a source function that returns no iterable, and batches that are not matrices', async () => {
    await expectRejectsWith(fitAsync((() => 42) as never), 'must return an iterable or async iterable', 'number');
    await expectRejectsWith(
      fitAsync(() => [[1, 2, 3]] as never),
      'batch 0 (rows 0...) must have shape [B, D]',
      '[3]',
    );
    await expectRejectsWith(
      fitAsync(() => [null] as never),
      'batch 0 (rows 0...) must be a [B, D] tensor',
      'null',
    );
  });

  it('options: unknown keys, sampleWeight with a stream, initSampleSize, signal', async () => {
    await expectRejectsWith(fitAsync(rows, {sigal: 1}), 'GaussianMixture.fitAsync', 'sigal');
    await expectRejectsWith(
      fitAsync(asyncSource(rows, 100), {sampleWeight: [1]}),
      'sampleWeight applies to in-memory data',
      'its batches carry their weights: {x, sampleWeight}',
    );
    await expectRejectsWith(fitAsync(rows, {initSampleSize: 100}), 'initSampleSize applies to streams only');
    await expectRejectsWith(fitAsync(asyncSource(rows, 100), {initSampleSize: 1}), 'initSampleSize', '>= 2', '1');
    await expectRejectsWith(fitAsync(rows, {signal: {}}), 'options.signal must be an AbortSignal', 'object');
  });
});

describeOnBackends('GaussianMixture.fitAsync: abort', () => {
  const rows = mixtureRows(900, 2, 3, 2);

  it('an already aborted signal rejects with its reason before any work; the model is unchanged', async () => {
    const controller = new AbortController();
    controller.abort();
    await expectNoLeak(async () => {
      const model = new GaussianMixture({nComponents: 3});
      const error = await expectRejectsWith(model.fitAsync(rows, {signal: controller.signal}), 'abort');
      expect(error.name).to.equal('AbortError');
      expect(model.isFitted).to.equal(false);
    });
  });

  it('aborting at iteration 3 leaves the model at iteration 3: the parameters of fit with maxIter = 3', async () => {
    await expectNoLeak(async () => {
      const controller = new AbortController();
      const options = {nComponents: 3, tol: 0, seed: 5, ...quiet};
      const model = new GaussianMixture({
        ...options,
        onIteration: ({iteration}) => {
          if (iteration === 3) controller.abort();
        },
      });
      await expectRejectsWith(model.fitAsync(rows, {signal: controller.signal}), 'abort');
      const reference = new GaussianMixture({...options, maxIter: 3}).fit(rows);
      expect(model.nIter).to.equal(3);
      expect(model.converged).to.equal(false);
      expect(model.lowerBounds).to.deep.equal(reference.lowerBounds);
      expectClose(flat(model.means), flat(reference.means), {rtol: 0, atol: 0, label: 'means'});
      model.dispose();
      reference.dispose();
    });
  });

  it('an abort during a streamed scan (the init) or an EM pass stops it; the model keeps what it had', async () => {
    for (const abortOnPass of [1, 3]) {
      await expectNoLeak(async () => {
        const controller = new AbortController();
        let opened = 0;
        const source = async function* () {
          opened++;
          for (const [i, batch] of batches(rows, 100).entries()) {
            if (opened === abortOnPass && i === 4) controller.abort();
            yield batch;
          }
        };
        const model = new GaussianMixture({nComponents: 3, ...quiet});
        await expectRejectsWith(model.fitAsync(source, {signal: controller.signal}), 'abort');
        // Pass 1 is the scan (no iteration yet); pass 3 is the second iteration's E-step.
        expect(model.isFitted).to.equal(abortOnPass === 3);
        if (model.isFitted) expect(model.nIter).to.equal(1);
        model.dispose();
      });
    }
  });

  it('a source that never answers does not hang an abort', async () => {
    const controller = new AbortController();
    const source = {
      [Symbol.asyncIterator]: () => ({next: () => new Promise<IteratorResult<number[][]>>(() => {})}),
    };
    setTimeout(() => controller.abort(), 50);
    await expectNoLeak(async () => {
      const model = new GaussianMixture({nComponents: 3});
      await expectRejectsWith(
        model.fitAsync(() => source, {signal: controller.signal}),
        'abort',
      );
    });
  });

  it('tensors of a stream pass are released when it is aborted between batches', async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    let batchesRead = 0;
    const source = async function* () {
      for (const batch of batches(rows, 50)) {
        if (++batchesRead === 30) controller.abort(); // pass 2, mid-way: the sums are live
        yield batch;
      }
    };
    await expectRejectsWith(
      new GaussianMixture({nComponents: 3}).fitAsync(source, {signal: controller.signal}),
      'abort',
    );
    expect(tf.memory().numTensors).to.equal(before);
  });
});
