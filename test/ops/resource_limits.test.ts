/**
 * Sizes past what a backend can allocate are refused before anything is allocated, with the size
 * needed (GMM_MAX_ALLOCATION_BYTES tunes the limit); empty batches give empty results; and after
 * every refused call the backend still computes correctly (on wasm, an allocation past the heap
 * used to leave the backend broken for the rest of the process).
 */
import * as tf from '@tensorflow/tfjs-core';
import {expect} from 'chai';

import {
  GMMLayer,
  GaussianMixture,
  MixtureDensityHead,
  cholesky,
  covarianceFromPrecisionCholesky,
  gmmInit,
  gmmLogProb,
  mdnLoss,
  mdnMode,
  mdnSample,
  mdnUnpack,
  precisionCholeskyFromCovariance,
  spdInverse,
  spdLogDet,
  triangularInverse,
  triangularSolve,
} from '../../src';
import {expectClose, expectNoLeak, expectThrowsWith} from '../helpers/assertions';
import {describeOnBackends} from '../helpers/backends';
import {setGmmFlag} from '../helpers/flags';

/** The backend still works: a Cholesky factor against its closed form [[2, 0], [1, sqrt 2]]. */
function expectBackendWorks(): void {
  tf.tidy(() => {
    const L = cholesky([
      [4, 2],
      [2, 3],
    ]);
    // float32 square roots of exact inputs: 1 ulp.
    expectClose(L, [2, 0, 1, Math.SQRT2], {rtol: 1e-6, atol: 1e-7});
    expectClose(tf.matMul(tf.ones([64, 64]), tf.ones([64, 1])), new Array(64).fill(64), {rtol: 0, atol: 0});
  });
}

/** Runs `body` with GMM_MAX_ALLOCATION_BYTES set, restoring it. */
function withLimit(bytes: number, body: () => void): void {
  const previous = setGmmFlag('GMM_MAX_ALLOCATION_BYTES', bytes);
  try {
    body();
  } finally {
    setGmmFlag('GMM_MAX_ALLOCATION_BYTES', previous);
  }
}

