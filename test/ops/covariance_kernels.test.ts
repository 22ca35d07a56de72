/**
 * The shared full/tied kernel's WebAssembly kernels on host-memory backends against float64, in
 * place on the wasm backend's heap and through a memory of its own elsewhere: the forward's
 * squared norms |P_k^T x - s_k|^2 (ops/kernels/wasm/squared_norms.ts) and the feature-basis
 * backward's moments sum_n g z z^T (ops/kernels/wasm/symmetric_moments.ts); and the shared diag
 * kernel's backward moments [sum g u^2, sum g u, sum g] (ops/kernels/wasm/diagonal_moments.ts).
 * The ops' own suites (values, exactness, gradients) run through them too, with
 * GMM_TRIANGULAR_WASM_KERNELS and GMM_DIAGONAL_WASM_KERNEL on and off.
 */
import * as tf from '@tensorflow/tfjs-core';
import {expect} from 'chai';

import {GmmFlagName} from '../../ops/flags';
import {wasmDiagonalMoments, wasmDiagonalMomentsAvailable} from '../../ops/kernels/wasm/diagonal_moments';
import {wasmSquaredNormsAvailable, wasmTriangularSquaredNorms} from '../../ops/kernels/wasm/squared_norms';
import {wasmSymmetricMoments, wasmSymmetricMomentsAvailable} from '../../ops/kernels/wasm/symmetric_moments';
import {expectNoLeak} from '../helpers/assertions';
import {countReads, describeOnBackends} from '../helpers/backends';
import {setGmmFlag} from '../helpers/flags';
import {rng} from '../helpers/random';

const EPS = 2 ** -23;

/** float32 rows x [N, D], upper factors P [K, D, D] (NaN below the diagonal: never read) and shifts [K, D]. */
function randomInputs(N: number, K: number, D: number, seed: number) {
  const random = rng(seed);
  const centered = () => Math.fround((random() - 0.5) * 4);
  const x = Float32Array.from({length: N * D}, centered);
  const factor = new Float32Array(K * D * D);
  for (let k = 0; k < K; k++)
    for (let i = 0; i < D; i++)
      for (let j = 0; j < D; j++) factor[(k * D + i) * D + j] = j < i ? NaN : i === j ? 0.5 + random() : centered();
  const shifts = Float32Array.from({length: K * D}, centered);
  return {x, factor, shifts};
}

/**
 * float64 norms and the bound each float32 result is held to: y_j's sum of j + 2 rounded terms
 * errs by at most (j + 2) eps times the sum of their magnitudes A_j, so |y|^2 errs by at most
 * ~(D + 2) eps sum_j A_j^2 (a factor 4 of slack for the squares' own rounding).
 */
function reference(x: Float32Array, factor: Float32Array, shifts: Float32Array, N: number, K: number, D: number) {
  const norms = new Float64Array(N * K);
  const tolerance = new Float64Array(N * K);
  for (let n = 0; n < N; n++)
    for (let k = 0; k < K; k++) {
      let sum = 0;
      let magnitude = 0;
      for (let j = 0; j < D; j++) {
        let y = -shifts[k * D + j];
        let a = Math.abs(shifts[k * D + j]);
        for (let i = 0; i <= j; i++) {
          const term = x[n * D + i] * factor[(k * D + i) * D + j];
          y += term;
          a += Math.abs(term);
        }
        sum += y * y;
        magnitude += a * a;
      }
      norms[n * K + k] = sum;
      tolerance[n * K + k] = 4 * (D + 2) * EPS * magnitude;
    }
  return {norms, tolerance};
}

function run(x: Float32Array, factor: Float32Array, shifts: Float32Array, N: number, K: number, D: number) {
  const tensors = [tf.tensor2d(x, [N, D]), tf.tensor3d(factor, [K, D, D]), tf.tensor3d(shifts, [K, 1, D])] as const;
  const out = wasmTriangularSquaredNorms(...tensors);
  const values = out.dataSync() as Float32Array;
  expect(out.shape).to.deep.equal([N, K]);
  tf.dispose([...tensors, out]);
  return values;
}

