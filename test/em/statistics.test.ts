/**
 * The statistics API: emStatistics of two halves merged equals emStatistics of the whole, and
 * emMStep of merged statistics is one EM step: ten such steps from scikit-learn's initialisation
 * reproduce scikit-learn's lower bounds and parameters (the same fixture and tolerances as
 * em_vs_sklearn.test.ts), including the exact path (duplicates, constant feature) and weights.
 */
import {expect} from 'chai';

import {
  EmExactPass,
  EmStatistics,
  GaussianMixtureParameters,
  GaussianMixtureParametersInput,
  emMStep,
  emStatistics,
  emStep,
  mergeEmStatistics,
} from '../../src';
import {expectClose, expectNoLeak, expectThrowsWith} from '../helpers/assertions';
import {describeOnBackends} from '../helpers/backends';
import {emFixtures} from '../fixtures/em';
import {disposeParameters, expectCloseToScale, precisionCholeskyOf} from './helpers';

/** The tolerances of em_vs_sklearn.test.ts (float32 rounding over ten iterations, ~5x margin). */
const WEIGHTS_ATOL = 2e-5;
const PARAMETER_TOL = 5e-5;
const LOWER_BOUND_TOL = 5e-6;

/**
 * Merged vs whole statistics: the same float32 per-chunk sums, added in another order (the
 * halves are separate chunks, merged in float64). Relative to each array's scale, float32
 * summation over <= 450 rows stays below ~1e-6; 1e-5 leaves a margin.
 */
const MERGE_TOL = 1e-5;

/** One EM step over `parts` through the statistics API (with the exact pass when asked for). */
function statisticsStep(
  parts: number[][][],
  params: GaussianMixtureParametersInput,
  weights?: number[][],
  onExact?: () => void,
) {
  const merged = (exactPass?: EmExactPass) =>
    parts
      .map((p, i) => emStatistics(p, params, {sampleWeights: weights?.[i], exactPass}))
      .reduce((a, b) => mergeEmStatistics(a, b));
  const first = merged();
  if (first.exact) onExact?.();
  const result = emMStep(first);
  if (!result.exactPass) return result;
  onExact?.();
  return emMStep(merged(result.exactPass));
}

function halves<T>(rows: T[]): T[][] {
  const cut = Math.floor(rows.length / 3);
  return [rows.slice(0, cut), rows.slice(cut)];
}

function expectSameStatistics(actual: EmStatistics, expected: EmStatistics): void {
  expect(actual.rows).to.equal(expected.rows);
  expect(actual.frame).to.deep.equal(expected.frame);
  expect(actual.exact?.components).to.deep.equal(expected.exact?.components);
  const scaled = (a: number[], e: number[], label: string) => expectCloseToScale(a, e, MERGE_TOL, label);
  scaled(actual.moments, expected.moments, 'moments');
  expectClose([actual.totalWeight], [expected.totalWeight], {rtol: 1e-12, atol: 0, label: 'totalWeight'});
  expectClose([actual.logLikelihoodSum], [expected.logLikelihoodSum], {
    rtol: MERGE_TOL,
    atol: 0,
    label: 'log-likelihood',
  });
  if (expected.exact) scaled(actual.exact!.scatter, expected.exact.scatter, 'exact scatter');
  if (expected.dataStatistic) scaled(actual.dataStatistic!, expected.dataStatistic, 'dataStatistic');
}