describeOnBackends('resource limits', () => {
  it('gmmInit(20000, 20000, full) is refused with the size it needs; nothing leaks; the backend still works', async () => {
    await expectNoLeak(() => {
      expectThrowsWith(
        () => gmmInit(20000, 20000, 'full'),
        'gmmInit: means of shape [20000, 20000] would take 1.49 GiB as float32, more than the allocation limit of 1 GiB',
        'GMM_MAX_ALLOCATION_BYTES',
      );
      expectThrowsWith(
        () => gmmInit(2000, 20000, 'full'),
        'gmmInit: covariances of shape [2000, 20000, 20000] would take 2.91 TiB as float32',
      );
      expectThrowsWith(
        () => gmmInit(1, 20000, 'tied'),
        'gmmInit: covariances of shape [20000, 20000] would take 1.49 GiB',
      );
    });
    expectBackendWorks();
    // Sizes within the limit still work.
    const small = gmmInit(3, 100, 'full');
    expect(small.covariances.shape).to.deep.equal([3, 100, 100]);
    tf.dispose([small.weights, small.means, small.covariances]);
  });

  it('GaussianMixture.fit of 20 x 100000 with full (or tied) covariances is refused before EM allocates', async () => {
    const X = tf.randomNormal([20, 100000], 0, 1, 'float32', 1);
    try {
      await expectNoLeak(() => {
        expectThrowsWith(
          () => new GaussianMixture({covarianceType: 'full'}).fit(X),
          'GaussianMixture.fit: the covariances of shape [1, 100000, 100000] would take 37.3 GiB as float32',
        );
        expectThrowsWith(
          () => new GaussianMixture({covarianceType: 'tied'}).fit(X),
          'GaussianMixture.fit: the covariances of shape [100000, 100000] would take 37.3 GiB',
        );
      });
      expectBackendWorks();
    } finally {
      X.dispose();
    }
  });

  it('GMMLayer and MixtureDensityHead refuse to build past the limit', async () => {
    await expectNoLeak(() => {
      expectThrowsWith(
        () => tf.tidy(() => new GMMLayer({nComponents: 2}).apply(tf.zeros([1, 100000])) as tf.Tensor),
        'GMMLayer.build: the precision factor of shape [2, 100000, 100000] would take 74.5 GiB',
      );
      expectThrowsWith(
        () =>
          tf.tidy(
            () =>
              new MixtureDensityHead({nComponents: 2, outputDim: 1000, covarianceType: 'full'}).apply(
                tf.zeros([1, 3]),
              ) as tf.Tensor,
          ),
        'MixtureDensityHead.build: the factor assembly of shape [500500, 1000000] would take 1.82 TiB',
      );
      expectThrowsWith(
        () =>
          tf.tidy(
            () =>
              new MixtureDensityHead({nComponents: 100, outputDim: 10000, covarianceType: 'diag'}).apply(
                tf.zeros([1, 1000]),
              ) as tf.Tensor,
          ),
        'MixtureDensityHead.build: the kernel of shape [1000, 2000100] would take 7.45 GiB',
      );
    });
    expectBackendWorks();
  });

  it('GMM_MAX_ALLOCATION_BYTES tunes the limit of the linear algebra, the ops and the MDN decode', async () => {
    await expectNoLeak(() => {
      const batch = tf.eye(4, 4, [100]); // 6400 bytes
      withLimit(4096, () => {
        expectThrowsWith(
          () => cholesky(batch),
          'cholesky: a of shape [100, 4, 4] would take 6.25 KiB as float32, more than the allocation limit of 4 KiB',
        );
        expectThrowsWith(() => spdInverse(batch), 'spdInverse: a of shape [100, 4, 4] would take 6.25 KiB');
        expectThrowsWith(() => spdLogDet(batch), 'spdLogDet: a of shape [100, 4, 4]');
        expectThrowsWith(() => triangularInverse(batch), 'triangularInverse: a of shape [100, 4, 4]');
        expectThrowsWith(() => triangularSolve(batch, batch), 'triangularSolve: a of shape [100, 4, 4]');
        expectThrowsWith(
          () => precisionCholeskyFromCovariance(batch),
          'precisionCholeskyFromCovariance: covariances of shape [100, 4, 4]',
        );
        expectThrowsWith(
          () => covarianceFromPrecisionCholesky(batch),
          'covarianceFromPrecisionCholesky: precisionsCholesky of shape [100, 4, 4]',
        );
        expectThrowsWith(
          () =>
            tf.tidy(() =>
              gmmLogProb(tf.zeros([100, 4]), tf.fill([4], 0.25), tf.zeros([4, 4]), tf.ones([4, 4]), 'diag'),
            ),
          'gmmLogProb: the whitened samples (N, K, D) of shape [100, 4, 4] would take 6.25 KiB',
        );
        const spec = {nComponents: 4, outputDim: 4, covarianceType: 'full'} as const;
        expectThrowsWith(
          () => tf.tidy(() => mdnSample(tf.zeros([100, 4 * 15]), spec)),
          'mdnSample: the decoded precision factors of shape [100, 4, 4, 4] would take 25 KiB',
        );
      });
      batch.dispose();
    });
    expectBackendWorks();
  });

  it('empty batches give empty results, on every backend', async () => {
    await expectNoLeak(() => {
      const empty = tf.zeros([0, 2, 2]);
      const results = [
        cholesky(empty),
        spdInverse(empty),
        triangularInverse(empty),
        tf.tidy(() => triangularSolve(empty, tf.zeros([0, 2, 3]))),
        precisionCholeskyFromCovariance(empty),
        covarianceFromPrecisionCholesky(empty),
      ];
      expect(results.slice(0, 3).map((r) => r.shape)).to.deep.equal([
        [0, 2, 2],
        [0, 2, 2],
        [0, 2, 2],
      ]);
      expect(results[3].shape).to.deep.equal([0, 2, 3]);
      const logDet = spdLogDet(empty);
      expect(logDet.shape).to.deep.equal([0]);
      for (const type of ['full', 'diag', 'spherical'] as const) {
        const spec = {nComponents: 2, outputDim: 2, covarianceType: type};
        const P = MixtureDensityHead.paramsSize(2, 2, type);
        const rows = tf.zeros([0, P]);
        const sample = mdnSample(rows, spec, {seed: 1});
        const mode = mdnMode(rows, spec);
        const unpacked = mdnUnpack(rows, spec);
        const loss = tf.tidy(() => mdnLoss(spec)(tf.zeros([0, 2]), rows));
        expect(sample.shape, type).to.deep.equal([0, 2]);
        expect(mode.shape, type).to.deep.equal([0, 2]);
        expect(unpacked.weights.shape, type).to.deep.equal([0, 2]);
        expect(unpacked.means.shape, type).to.deep.equal([0, 2, 2]);
        expect(unpacked.covariances.shape, type).to.deep.equal(
          {full: [0, 2, 2, 2], diag: [0, 2, 2], spherical: [0, 2]}[type],
        );
        expect(loss.shape, type).to.deep.equal([0]);
        tf.dispose([rows, sample, mode, unpacked.weights, unpacked.means, unpacked.covariances, loss]);
      }
      tf.dispose([empty, logDet, ...results]);
    });
    expectBackendWorks();
  });
});
