/**
 * The shared full/tied kernel's WebAssembly kernels on host-memory backends against float64, in
 * place on the wasm backend's heap and through a memory of its own elsewhere: the forward's
 * squared norms |P_k^T x - s_k|^2 (ops/kernels/wasm/squared_norms.ts) and the feature-basis
 * backward's moments sum_n g z z^T (ops/kernels/wasm/symmetric_moments.ts); and the shared diag
 * kernel's forward, u = (x - c) r and its squared norms (ops/kernels/wasm/diagonal_norms.ts), and
 * backward moments [sum g u^2, sum g u, sum g] (ops/kernels/wasm/diagonal_moments.ts).
 * The ops' own suites (values, exactness, gradients) run through them too, with
 * GMM_TRIANGULAR_WASM_KERNELS and GMM_DIAGONAL_WASM_KERNEL on and off. Here the full/tied ones run
 * on the calling thread (GMM_KERNEL_THREADS = 1); test/ops/kernel_threads.test.ts runs them on
 * several.
 */
import * as tf from '@tensorflow/tfjs-core';
import {expect} from 'chai';

import {GmmFlagName} from '../../ops/flags';
import {wasmDiagonalMoments, wasmDiagonalMomentsAvailable} from '../../ops/kernels/wasm/diagonal_moments';
import {wasmDiagonalNormsAvailable, wasmDiagonalSquaredNorms} from '../../ops/kernels/wasm/diagonal_norms';
import {logProbsFromNorms} from '../../ops/kernels/wasm/posterior';
import {wasmSquaredNormsAvailable, wasmTriangularSquaredNorms} from '../../ops/kernels/wasm/squared_norms';
import {wasmSymmetricMoments, wasmSymmetricMomentsAvailable} from '../../ops/kernels/wasm/symmetric_moments';
import {expectNoLeak} from '../helpers/assertions';
import {countReads, describeOnBackends} from '../helpers/backends';
import {setGmmFlag, useGmmFlagInSuite} from '../helpers/flags';
import {
  expectWithin,
  randomInputs,
  randomMomentInputs,
  reference,
  referenceDiagonalMoments,
  referenceDiagonalNorms,
  referenceMoments,
} from '../helpers/kernel_references';
import {rng} from '../helpers/random';

function run(x: Float32Array, factor: Float32Array, shifts: Float32Array, N: number, K: number, D: number) {
  const tensors = [tf.tensor2d(x, [N, D]), tf.tensor3d(factor, [K, D, D]), tf.tensor3d(shifts, [K, 1, D])] as const;
  const out = wasmTriangularSquaredNorms(...tensors);
  const values = out.dataSync() as Float32Array;
  expect(out.shape).to.deep.equal([N, K]);
  tf.dispose([...tensors, out]);
  return values;
}

/** That the kernels whose availability `available` reports serve this backend unless `flag` is false. */
function itServesUnless(flag: GmmFlagName, available: Array<() => boolean>): void {
  it(`serve this backend unless ${flag} is false`, () => {
    for (const serves of available) expect(serves()).to.equal(true);
    const previous = setGmmFlag(flag, false);
    try {
      for (const serves of available) expect(serves()).to.equal(false);
    } finally {
      setGmmFlag(flag, previous);
    }
  });
}

describeOnBackends('squared-norms WebAssembly kernel', (backend) => {
  useGmmFlagInSuite('GMM_KERNEL_THREADS', 1);
  itServesUnless('GMM_TRIANGULAR_WASM_KERNELS', [wasmSquaredNormsAvailable, wasmSymmetricMomentsAvailable]);

  // Rows past a multiple of eight (the kernel's groups), D past a multiple of four (its column
  // blocks), and 20000 rows (more than one block on a memory of its own).
  for (const [N, K, D] of [
    [1, 1, 1],
    [3, 2, 3],
    [9, 3, 4],
    [13, 5, 7],
    [8, 16, 16],
    [1001, 16, 16],
    [100, 4, 17],
    [20000, 3, 5],
  ]) {
    it(`N = ${N}, K = ${K}, D = ${D}: float64 within (D + 2) eps of the terms' squared magnitudes; nothing below the diagonal is read`, async () => {
      const {x, factor, shifts} = randomInputs(N, K, D, 7 * N + K + D);
      const expected = reference(x, factor, shifts, N, K, D);
      await expectNoLeak(() =>
        expectWithin(run(x, factor, shifts, N, K, D), expected.norms, expected.tolerance, 'norms'),
      );
    });
  }

  it(
    backend === 'wasm'
      ? 'reads and writes the tensors in place on the backend heap (nothing is read back)'
      : 'copies the rows, factors and shifts through a memory of its own (three read-backs)',
    () => {
      const {x, factor, shifts} = randomInputs(20, 3, 4, 1);
      const tensors = [
        tf.tensor2d(x, [20, 4]),
        tf.tensor3d(factor, [3, 4, 4]),
        tf.tensor3d(shifts, [3, 1, 4]),
      ] as const;
      const reads = countReads(() => wasmTriangularSquaredNorms(...tensors).dispose());
      expect(reads).to.equal(backend === 'wasm' ? 0 : 3);
      tf.dispose([...tensors]);
    },
  );

  // Only the wasm backend works in place: elsewhere every tensor is copied anyway.
  if (backend === 'wasm')
    it('a tensor made on another backend is copied, with the same values', async () => {
      const {x, factor, shifts} = randomInputs(11, 2, 3, 2);
      await tf.setBackend('cpu');
      const onCpu = tf.tensor2d(x, [11, 3]);
      await tf.setBackend('wasm');
      const rest = [tf.tensor3d(factor, [2, 3, 3]), tf.tensor3d(shifts, [2, 1, 3])] as const;
      const out = wasmTriangularSquaredNorms(onCpu, ...rest);
      const expected = reference(x, factor, shifts, 11, 2, 3);
      expectWithin(out.dataSync() as Float32Array, expected.norms, expected.tolerance, 'norms');
      tf.dispose([onCpu, ...rest, out]);
    });
});

