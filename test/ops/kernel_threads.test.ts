/**
 * The shared full/tied kernel's squared norms and moments on several threads (ops/kernels/wasm/kernel_threads.ts,
 * GMM_KERNEL_THREADS): against float64 within the same bounds as on the calling thread
 * (test/ops/covariance_kernels.test.ts), the squared norms bit for bit equal to the calling
 * thread's, with blocks run by the helper threads; the rules for when a call stays on the calling
 * thread; and a process that used the helpers exits on its own.
 */
import * as tf from '@tensorflow/tfjs-core';
import {expect} from 'chai';
import {spawnSync} from 'child_process';
import * as path from 'path';

import {MIN_THREADED_ROWS, kernelThreadsFor} from '../../ops/kernels/wasm/kernel_threads';
import {wasmTriangularSquaredNorms} from '../../ops/kernels/wasm/squared_norms';
import {wasmSymmetricMoments} from '../../ops/kernels/wasm/symmetric_moments';
import {expectNoLeak} from '../helpers/assertions';
import {describeOnBackends} from '../helpers/backends';
import {setGmmFlag, useGmmFlagInSuite} from '../helpers/flags';
import {
  expectWithin,
  randomInputs,
  randomMomentInputs,
  reference,
  referenceMoments,
} from '../helpers/kernel_references';

const ROOT = path.resolve(__dirname, '../..');

function squaredNorms(x: Float32Array, factor: Float32Array, shifts: Float32Array, N: number, K: number, D: number) {
  const tensors = [tf.tensor2d(x, [N, D]), tf.tensor3d(factor, [K, D, D]), tf.tensor3d(shifts, [K, 1, D])] as const;
  const out = wasmTriangularSquaredNorms(...tensors);
  expect(out.shape).to.deep.equal([N, K]);
  const values = out.dataSync() as Float32Array;
  tf.dispose([...tensors, out]);
  return values;
}

/** Runs `call` until the helper threads ran a block of it (they start asynchronously). */
async function untilHelpersRun(call: () => void): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    call();
    const helperBlocks = kernelThreadsFor(MIN_THREADED_ROWS)!.lastHelperBlocks;
    if (helperBlocks > 0) return helperBlocks;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('the helper threads ran no block in 200 calls');
}

describeOnBackends('kernel threads', () => {
  useGmmFlagInSuite('GMM_KERNEL_THREADS', 2);

  it('the helper thread runs blocks of a large call, and the norms equal the calling thread alone bit for bit', async () => {
    const [N, K, D] = [60000, 4, 6];
    const {x, factor, shifts} = randomInputs(N, K, D, 11);
    const expected = reference(x, factor, shifts, N, K, D);
    let threaded: Float32Array = new Float32Array();
    await expectNoLeak(async () => {
      const helperBlocks = await untilHelpersRun(() => (threaded = squaredNorms(x, factor, shifts, N, K, D)));
      expect(helperBlocks).to.be.within(1, Math.ceil(N / 1024));
    });
    expectWithin(threaded, expected.norms, expected.tolerance, 'norms');
    const previous = setGmmFlag('GMM_KERNEL_THREADS', 1);
    try {
      expect(Array.from(squaredNorms(x, factor, shifts, N, K, D))).to.deep.equal(Array.from(threaded));
    } finally {
      setGmmFlag('GMM_KERNEL_THREADS', previous);
    }
  });

  // At the threshold, past a multiple of the 1024-row blocks and of the kernels' 8-row groups, and
  // a GMMLayer batch (large enough blocks that the helper surely claims some: the test waits for it).
  for (const [N, K, D, helpersClaim] of [
    [MIN_THREADED_ROWS, 1, 1, 0],
    [5003, 3, 7, 0],
    [16384, 16, 16, 1],
  ]) {
    it(`N = ${N}, K = ${K}, D = ${D}: squared norms and symmetric moments within their float64 bounds`, async () => {
      const inputs = randomInputs(N, K, D, N + K);
      const norms = reference(inputs.x, inputs.factor, inputs.shifts, N, K, D);
      const {x, scale, g} = randomMomentInputs(N, K, D, 2 * N + K);
      const moments = referenceMoments(x, scale, g, N, K, D);
      const checks = [
        () =>
          expectWithin(
            squaredNorms(inputs.x, inputs.factor, inputs.shifts, N, K, D),
            norms.norms,
            norms.tolerance,
            'norms',
          ),
        () => {
          const tensors = [tf.tensor2d(x, [N, D]), tf.tensor1d(scale), tf.tensor2d(g, [N, K])] as const;
          const out = wasmSymmetricMoments(...tensors);
          expect(out.shape).to.deep.equal([K, D + 1, D + 1]);
          expectWithin(out.dataSync() as Float32Array, moments.moments, moments.tolerance, 'moments');
          tf.dispose([...tensors, out]);
        },
      ];
      await expectNoLeak(async () => {
        for (const check of checks) {
          if (helpersClaim) await untilHelpersRun(check);
          else check();
        }
      });
    });
  }

  it('a call stays on the calling thread below MIN_THREADED_ROWS rows and with GMM_KERNEL_THREADS = 1', () => {
    expect(kernelThreadsFor(MIN_THREADED_ROWS - 1)).to.equal(null);
    expect(kernelThreadsFor(MIN_THREADED_ROWS)?.threads).to.equal(2);
    const previous = setGmmFlag('GMM_KERNEL_THREADS', 1);
    try {
      expect(kernelThreadsFor(100000)).to.equal(null);
    } finally {
      setGmmFlag('GMM_KERNEL_THREADS', previous);
    }
  });
});

describe('kernel threads: the process', function () {
  this.timeout(120000);

  it('exits on its own after a call that ran on the helper threads', () => {
    const script = [
      "const tf = require('@tensorflow/tfjs-core');",
      "require('@tensorflow/tfjs-backend-cpu');",
      "require('./ops/flags');",
      "const {kernelThreadsFor} = require('./ops/kernels/wasm/kernel_threads');",
      "const {wasmSymmetricMoments} = require('./ops/kernels/wasm/symmetric_moments');",
      "tf.setBackend('cpu').then(() => {",
      "  tf.env().set('GMM_KERNEL_THREADS', 2);",
      '  wasmSymmetricMoments(tf.ones([8192, 4]), tf.ones([4]), tf.ones([8192, 2])).dispose();',
      "  console.log(kernelThreadsFor(8192) ? 'threads' : 'calling thread');",
      '});',
    ].join('\n');
    const result = spawnSync(process.execPath, ['--require', require.resolve('tsx/cjs'), '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60000,
    });
    expect(result.error, 'the process did not exit within 60 s').to.equal(undefined);
    expect(result.status, result.stderr).to.equal(0);
    expect(result.stdout.trim()).to.equal('threads');
  });
});
