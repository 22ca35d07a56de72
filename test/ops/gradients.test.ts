import * as tf from '@tensorflow/tfjs-core';
import {expect} from 'chai';

import {gmmLogProb, gmmLogProbPrecisionCholesky, gmmNLL, mixtureNLL} from '../../src';
import {TriangularLayout} from '../../ops/flags';
import {setGmmFlag} from '../helpers/flags';
import {expectClose, expectNoLeak} from '../helpers/assertions';
import {describeOnBackends} from '../helpers/backends';
import {randomNatural, randomPrecisionCholesky, rng, fill, normal} from '../helpers/random';
import {CovType, F64, Nd, RefParams, finiteDifferenceGradient, referenceLogProb} from '../helpers/reference_f64';
import {plainLogProbNatural, plainLogProbPrecisionCholesky} from '../helpers/reference_tf';

const TYPES: CovType[] = ['full', 'tied', 'diag', 'spherical', 'shared_isotropic', 'constant'];
const ARG_NAMES: (keyof RefParams)[] = ['x', 'weights', 'means', 'cov'];

/**
 * Gradient tolerance: float32 gradients against float64 finite differences. The observed error
 * at these sizes (N = 5, K = 3, D <= 3) stays below 2e-6 of the largest entry; 1e-5 relative plus
 * 1e-5 of the largest entry is a 5x margin and still catches a 0.1% error in any formula.
 */
function gradTol(expected: ArrayLike<number>) {
  const scale = Math.max(1, ...Array.from(expected, Math.abs));
  return {rtol: 1e-5, atol: 1e-5 * scale};
}

interface GradCase {
  label: string;
  /** Layout of the shared triangular kernel ('auto' where it does not apply). */
  layout: TriangularLayout;
  /** Whether the shared kernels' WebAssembly parts serve (GMM_TRIANGULAR_WASM_KERNELS, GMM_DIAGONAL_WASM_KERNEL). */
  wasmKernels: boolean;
  type: CovType;
  parameterisation: 'natural' | 'precisionCholesky';
  inputs: Nd[]; // x, weights-or-logits, means, covariance-or-factor
}

function makeCases(): GradCase[] {
  const cases: GradCase[] = [];
  const random = rng(7);
  for (const type of TYPES) {
    for (const D of [1, 3]) {
      const K = 3;
      for (const perSample of [false, true]) {
        const N = 5;
        const lead = perSample ? [N] : [];
        const x = fill([N, D], () => 1.5 * normal(random));
        const nat = randomNatural(random, type, K, D, lead);
        const pc = randomPrecisionCholesky(random, type, K, D, lead);
        // Shared full/tied parameters have three kernel layouts (generic, wasm, features): test each
        // everywhere. The features layout and shared diag/spherical also run without their
        // WebAssembly kernels (the tf-ops forms).
        const triangular = type === 'full' || type === 'tied';
        const diagonal = type === 'diag' || type === 'spherical';
        const variants: Array<[TriangularLayout, boolean]> = perSample
          ? [['auto', true]]
          : triangular
            ? [
                ['generic', true],
                ['wasm', true],
                ['features', true],
                ['features', false],
              ]
            : diagonal
              ? [
                  ['auto', true],
                  ['auto', false],
                ]
              : [['auto', true]];
        for (const [layout, wasmKernels] of variants) {
          const where =
            `${type} D=${D}${perSample ? ' per-sample' : ''}${layout === 'auto' ? '' : ` (${layout} layout)`}` +
            (wasmKernels ? '' : ', tf-ops forms');
          cases.push({
            label: where,
            layout,
            wasmKernels,
            type,
            parameterisation: 'natural',
            inputs: [x, nat.weights, nat.means, nat.covariances],
          });
          cases.push({
            label: where,
            layout,
            wasmKernels,
            type,
            parameterisation: 'precisionCholesky',
            inputs: [x, pc.logits, pc.means, pc.factors],
          });
        }
      }
    }
    // A single input vector x [D].
    const nat = randomNatural(random, type, 2, 2);
    cases.push({
      label: `${type} single x`,
      layout: 'auto',
      wasmKernels: true,
      type,
      parameterisation: 'natural',
      inputs: [fill([2], () => normal(random)), nat.weights, nat.means, nat.covariances],
    });
  }
  return cases;
}

