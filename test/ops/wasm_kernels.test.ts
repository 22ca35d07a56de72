/**
 * The WebAssembly kernels' common parts: the posterior kernel (ops/kernels/wasm/posterior.ts,
 * EM's responsibilities and log-likelihoods) against float64, in place on the wasm backend's heap
 * and on a memory of its own elsewhere; and that every committed binary is the build of its
 * AssemblyScript source.
 */
import * as tf from '@tensorflow/tfjs-core';
import {expect} from 'chai';
import {spawnSync} from 'child_process';
import path from 'path';

import {
  Posterior,
  wasmPosterior,
  wasmPosteriorAvailable,
  wasmPosteriorTransposed,
} from '../../ops/kernels/wasm/posterior';
import {mixtureLogLikelihood} from '../../src';
import {expectClose, expectNoLeak} from '../helpers/assertions';
import {countReads, describeOnBackends} from '../helpers/backends';
import {setGmmFlag} from '../helpers/flags';
import {rng} from '../helpers/random';

const EPS = 2 ** -23;

/**
 * Logits [N, K] as float32: rows of spread 1, 1e3 and 1e30 (finite), and every seventh row with
 * a component at -Infinity (a zero weight).
 */
function randomLogits(N: number, K: number, seed: number): Float32Array {
  const random = rng(seed);
  const out = new Float32Array(N * K);
  for (let n = 0; n < N; n++) {
    const spread = [1, 1e3, 1e30][n % 3];
    const offset = (random() - 0.5) * 200;
    for (let k = 0; k < K; k++) out[n * K + k] = offset + (random() - 0.5) * spread;
    if (n % 7 === 6 && K > 1) out[n * K + (n % K)] = -Infinity;
  }
  return out;
}

/**
 * float64 posterior of float32 logits, with the bound each float32 value is held to: the
 * responsibility exp(L - max - log sum) loses |L - max| eps in the difference and a few ulp in the
 * exp and the scaling; the log-sum-exp a few ulp of its terms.
 */
function referencePosterior(logits: Float32Array, N: number, K: number, floor = 1e-30) {
  const resp = new Float64Array(N * K);
  const respTolerance = new Float64Array(N * K);
  const logSumExp = new Float64Array(N);
  const lseTolerance = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    const row = Array.from(logits.subarray(n * K, (n + 1) * K));
    const max = Math.max(...row);
    if (!Number.isFinite(max)) {
      // No finite maximum: the maximum itself, responsibilities 0 (NaN for NaN).
      logSumExp[n] = max;
      resp.fill(Number.isNaN(max) ? NaN : 0, n * K, (n + 1) * K);
      continue;
    }
    const sum = row.reduce((s, v) => s + Math.exp(v - max), 0);
    logSumExp[n] = max + Math.log(sum);
    lseTolerance[n] = 8 * EPS * (Math.abs(max) + Math.abs(Math.log(sum)) + 1);
    for (let k = 0; k < K; k++) {
      const exact = Math.exp(row[k] - max) / sum;
      // EM's floor keeps responsibilities normal floats (see src/em/engine/e_step.ts).
      resp[n * K + k] = Math.max(exact, floor);
      const exponent = Math.abs(row[k] - max) + Math.log(sum);
      respTolerance[n * K + k] = 8 * EPS * (exponent + K) * Math.max(resp[n * K + k], 2 ** -126);
    }
  }
  return {resp, respTolerance, logSumExp, lseTolerance};
}

function expectWithin(actual: Float32Array, expected: Float64Array, tolerance: Float64Array, label: string): void {
  for (let i = 0; i < expected.length; i++) {
    const error = Math.abs(actual[i] - expected[i]);
    if (!(error <= tolerance[i] + 1e-37)) {
      expect.fail(`${label} entry ${i}: got ${actual[i]}, expected ${expected[i]} (tolerance ${tolerance[i]})`);
    }
  }
}