describeOnBackends('symmetric-moments WebAssembly kernel', (backend) => {
  useGmmFlagInSuite('GMM_KERNEL_THREADS', 1);
  // Rows past a multiple of four and of a block (256), K past a multiple of four (the tiles'
  // components), M = D + 1 odd and even (the tiles' pairs), and more than one block of rows on a
  // memory of its own (16384).
  for (const [N, K, D] of [
    [1, 1, 1],
    [3, 3, 2],
    [255, 4, 3],
    [257, 5, 4],
    [1001, 16, 16],
    [600, 2, 17],
    [20000, 6, 5],
  ]) {
    it(`N = ${N}, K = ${K}, D = ${D}: float64 within the summation bound; rows beyond the clamp stay finite`, async () => {
      const {x, scale, g} = randomMomentInputs(N, K, D, 3 * N + K + D);
      const expected = referenceMoments(x, scale, g, N, K, D);
      await expectNoLeak(() => {
        const tensors = [tf.tensor2d(x, [N, D]), tf.tensor1d(scale), tf.tensor2d(g, [N, K])] as const;
        const out = wasmSymmetricMoments(...tensors);
        expect(out.shape).to.deep.equal([K, D + 1, D + 1]);
        expectWithin(out.dataSync() as Float32Array, expected.moments, expected.tolerance, 'moments');
        tf.dispose([...tensors, out]);
      });
    });
  }

  it(
    backend === 'wasm'
      ? 'reads and writes the tensors in place on the backend heap (nothing is read back)'
      : 'copies the rows, scale and g through a memory of its own (three read-backs)',
    () => {
      const {x, scale, g} = randomMomentInputs(30, 3, 4, 4);
      const tensors = [tf.tensor2d(x, [30, 4]), tf.tensor1d(scale), tf.tensor2d(g, [30, 3])] as const;
      const reads = countReads(() => wasmSymmetricMoments(...tensors).dispose());
      expect(reads).to.equal(backend === 'wasm' ? 0 : 3);
      tf.dispose([...tensors]);
    },
  );
});

describeOnBackends('diagonal-moments WebAssembly kernel', (backend) => {
  itServesUnless('GMM_DIAGONAL_WASM_KERNEL', [wasmDiagonalMomentsAvailable, wasmDiagonalNormsAvailable]);

  // Rows past a multiple of four and of a block (256), K past a multiple of four (the tiles'
  // components), and more than one block of rows on a memory of its own (16384).
  for (const [N, K, D] of [
    [1, 1, 1],
    [3, 3, 2],
    [255, 4, 3],
    [257, 5, 4],
    [1001, 16, 16],
    [20000, 6, 5],
  ]) {
    it(`N = ${N}, K = ${K}, D = ${D}: float64 within the summation bound`, async () => {
      const {x: u, g} = randomMomentInputs(N, K, D, 5 * N + K + D);
      u.forEach((v, i) => (u[i] = Math.abs(v) > 1e20 ? 1 : v)); // no clamp here: rows stay in range
      const expected = referenceDiagonalMoments(u, g, N, K, D);
      await expectNoLeak(() => {
        const tensors = [tf.tensor2d(u, [N, D]), tf.tensor2d(g, [N, K])] as const;
        const out = wasmDiagonalMoments(...tensors);
        expect(out.shape).to.deep.equal([K, 2 * D + 1]);
        expectWithin(out.dataSync() as Float32Array, expected.moments, expected.tolerance, 'moments');
        tf.dispose([...tensors, out]);
      });
    });
  }

  it(
    backend === 'wasm'
      ? 'reads and writes the tensors in place on the backend heap (nothing is read back)'
      : 'copies the rows and g through a memory of its own (two read-backs)',
    () => {
      const {x: u, g} = randomMomentInputs(30, 3, 4, 6);
      const tensors = [tf.tensor2d(u, [30, 4]), tf.tensor2d(g, [30, 3])] as const;
      const reads = countReads(() => wasmDiagonalMoments(...tensors).dispose());
      expect(reads).to.equal(backend === 'wasm' ? 0 : 2);
      tf.dispose([...tensors]);
    },
  );
});