describeOnBackends('emStatistics / mergeEmStatistics / emMStep', () => {
  let exactSteps = 0;

  for (const c of emFixtures.em) {
    const x = emFixtures.datasets[c.dataset];
    const start: GaussianMixtureParametersInput = {
      covarianceType: c.covarianceType,
      weights: c.weightsInit,
      means: c.meansInit,
      precisionsCholesky: precisionCholeskyOf(c.covarianceType, c.precisionsInit) as number[],
    };

    it(`${c.dataset}, ${c.covarianceType}: statistics of two parts merged equal those of the whole`, async () => {
      await expectNoLeak(() => {
        const [a, b] = halves(x);
        const whole = emStatistics(x, start);
        const merged = mergeEmStatistics(emStatistics(a, start), emStatistics(b, start));
        expectSameStatistics(merged, whole);
        // Plain JSON: a round trip through a string changes nothing.
        expect(JSON.parse(JSON.stringify(whole))).to.deep.equal(whole);
      });
    });

    it(`${c.dataset}, ${c.covarianceType}: ten merged-statistics M-steps reproduce scikit-learn`, async () => {
      await expectNoLeak(() => {
        const parts = halves(x);
        let params: GaussianMixtureParameters | null = null;
        const lowerBounds: number[] = [];
        for (let i = 0; i < 10; i++) {
          const step = statisticsStep(parts, params ?? start, undefined, () => exactSteps++);
          if (params) disposeParameters(params);
          params = step.parameters!;
          lowerBounds.push(step.logLikelihood);
        }
        const atol = LOWER_BOUND_TOL * c.meanAbsLogLikelihood;
        expectClose(lowerBounds, c.lowerBounds, {rtol: 0, atol, label: 'lower bounds'});
        expectClose(params!.weights, c.weights, {rtol: 0, atol: WEIGHTS_ATOL, label: 'weights'});
        expectCloseToScale(params!.means, c.means, PARAMETER_TOL, 'means');
        expectCloseToScale(params!.covariances, c.covariances as number[], PARAMETER_TOL, 'covariances');
        disposeParameters(params!);
      });
    });
  }

  it('the fixtures exercise the exact path (statistics with exact scatter or an exact pass)', () => {
    expect(exactSteps).to.be.greaterThan(0);
  });

  it('sample weights: merged weighted statistics give emStep with the same weights', async () => {
    const c = emFixtures.em.find((e) => e.dataset === 'wine' && e.covarianceType === 'full')!;
    const x = emFixtures.datasets.wine;
    const w = x.map((_, n) => (n % 5 === 0 ? 0 : 0.5 + (n % 3)));
    const start = {
      covarianceType: c.covarianceType,
      weights: c.weightsInit,
      means: c.meansInit,
      precisionsCholesky: precisionCholeskyOf(c.covarianceType, c.precisionsInit) as number[],
    };
    await expectNoLeak(() => {
      const step = statisticsStep(halves(x), start, halves(w));
      const reference = emStep(x, start, {sampleWeights: w});
      expectClose([step.logLikelihood], [reference.logLikelihood], {rtol: 1e-6, atol: 0, label: 'logLikelihood'});
      // Two float32 computations in different frames: as the emStep-vs-sklearn bound.
      expectCloseToScale(step.parameters!.means, reference.means.arraySync(), PARAMETER_TOL, 'means');
      expectCloseToScale(
        step.parameters!.covariances,
        reference.covariances.arraySync() as number[],
        PARAMETER_TOL,
        'cov',
      );
      disposeParameters(step.parameters!);
      disposeParameters(reference);
    });
  });

  describe('bad input', () => {
    const x = emFixtures.datasets.iris;
    const c = emFixtures.em.find((e) => e.dataset === 'iris' && e.covarianceType === 'diag')!;
    const params = {
      covarianceType: c.covarianceType,
      weights: c.weightsInit,
      means: c.meansInit,
      precisionsCholesky: precisionCholeskyOf('diag', c.precisionsInit) as number[],
    };

    it('emStatistics validates its options and x against params', () => {
      expectThrowsWith(() => emStatistics(x, params, {foo: 1} as never), 'emStatistics', 'foo');
      expectThrowsWith(
        () =>
          emStatistics(
            x.map((r) => r.slice(0, 3)),
            params,
          ),
        'emStatistics: x must have shape [N, 4]',
      );
      expectThrowsWith(
        () => emStatistics(x, params, {exactPass: {components: [5], centers: [[0, 0, 0, 0]]}}),
        'emStatistics: options.exactPass.components must be ascending component indices in [0, 3)',
      );
    });

    it('mergeEmStatistics refuses statistics under other parameters or malformed objects', () => {
      const a = emStatistics(x, params);
      const other = emStatistics(x, {...params, means: c.meansInit.map((r) => r.map((v) => v + 1))});
      expectThrowsWith(() => mergeEmStatistics(a, other), 'mergeEmStatistics: b must have the frame of a');
      expectThrowsWith(
        () => mergeEmStatistics(a, {...a, version: 2} as never),
        'mergeEmStatistics: b.version must be 1',
      );
      expectThrowsWith(() => mergeEmStatistics(a, {...a, moments: [1]}), 'b.moments must be a number array of length');
      expectThrowsWith(
        () => mergeEmStatistics(a, {} as never),
        "b must be an emStatistics result (format 'tfjs-gmm/em-statistics')",
      );
    });

    it('emMStep validates regCovar and the statistics', () => {
      const a = emStatistics(x, params);
      expectThrowsWith(() => emMStep(a, {regCovar: -1}), 'emMStep', 'regCovar');
      expectThrowsWith(() => emMStep({...a, basisWidth: 3}), 'emMStep: statistics.basisWidth must be 9');
    });
  });
});