describeOnBackends('posterior WebAssembly kernel', (backend) => {
  it('serves this backend unless GMM_POSTERIOR_WASM_KERNEL is false', () => {
    expect(wasmPosteriorAvailable()).to.equal(true);
    const previous = setGmmFlag('GMM_POSTERIOR_WASM_KERNEL', false);
    try {
      expect(wasmPosteriorAvailable()).to.equal(false);
    } finally {
      setGmmFlag('GMM_POSTERIOR_WASM_KERNEL', previous);
    }
  });

  // Both layouts of the responsibilities: [N, K] (wasmPosterior) and [K, N] (wasmPosteriorTransposed,
  // four rows per SIMD vector), the latter brought back to [N, K] for the checks.
  const forms: Array<{name: string; run: (logits: tf.Tensor2D, floor: number) => Posterior}> = [
    {name: 'rows', run: wasmPosterior},
    {
      name: 'transposed',
      run: (logits, floor) => {
        const {respT, logSumExp} = wasmPosteriorTransposed(logits, floor);
        expect(respT.shape).to.deep.equal([logits.shape[1], logits.shape[0]]);
        const resp = tf.transpose(respT) as tf.Tensor2D;
        respT.dispose();
        return {resp, logSumExp};
      },
    },
  ];

  for (const form of forms) {
    for (const [N, K, floor] of [
      [1, 1, 1e-30],
      [5, 3, 1e-30],
      [4103, 4, 1e-30],
      [4103, 13, 0],
      [20000, 16, 1e-30],
    ]) {
      it(`${form.name}: N = ${N}, K = ${K}, floor ${floor}: responsibilities and log-sum-exps equal float64 within a few ulp of their scale`, async () => {
        const logits = randomLogits(N, K, 31 * N + K);
        const reference = referencePosterior(logits, N, K, floor);
        await expectNoLeak(() => {
          const input = tf.tensor2d(logits, [N, K]);
          const {resp, logSumExp} = form.run(input, floor);
          expect(resp.shape).to.deep.equal([N, K]);
          expect(logSumExp.shape).to.deep.equal([N, 1]);
          expectWithin(resp.dataSync() as Float32Array, reference.resp, reference.respTolerance, 'resp');
          expectWithin(logSumExp.dataSync() as Float32Array, reference.logSumExp, reference.lseTolerance, 'logSumExp');
          tf.dispose([input, resp, logSumExp]);
        });
      });
    }
  }

  const kernels: Array<[string, (logits: tf.Tensor2D) => tf.Tensor[]]> = [
    ['wasmPosterior', (logits) => Object.values(wasmPosterior(logits, 1e-30))],
    ['wasmPosteriorTransposed', (logits) => Object.values(wasmPosteriorTransposed(logits, 1e-30))],
  ];
  for (const [name, run] of kernels) {
    it(
      backend === 'wasm'
        ? `${name} reads and writes the tensors in place on the backend heap (nothing is read back)`
        : `${name} copies the rows through a memory of its own (the backend reads them back)`,
      () => {
        const logits = tf.tensor2d(randomLogits(64, 5, 3), [64, 5]);
        const reads = countReads(() => tf.dispose(run(logits)));
        expect(reads).to.equal(backend === 'wasm' ? 0 : 1);
        logits.dispose();
      },
    );
  }

  for (const form of forms) {
    it(`${form.name}: rows without a finite maximum: that maximum as the log-sum-exp, responsibilities 0 (NaN for NaN)`, () => {
      const rows = [
        [-Infinity, -Infinity, -Infinity],
        [1, Infinity, 2],
        [0, NaN, 1],
        [0, -Infinity, 0],
        [-Infinity, -Infinity, -Infinity],
      ];
      const input = tf.tensor2d(rows);
      const {resp, logSumExp} = form.run(input, 0);
      expect(Array.from(logSumExp.dataSync())).to.deep.equal([
        -Infinity,
        Infinity,
        NaN,
        Math.fround(Math.log(2)),
        -Infinity,
      ]);
      expect(resp.arraySync()).to.deep.equal([
        [0, 0, 0],
        [0, 0, 0],
        [NaN, NaN, NaN],
        [0.5, 0, 0.5],
        [0, 0, 0],
      ]);
      tf.dispose([input, resp, logSumExp]);
    });
  }

  it('serves mixtureLogLikelihood ([2, 3, 5] logits, infinite rows too): the same values and gradients as its tf-ops form and float64', async () => {
    const values = randomLogits(6, 5, 11).map((v) => (Number.isFinite(v) ? v / 1e28 : v));
    values.fill(-Infinity, 5, 10); // an all -Infinity row: -Infinity, no gradient
    values[12] = Infinity; // a +Infinity entry: +Infinity, no gradient
    const reference = referencePosterior(values, 6, 5, 0);
    const cotangent = [0.5, -1, 2, 0.25, 1, -3];
    const run = (kernel: boolean) => {
      const previous = setGmmFlag('GMM_POSTERIOR_WASM_KERNEL', kernel);
      try {
        return tf.tidy(() => {
          const lp = tf.tensor3d(values, [2, 3, 5]);
          const dy = tf.tensor2d(cotangent, [2, 3]);
          const f = (t: tf.Tensor) => tf.sum(tf.mul(mixtureLogLikelihood(t), dy));
          return {
            value: Array.from(mixtureLogLikelihood(lp).dataSync()),
            gradient: Array.from(tf.grad(f)(lp).dataSync()),
          };
        });
      } finally {
        setGmmFlag('GMM_POSTERIOR_WASM_KERNEL', previous);
      }
    };
    const fused = await expectNoLeak(() => run(true));
    const tfOps = run(false);
    const expectedGradient = Array.from(reference.resp, (r, i) => {
      const n = Math.floor(i / 5);
      return Number.isFinite(reference.logSumExp[n]) ? r * cotangent[n] : 0;
    });
    // The kernel form runs no tfjs kernel but reshapes (inside its custom-gradient scope); the
    // tf-ops form a max, a softmax, a log...
    const kernelsOf = async (kernel: boolean) => {
      const previous = setGmmFlag('GMM_POSTERIOR_WASM_KERNEL', kernel);
      const info = await tf.profile(() => tf.tidy(() => tf.sum(mixtureLogLikelihood(tf.tensor3d(values, [2, 3, 5])))));
      setGmmFlag('GMM_POSTERIOR_WASM_KERNEL', previous);
      tf.dispose(info.result as tf.Tensor);
      return info.kernels.map((k) => k.name).filter((name) => !['Reshape', 'Sum', 'unnamed scope'].includes(name));
    };
    expect(await kernelsOf(true)).to.deep.equal([]);
    expect((await kernelsOf(false)).length).to.be.above(4);
    for (const [form, result] of [
      ['kernel', fused],
      ['tf ops', tfOps],
    ] as const) {
      expectClose(result.value, reference.logSumExp, {rtol: 1e-6, atol: 1e-6, label: `${form} value`});
      expectClose(result.gradient, expectedGradient, {rtol: 1e-5, atol: 1e-6, label: `${form} gradient`});
    }
  });

  // Only the wasm backend works in place: elsewhere every tensor is copied anyway.
  if (backend === 'wasm')
    it('a tensor made on another backend is copied, with the same values', async () => {
      const values = randomLogits(9, 6, 5);
      await tf.setBackend('cpu');
      const onCpu = tf.tensor2d(values, [9, 6]);
      await tf.setBackend('wasm');
      const reference = referencePosterior(values, 9, 6);
      const {resp, logSumExp} = wasmPosterior(onCpu, 1e-30);
      expectWithin(resp.dataSync() as Float32Array, reference.resp, reference.respTolerance, 'resp');
      expectClose(logSumExp, reference.logSumExp, {rtol: 1e-6, atol: 1e-6, label: 'logSumExp'});
      tf.dispose([onCpu, resp, logSumExp]);
    });
});

describe('WebAssembly kernel binaries', () => {
  it('are the build of their AssemblyScript sources (npm run build:kernels)', function () {
    this.timeout(60000);
    const root = path.resolve(__dirname, '../..');
    const run = spawnSync(process.execPath, [path.join(root, 'scripts/build-kernels.mjs'), '--check'], {
      encoding: 'utf8',
    });
    expect(run.status, `${run.stdout}${run.stderr}`).to.equal(0);
  });
});
