/**
 * Per-component exactness of gmmLogProb and gmmLogProbPrecisionCholesky: narrow components next
 * to far ones, covariances from 1e-30 to 1e30, points 1e4-1e5 standard deviations away, on the
 * fast path (one shared centre), the exact path (each component around its own mean) and the
 * planned default, shared and per-sample parameters, against float64 references computed on the
 * same float32-rounded inputs (so only the op's own error is measured).
 *
 * The bound tested (ops/kernels/grouped.ts derives it): |error of log pi_k + log N(x | mu_k,
 * Sigma_k)| <= 16 eps (|log-prob| + D), eps = 2^-23, for every entry (the worst case derived in
 * grouped.ts for the default limit is ~90 eps; these cases stay within 8).
 */
import * as tf from '@tensorflow/tfjs-core';
import {expect} from 'chai';

import {gmmLogProb, gmmLogProbPrecisionCholesky} from '../../src';
import {planComponentGroups, planSharedKernel} from '../../ops/kernels/grouped';
import {Kernel} from '../../ops/kernels/kernel';
import {expectNoLeak, expectThrowsWith} from '../helpers/assertions';
import {describeOnBackends} from '../helpers/backends';
import {setGmmFlag} from '../helpers/flags';
import {CovType, F64, choleskyLower, referenceLogProb} from '../helpers/reference_f64';

const EPS = 2 ** -23;
/** The stated per-entry bound, as a multiple of eps (|log-prob| + D). */
const BOUND = 16;
const TYPES: CovType[] = ['full', 'tied', 'diag', 'spherical'];
const f32 = Math.fround;

/** One mixture in float64 (already float32-representable), with full matrices per component. */
interface Case {
  label: string;
  D: number;
  x: number[][];
  weights: number[];
  means: number[][];
  /** Dense covariance per component. */
  covariances: number[][][];
}

/** Upper P with Sigma^-1 = P P^T, P = L^-T for Sigma = L L^T (float64). */
function precisionCholesky(sigma: number[][]): number[][] {
  const L = choleskyLower(sigma);
  const D = L.length;
  const Linv = L.map(() => new Array(D).fill(0));
  for (let j = 0; j < D; j++) {
    Linv[j][j] = 1 / L[j][j];
    for (let i = j + 1; i < D; i++) {
      let s = 0;
      for (let k = j; k < i; k++) s -= L[i][k] * Linv[k][j];
      Linv[i][j] = s / L[i][i];
    }
  }
  return Linv[0].map((_, i) => Linv.map((row) => row[i])); // P[i][j] = Linv[j][i]
}

/** The covariance parameter of `type` from dense matrices (tied: component 0's; spherical: [0][0]). */
function typeParameter(type: CovType, dense: number[][][]): number[] | number[][] | number[][][] {
  if (type === 'full') return dense;
  if (type === 'tied') return dense[0];
  if (type === 'diag') return dense.map((m) => m.map((row, i) => row[i]));
  return dense.map((m) => m[0][0]);
}

/** Dense matrices as the type reads them (tied shares component 0's; diagonal types drop the rest). */
function effectiveDense(type: CovType, dense: number[][][]): number[][][] {
  const D = dense[0].length;
  return dense
    .map((m, k) => {
      const source = type === 'tied' ? dense[0] : m;
      return source.map((row, i) =>
        row.map((v, j) => {
          if (type === 'full' || type === 'tied') return v;
          if (i !== j) return 0;
          return type === 'spherical' ? dense[k][0][0] : v;
        }),
      );
    })
    .map((m) => m.slice(0, D));
}

/**
 * Narrow components (sd `narrow`) at 0 next to far ones (sd 1 at `far`), all scaled by `scale`
 * (covariances scale^2); points at each mean, within a few sd, and 1e4-1e5 narrow sd away.
 */