function expectWithin(actual: Float32Array, expected: Float64Array, tolerance: Float64Array, label: string): void {
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= tolerance[i])) {
      expect.fail(`${label} entry ${i}: got ${actual[i]}, expected ${expected[i]} (tolerance ${tolerance[i]})`);
    }
  }
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

/** |u| bound of the moments' z (the kernel's and the tf-ops form's clamp). */
const LARGEST_ENTRY = 2 ** 63;

/**
 * Rows x [N, D] (every 50th row at 1e30, beyond the clamp, with g = 0 there as for a row that no
 * component explains), a scale r [D] and g [N, K], as float32.
 */
function randomMomentInputs(N: number, K: number, D: number, seed: number) {
  const random = rng(seed);
  const x = Float32Array.from({length: N * D}, () => (random() - 0.5) * 6);
  const g = Float32Array.from({length: N * K}, () => random() - 0.3);
  for (let n = 25; n < N; n += 50) {
    x.fill(1e30, n * D, (n + 1) * D);
    g.fill(0, n * K, (n + 1) * K);
  }
  const scale = Float32Array.from({length: D}, () => 0.25 + random());
  return {x, scale, g};
}

/**
 * float64 moments of the float32 z's, and the bound each float32 sum is held to: the kernel adds
 * each lane's rows of a 256-row block in turn, then the blocks' sums, so an entry errs by at most
 * ~(64 + N / 256 + 4) eps times the sum of its terms' magnitudes (a factor 2 of slack).
 */
function referenceMoments(x: Float32Array, scale: Float32Array, g: Float32Array, N: number, K: number, D: number) {
  const M = D + 1;
  const moments = new Float64Array(K * M * M);
  const magnitude = new Float64Array(K * M * M);
  const z = new Float64Array(M);
  for (let n = 0; n < N; n++) {
    z[0] = 1;
    for (let i = 0; i < D; i++) {
      const u = Math.fround(x[n * D + i] * scale[i]);
      z[i + 1] = Math.min(Math.max(u, -LARGEST_ENTRY), LARGEST_ENTRY);
    }
    for (let k = 0; k < K; k++)
      for (let a = 0; a < M; a++)
        for (let b = 0; b < M; b++) {
          const term = g[n * K + k] * z[a] * z[b];
          moments[(k * M + a) * M + b] += term;
          magnitude[(k * M + a) * M + b] += Math.abs(term);
        }
  }
  const tolerance = magnitude.map((m) => 2 * (64 + N / 256 + 4) * EPS * m);
  return {moments, tolerance};
}

describeOnBackends('symmetric-moments WebAssembly kernel', (backend) => {
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

/** float64 [sum g u^2, sum g u, sum g] of float32 rows, and the summation bound (as for the moments). */
function referenceDiagonalMoments(u: Float32Array, g: Float32Array, N: number, K: number, D: number) {
  const F = 2 * D + 1;
  const moments = new Float64Array(K * F);
  const magnitude = new Float64Array(K * F);
  for (let n = 0; n < N; n++)
    for (let k = 0; k < K; k++) {
      const gk = g[n * K + k];
      for (let j = 0; j < D; j++) {
        const v = u[n * D + j];
        moments[k * F + j] += gk * v * v;
        magnitude[k * F + j] += Math.abs(gk * v * v);
        moments[k * F + D + j] += gk * v;
        magnitude[k * F + D + j] += Math.abs(gk * v);
      }
      moments[k * F + 2 * D] += gk;
      magnitude[k * F + 2 * D] += Math.abs(gk);
    }
  const tolerance = magnitude.map((m) => 2 * (64 + N / 256 + 4) * EPS * m);
  return {moments, tolerance};
}

describeOnBackends('diagonal-moments WebAssembly kernel', (backend) => {
  itServesUnless('GMM_DIAGONAL_WASM_KERNEL', [wasmDiagonalMomentsAvailable]);

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