function ourOp(c: GradCase) {
  return (x: tf.Tensor, w: tf.Tensor, m: tf.Tensor, cov: tf.Tensor) =>
    c.parameterisation === 'natural'
      ? gmmLogProb(x, w, m, cov, c.type)
      : gmmLogProbPrecisionCholesky(x, w, m, cov, c.type);
}

function plainOp(c: GradCase) {
  return (x: tf.Tensor, w: tf.Tensor, m: tf.Tensor, cov: tf.Tensor) =>
    c.parameterisation === 'natural'
      ? plainLogProbNatural(c.type, x, w, m, cov)
      : plainLogProbPrecisionCholesky(c.type, x, w, m, cov);
}

describeOnBackends('hand-written gradients', () => {
  for (const c of makeCases()) {
    const name = `${c.parameterisation === 'natural' ? 'gmmLogProb' : 'gmmLogProbPrecisionCholesky'} ${c.label}`;

    it(`${name}: every input's VJP matches float64 central finite differences and tfjs autodiff`, async () => {
      const params: RefParams = {
        x: F64.from(c.inputs[0]),
        weights: F64.from(c.inputs[1]),
        means: F64.from(c.inputs[2]),
        cov: F64.from(c.inputs[3]),
      };
      const single = params.x.shape.length === 1;
      const N = single ? 1 : params.x.shape[0];
      const K = params.weights.shape[params.weights.shape.length - 1];
      const random = rng(99);
      const cotangent = Array.from({length: N}, () => Array.from({length: K}, () => Math.fround(normal(random))));
      const reference = (p: RefParams) => referenceLogProb(c.type, p, c.parameterisation);

      const previousLayout = setGmmFlag('GMM_TRIANGULAR_LAYOUT', c.layout);
      const previousTriangular = setGmmFlag('GMM_TRIANGULAR_WASM_KERNELS', c.wasmKernels);
      const previousDiagonal = setGmmFlag('GMM_DIAGONAL_WASM_KERNEL', c.wasmKernels);
      try {
        await expectNoLeak(() => {
          const tensors = c.inputs.map((v) => tf.tensor(v as number[]));
          const dy = single ? tf.tensor1d(cotangent[0]) : tf.tensor2d(cotangent);
          const ours = tf.grads(ourOp(c))(tensors, dy);
          const autodiff = tf.grads(plainOp(c))(tensors, dy);
          ARG_NAMES.forEach((arg, i) => {
            const fd = finiteDifferenceGradient(reference, params, arg, cotangent);
            const tol = gradTol(fd);
            expectClose(ours[i], fd, {...tol, label: `${name} d${arg} vs finite differences`});
            expectClose(autodiff[i], fd, {...tol, label: `${name} d${arg} autodiff vs finite differences`});
            expectClose(ours[i], autodiff[i], {...tol, label: `${name} d${arg} vs autodiff`});
          });
          tf.dispose([...tensors, dy, ...ours, ...autodiff]);
        });
      } finally {
        setGmmFlag('GMM_TRIANGULAR_LAYOUT', previousLayout);
        setGmmFlag('GMM_TRIANGULAR_WASM_KERNELS', previousTriangular);
        setGmmFlag('GMM_DIAGONAL_WASM_KERNEL', previousDiagonal);
      }
    });
  }

  it('the covariance gradient is symmetric', () => {
    tf.tidy(() => {
      const random = rng(3);
      const nat = randomNatural(random, 'full', 2, 4);
      const x = tf.tensor(fill([6, 4], () => normal(random)) as number[][]);
      const g = tf.grad((cov: tf.Tensor) => gmmNLL(x, nat.weights as number[], nat.means as number[][], cov, 'full'))(
        tf.tensor(nat.covariances as number[][][]),
      );
      expectClose(g, tf.transpose(g, [0, 2, 1]), {atol: 1e-7});
    });
  });

  it('gmmNLL with sample weights: gradient matches finite differences of the weighted mean', async () => {
    const random = rng(11);
    const nat = randomNatural(random, 'diag', 2, 2);
    const x = fill([4, 2], () => normal(random)) as number[][];
    const sw = [0.5, 2, 1, 0];
    const params: RefParams = {
      x: F64.from(x),
      weights: F64.from(nat.weights),
      means: F64.from(nat.means),
      cov: F64.from(nat.covariances),
    };
    // Weighted NLL through the reference: -sum_n w_n lse_n / sum w.
    const weightedNll = (p: RefParams) => {
      const lp = referenceLogProb('diag', p, 'natural');
      const total = lp.reduce((s, row, n) => {
        const m = Math.max(...row);
        return s + sw[n] * (m + Math.log(row.reduce((t, v) => t + Math.exp(v - m), 0)));
      }, 0);
      return [[-total / sw.reduce((a, b) => a + b, 0)]];
    };
    await expectNoLeak(() => {
      const inputs = [tf.tensor(nat.means as number[][]), tf.tensor(nat.covariances as number[][])];
      const g = tf.grads((m: tf.Tensor, cov: tf.Tensor) =>
        gmmNLL(x, nat.weights as number[], m, cov, 'diag', {sampleWeights: sw}),
      )(inputs);
      const fdMeans = finiteDifferenceGradient(weightedNll, params, 'means', [[1]]);
      const fdCov = finiteDifferenceGradient(weightedNll, params, 'cov', [[1]]);
      expectClose(g[0], fdMeans, gradTol(fdMeans));
      expectClose(g[1], fdCov, gradTol(fdCov));
      tf.dispose([...inputs, ...g]);
    });
  });

  describe('gradients per input are computed only when backprop needs them', () => {
    const random = rng(21);
    const pc = randomPrecisionCholesky(random, 'full', 3, 4);
    const x = fill([32, 4], () => normal(random)) as number[][];
    const loss = (xx: tf.Tensor, l: tf.Tensor, m: tf.Tensor, f: tf.Tensor) =>
      mixtureNLL(gmmLogProbPrecisionCholesky(xx, l, m, f, 'full'));

    async function kernelCount(f: () => tf.Tensor[]): Promise<number> {
      const info = await tf.profile(() => {
        const out = f();
        out.forEach((t) => t.dataSync());
        return out;
      });
      return info.kernels.length;
    }

    it('asking only for parameter gradients runs fewer kernels than also asking for d/dx, with equal results', async () => {
      const tensors = [
        tf.tensor(x),
        tf.tensor(pc.logits as number[]),
        tf.tensor(pc.means as number[][]),
        tf.tensor(pc.factors as number[][][]),
      ];
      const [xt, ...params] = tensors;
      const all = () => tf.grads(loss)(tensors);
      const paramsOnly = () => tf.grads((l: tf.Tensor, m: tf.Tensor, f: tf.Tensor) => loss(xt, l, m, f))(params);
      expect(await kernelCount(paramsOnly)).to.be.below(await kernelCount(all));
      const a = all();
      const p = paramsOnly();
      p.forEach((g, i) => expectClose(g, a[i + 1], {atol: 0}));
      tf.dispose([...tensors, ...a, ...p]);
    });

    it('the eager tf.customGrad fallback gives the same gradients as the lazy path', async () => {
      const tensors = [
        tf.tensor(x),
        tf.tensor(pc.logits as number[]),
        tf.tensor(pc.means as number[][]),
        tf.tensor(pc.factors as number[][][]),
      ];
      const lazy = tf.grads(loss)(tensors);
      const previous = setGmmFlag('GMM_LAZY_GRADIENTS', false);
      try {
        await expectNoLeak(() => {
          const eager = tf.grads(loss)(tensors);
          eager.forEach((g, i) => expectClose(g, lazy[i], {atol: 0}));
          tf.dispose(eager);
        });
      } finally {
        setGmmFlag('GMM_LAZY_GRADIENTS', previous);
      }
      tf.dispose([...tensors, ...lazy]);
    });
  });
});