function narrowAndFar(narrow: number, far: number, scale: number, D: number): Case {
  const correlated = (sd: number) =>
    Array.from({length: D}, (_, i) =>
      Array.from({length: D}, (_, j) =>
        f32((i === j ? 1 : 0.5) * (sd * scale) ** 2 * (1 + 0.25 * i * (i === j ? 1 : 0))),
      ),
    );
  const means = [
    new Array(D).fill(0),
    Array.from({length: D}, (_, j) => f32(far * scale * (1 + 0.1 * j))),
    Array.from({length: D}, (_, j) => f32(-far * scale * (1 - 0.05 * j))),
  ];
  const covariances = [correlated(narrow), correlated(1), correlated(2)];
  const near = (mu: number[], sd: number, t: number) => mu.map((m, j) => f32(m + t * sd * scale * (j % 2 ? -1 : 1)));
  const x = [
    near(means[0], narrow, 0),
    near(means[0], narrow, 0.7),
    near(means[0], narrow, 3),
    near(means[0], narrow, 1e4),
    near(means[0], narrow, 1e5),
    near(means[1], 1, 0.3),
    near(means[2], 2, 1.5),
  ];
  return {
    label: `narrow sd ${narrow}, far mean ${far}, scale ${scale}`,
    D,
    x,
    weights: [0.2, 0.5, 0.3],
    means,
    covariances,
  };
}

/** Every case whose covariances and precisions float32 represents. */
const CASES: Case[] = [];
for (const narrow of [1e-3, 1e-4])
  for (const far of [1e2, 1e4, 1e6])
    for (const scale of [1e-15, 1e-9, 1, 1e9, 1e15]) {
      const smallest = (narrow * scale) ** 2;
      const largest = (far * scale * 1e5) ** 2; // also bounds the squared distances
      if (smallest > 1e-37 && largest < 1e37) CASES.push(narrowAndFar(narrow, far, scale, 2));
    }
CASES.push(narrowAndFar(1e-3, 1e4, 1, 3));

/** Max over entries of |actual - reference| / (eps (|reference| + D)). */
function worstRatio(actual: ArrayLike<number>, reference: number[][], D: number): number {
  const ref = reference.flat();
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    const ratio = Math.abs(actual[i] - ref[i]) / (EPS * (Math.abs(ref[i]) + D));
    worst = Math.max(worst, Number.isNaN(ratio) ? Infinity : ratio);
  }
  return worst;
}

interface Prepared {
  x: number[][];
  weights: number[];
  means: number[][];
  parameter: number[] | number[][] | number[][][];
  reference: number[][];
}

/** The op's inputs (float32-rounded) and the float64 reference on exactly those inputs. */
function prepare(c: Case, type: CovType, parameterisation: 'natural' | 'precisionCholesky'): Prepared {
  const dense = effectiveDense(type, c.covariances);
  const matrices =
    parameterisation === 'natural' ? dense : dense.map((m) => precisionCholesky(m).map((row) => row.map(f32)));
  const weights = parameterisation === 'natural' ? c.weights.map(f32) : c.weights.map((w) => f32(Math.log(w)));
  const parameter = typeParameter(type, matrices);
  const reference = referenceLogProb(
    type,
    {x: F64.from(c.x), weights: F64.from(weights), means: F64.from(c.means), cov: F64.from(parameter)},
    parameterisation,
  );
  return {x: c.x, weights, means: c.means, parameter, reference};
}

function run(type: CovType, parameterisation: 'natural' | 'precisionCholesky', p: Prepared, perSample: boolean) {
  const N = p.x.length;
  const lead = <T>(v: T): T | T[] => (perSample ? Array.from({length: N}, () => v) : v);
  const op = parameterisation === 'natural' ? gmmLogProb : gmmLogProbPrecisionCholesky;
  return tf.tidy(() =>
    op(p.x, lead(p.weights) as number[], lead(p.means) as number[][], lead(p.parameter) as number[][], type).dataSync(),
  );
}