/** The float32 elementwise product a v (the kernel's `av` input, as the op forms it). */
function productOf(a: Float32Array, v: Float32Array): Float32Array {
  return a.map((ai, i) => ai * v[i]);
}

/** float32 rows far from the origin with their centre, a scale r, a = p^2 / r^2 <= 1 and v = mu' r. */
function randomDiagonalInputs(N: number, K: number, D: number, seed: number) {
  const random = rng(seed);
  const center = Float32Array.from({length: D}, () => 1000 * (random() - 0.5));
  const x = Float32Array.from({length: N * D}, (_, i) => center[i % D] + 3 * (random() - 0.5));
  const scale = Float32Array.from({length: D}, () => 0.5 + random());
  const a = Float32Array.from({length: K * D}, () => 0.01 + random());
  const v = Float32Array.from({length: K * D}, () => 2 * (random() - 0.5));
  return {x, center, scale, a, v};
}

describeOnBackends('diagonal squared-norms WebAssembly kernel', (backend) => {
  // Rows past a multiple of two (the kernel's pairs), K past a multiple of four (its lanes), and
  // more than one block of rows on a memory of its own (16384).
  for (const [N, K, D] of [
    [1, 1, 1],
    [3, 5, 2],
    [8, 4, 3],
    [1001, 16, 16],
    [20001, 7, 5],
  ]) {
    it(`N = ${N}, K = ${K}, D = ${D}: u exactly as (x - c) r in float32, the norms within float64's bound`, async () => {
      const inputs = randomDiagonalInputs(N, K, D, 9 * N + K + D);
      const expected = referenceDiagonalNorms(inputs, N, K, D);
      await expectNoLeak(() => {
        const tensors = [
          tf.tensor2d(inputs.x, [N, D]),
          tf.tensor2d(inputs.center, [1, D]),
          tf.tensor2d(inputs.scale, [1, D]),
          tf.tensor2d(inputs.a, [K, D]),
          tf.tensor2d(productOf(inputs.a, inputs.v), [K, D]),
          tf.tensor2d(expected.constant, [1, K]),
        ] as const;
        const {u, squaredNorms} = wasmDiagonalSquaredNorms(...tensors);
        expect(u.shape).to.deep.equal([N, D]);
        expect(squaredNorms.shape).to.deep.equal([N, K]);
        expect(Array.from(u.dataSync())).to.deep.equal(Array.from(expected.u));
        expectWithin(squaredNorms.dataSync() as Float32Array, expected.norms, expected.tolerance, 'norms');
        tf.dispose([...tensors, u, squaredNorms]);
      });
    });
  }

  it(
    backend === 'wasm'
      ? 'reads and writes the tensors in place on the backend heap (nothing is read back)'
      : 'copies the rows and parameters through a memory of its own (six read-backs)',
    () => {
      const inputs = randomDiagonalInputs(9, 3, 2, 3);
      const tensors = [
        tf.tensor2d(inputs.x, [9, 2]),
        tf.tensor2d(inputs.center, [1, 2]),
        tf.tensor2d(inputs.scale, [1, 2]),
        tf.tensor2d(inputs.a, [3, 2]),
        tf.tensor2d(productOf(inputs.a, inputs.v), [3, 2]),
        tf.ones([1, 3]),
      ] as const;
      const reads = countReads(() => {
        const {u, squaredNorms} = wasmDiagonalSquaredNorms(...tensors);
        tf.dispose([u, squaredNorms]);
      });
      expect(reads).to.equal(backend === 'wasm' ? 0 : 6);
      tf.dispose([...tensors]);
    },
  );
});

describeOnBackends('log-probabilities from squared norms (logProbsFromNorms)', (backend) => {
  // K past a multiple of four (the kernel's lanes), and infinite and NaN norms.
  for (const K of [1, 3, 4, 7, 16]) {
    it(`K = ${K}: constants - norms / 2 bit for bit as tf ops compute it${backend === 'wasm' ? ' (in place)' : ''}`, async () => {
      const random = rng(K);
      const N = 37;
      const norms = Float32Array.from({length: N * K}, () => 100 * random());
      norms[3] = Infinity;
      norms[N * K - 1] = NaN;
      const constants = Float32Array.from({length: K}, () => 10 * (random() - 0.5));
      await expectNoLeak(() => {
        const [n, c] = [tf.tensor2d(norms, [N, K]), tf.tensor1d(constants)];
        const out = logProbsFromNorms(n, c);
        const expected = tf.tidy(() => tf.sub(c, tf.mul(n, 0.5)));
        expect(out.shape).to.deep.equal([N, K]);
        expect(Array.from(out.dataSync())).to.deep.equal(Array.from(expected.dataSync()));
        expect(out.dataSync()[3]).to.equal(-Infinity);
        tf.dispose([n, c, out, expected]);
      });
    });
  }
});