describeOnBackends('per-component exactness of the log-probabilities', () => {
  const paths: Array<[string, number]> = [
    ['planned (default)', 32],
    ['exact path forced', 0],
  ];
  for (const [pathName, limit] of paths) {
    // The wasm and features layouts share a forward: the squared-norms kernel, or its tf-ops form.
    for (const [layout, normsKernel] of [
      ['generic', true],
      ['wasm', true],
      ['features', true],
      ['features', false],
    ] as const)
      it(`${pathName}, ${layout} triangular layout${normsKernel ? '' : ' (tf-ops forward)'}: every case, type and parameterisation within ${BOUND} eps (|lp| + D)`, () => {
        const previousLimit = setGmmFlag('GMM_KERNEL_EXACT_LIMIT', limit);
        const previousLayout = setGmmFlag('GMM_TRIANGULAR_LAYOUT', layout);
        const previousKernel = setGmmFlag('GMM_TRIANGULAR_WASM_KERNELS', normsKernel);
        try {
          for (const c of CASES)
            for (const type of TYPES)
              for (const parameterisation of ['natural', 'precisionCholesky'] as const) {
                if (layout !== 'generic' && (type === 'diag' || type === 'spherical')) continue; // layouts are triangular only
                const p = prepare(c, type, parameterisation);
                const ratio = worstRatio(run(type, parameterisation, p, false), p.reference, c.D);
                expect(ratio, `${c.label}, ${type}, ${parameterisation}`).to.be.at.most(BOUND);
              }
        } finally {
          setGmmFlag('GMM_KERNEL_EXACT_LIMIT', previousLimit);
          setGmmFlag('GMM_TRIANGULAR_LAYOUT', previousLayout);
          setGmmFlag('GMM_TRIANGULAR_WASM_KERNELS', previousKernel);
        }
      });
  }

  it('per-sample parameters (one mixture per row) meet the same bound', () => {
    for (const c of CASES.filter((_, i) => i % 3 === 0))
      for (const type of TYPES)
        for (const parameterisation of ['natural', 'precisionCholesky'] as const) {
          const p = prepare(c, type, parameterisation);
          const ratio = worstRatio(run(type, parameterisation, p, true), p.reference, c.D);
          expect(ratio, `${c.label}, ${type}, ${parameterisation}`).to.be.at.most(BOUND);
        }
  });

  for (const limit of [Infinity, 32])
    it(`the fast path (one shared centre; the feature basis for diag/spherical), limit ${limit}: components near each other within the bound`, () => {
      const previous = setGmmFlag('GMM_KERNEL_EXACT_LIMIT', limit);
      try {
        for (const scale of [1e-15, 1, 1e15]) {
          // Means a few sd apart, offset by 1e3 sd: the centre's cancellation stays within the limit.
          const c = narrowAndFar(1, 3, scale, 2);
          c.means = c.means.map((m) => m.map((v) => f32(v + 1e3 * scale)));
          c.x = c.x.map((row) => row.map((v) => f32(v + 1e3 * scale)));
          for (const type of TYPES)
            for (const parameterisation of ['natural', 'precisionCholesky'] as const) {
              const p = prepare(c, type, parameterisation);
              const ratio = worstRatio(run(type, parameterisation, p, false), p.reference, c.D);
              expect(ratio, `scale ${scale}, ${type}, ${parameterisation}`).to.be.at.most(BOUND);
            }
        }
      } finally {
        setGmmFlag('GMM_KERNEL_EXACT_LIMIT', previous);
      }
    });

  it('the fast path alone loses the narrow far component (what the planned groups prevent)', () => {
    const previous = setGmmFlag('GMM_KERNEL_EXACT_LIMIT', Infinity);
    try {
      const p = prepare(narrowAndFar(1e-3, 1e6, 1, 2), 'diag', 'natural');
      expect(worstRatio(run('diag', 'natural', p, false), p.reference, 2)).to.be.above(1e3);
    } finally {
      setGmmFlag('GMM_KERNEL_EXACT_LIMIT', previous);
    }
  });

  it('does not leak tensors on any path', async () => {
    const p = prepare(CASES[0], 'full', 'natural');
    for (const limit of [Infinity, 32, 0]) {
      const previous = setGmmFlag('GMM_KERNEL_EXACT_LIMIT', limit);
      try {
        const inputs = [tf.tensor(p.x), tf.tensor(p.means), tf.tensor(p.parameter as number[][][])];
        await expectNoLeak(() => {
          const grads = tf.grads((x: tf.Tensor, m: tf.Tensor, cov: tf.Tensor) =>
            tf.sum(gmmLogProb(x, p.weights, m, cov, 'full')),
          )(inputs);
          tf.dispose(grads);
        }, `limit ${limit}`);
        tf.dispose(inputs);
      } finally {
        setGmmFlag('GMM_KERNEL_EXACT_LIMIT', previous);
      }
    }
  });

  it('checkPositiveDefinite reports a precision that overflows float32', () => {
    // Variance 1e-39 is a (subnormal) positive float32 whose precision 1e39 is above float32's maximum.
    expectThrowsWith(
      () => gmmLogProb([[0, 0]], [1], [[0, 0]], [[1e-39, 1]], 'diag', {checkPositiveDefinite: true}),
      'gmmLogProb: covariances: component 0',
      'not representable in float32',
    );
    expectThrowsWith(
      () => gmmLogProb([[0]], [0.5, 0.5], [[0], [1]], [[[1]], [[1e-39]]], 'full', {checkPositiveDefinite: true}),
      'gmmLogProb: covariances: component 1',
      'not representable in float32',
    );
    // Without the option nothing is read back: the op returns a value (here not finite).
    tf.tidy(() => gmmLogProb([[0, 0]], [1], [[0, 0]], [[1e-39, 1]], 'diag'));
  });
});

describe('planComponentGroups', () => {
  it('groups components around a shared centre and gives a narrow far component its own', () => {
    // Diagonal factors p = 1 / sd: three unit components near 0 and one of sd 1e-3 at 1e6. The mean
    // of the means (~2.5e5) is far from all of them, so the first one leads a group at its own mean.
    const groups = planComponentGroups(
      Float32Array.from([0, 1, 2, 1e6]),
      Float32Array.from([1, 1, 1, 1e3]),
      'diagonal',
      4,
      1,
      32,
    );
    expect(groups.map((g) => g.indices)).to.deep.equal([[0, 1, 2], [3]]);
    expect(groups.map((g) => Array.from(g.center!))).to.deep.equal([[0], [1e6]]);
  });

  it('keeps one group on the kernel centre when every component is within the limit', () => {
    const groups = planComponentGroups(
      Float32Array.from([0, 1, 2, 30]),
      Float32Array.from([1, 1, 1, 1]),
      'diagonal',
      4,
      1,
      32,
    );
    expect(groups).to.deep.equal([{indices: [0, 1, 2, 3], center: null}]);
  });

  it('measures triangular factors by |P|^T |mu - c|, and forces every path by the limit', () => {
    // Component 1: upper P = [[1, -40], [0, 1]], mean [1, 0], 0.5 from the centre [0.5, 0]:
    // |P|^T |d| = [0.5, 20], beyond 16 but not 32.
    const means = Float32Array.from([0, 0, 1, 0]);
    const factor = Float32Array.from([1, 0, 0, 1, 1, -40, 0, 1]);
    expect(planComponentGroups(means, factor, 'triangular', 2, 2, 32).map((g) => g.indices)).to.deep.equal([[0, 1]]);
    expect(planComponentGroups(means, factor, 'triangular', 2, 2, 16).map((g) => g.indices)).to.deep.equal([[0], [1]]);
    expect(planComponentGroups(means, factor, 'triangular', 2, 2, 0).map((g) => g.indices)).to.deep.equal([[0], [1]]);
    expect(planComponentGroups(means, factor, 'triangular', 2, 2, Infinity)).to.deep.equal([
      {indices: [0, 1], center: null},
    ]);
  });
});

describeOnBackends('planSharedKernel', () => {
  /** A kernel that records its forward calls (the component count it saw) under `name`. */
  const recording = (name: string, calls: string[], extra: Partial<Kernel> = {}): Kernel => ({
    ...extra,
    forward: (x, means) => {
      calls.push(`${name}:${means.shape[0]}`);
      return {squaredNorms: tf.zeros([x.shape[0], means.shape[0]]), saved: []};
    },
    gradients: () => {
      throw new Error('not used');
    },
  });

  /** Which kernels run for two unit components at 0 and a narrow one (sd `sd`) at `offset` (D = 16). */
  function kernelsRun(offset: number, sd: number): string[] {
    const D = 16;
    const calls: string[] = [];
    const quadratic = recording('quadratic', calls, {cancellation: 'quadratic', fallback: recording('linear', calls)});
    tf.tidy(() => {
      const means = tf.tensor2d([new Array(D).fill(0), new Array(D).fill(0), new Array(D).fill(offset)]);
      const factor = tf.stack([tf.eye(D), tf.eye(D), tf.mul(tf.eye(D), 1 / sd)]);
      planSharedKernel(quadratic, means, factor, 'triangular').forward(tf.zeros([2, D]) as tf.Tensor2D, means, factor);
    });
    return calls;
  }

  it("runs a quadratic (feature-basis) kernel only within its smaller limit, else the fallback's planned groups", () => {
    // The narrow component sits 2/3 offset from the mean of the means in every feature:
    // m = sqrt(16) (2/3) offset / sd. quadraticLimit(32, 16) = sqrt(384) ~ 19.6.
    expect(kernelsRun(6e-3, 1e-3)).to.deep.equal(['quadratic:3']); // m = 16
    expect(kernelsRun(1e-2, 1e-3)).to.deep.equal(['linear:3']); // m ~ 26.7: one linear group
    expect(kernelsRun(1, 1e-3)).to.deep.equal(['linear:2', 'linear:1']); // m ~ 2667: a group of its own
  });
});
