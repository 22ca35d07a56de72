/**
 * The E- and M-step work in chunks of `batchSize` rows; only [width, K]-sized sums cross chunk
 * boundaries, so chunking changes the order of float32 additions and nothing else. Chunked and
 * unchunked fits of a moderately large problem agree, as do the cached-features and the
 * rebuild-every-iteration modes, and the fast and the exact paths.
 */
import {expect} from 'chai';

import {EM_COVARIANCE_TYPES, GaussianMixture} from '../../src';
import {setGmmFlag} from '../helpers/flags';
import {expectClose, expectNoLeak} from '../helpers/assertions';
import {describeOnBackends} from '../helpers/backends';
import {normal, rng} from '../helpers/random';

const N = 12000;
const D = 5;
const K = 4;

/** Four clusters, seeded. */
function data(): number[][] {
  const random = rng(7);
  const centers = Array.from({length: K}, (_, k) => Array.from({length: D}, (_, j) => 4 * Math.sin(k * 2.1 + j)));
  return Array.from({length: N}, (_, n) =>
    centers[n % K].map((c, j) => c + (0.5 + 0.3 * ((n + j) % 3)) * normal(random)),
  );
}

/** Unit precisions in the type's shape. */
function identityPrecisions(type: (typeof EM_COVARIANCE_TYPES)[number]): number | number[] | number[][] | number[][][] {
  const eye = Array.from({length: D}, (_, i) => Array.from({length: D}, (__, j) => (i === j ? 1 : 0)));
  if (type === 'full') return Array.from({length: K}, () => eye);
  if (type === 'tied') return eye;
  if (type === 'diag') return Array.from({length: K}, () => new Array(D).fill(1));
  if (type === 'spherical') return new Array(K).fill(1);
  return 1; // shared_isotropic
}

interface Fit {
  weights: number[];
  means: number[];
  covariances: number[];
  lowerBounds: number[];
}

function fit(x: number[][], covarianceType: (typeof EM_COVARIANCE_TYPES)[number], batchSize: number): Fit {
  const gm = new GaussianMixture({
    nComponents: K,
    covarianceType,
    maxIter: 8,
    tol: 0,
    batchSize,
    onWarning: () => {},
    // A fixed start, so that both fits run the same iterations.
    weightsInit: [0.25, 0.25, 0.25, 0.25],
    meansInit: x.slice(0, K),
    precisionsInit: identityPrecisions(covarianceType),
  }).fit(x);
  const out = {
    weights: Array.from(gm.weights.dataSync()),
    means: Array.from(gm.means.dataSync()),
    covariances: Array.from(gm.covariances.dataSync()),
    lowerBounds: gm.lowerBounds,
  };
  gm.dispose();
  return out;
}

/**
 * Tolerances relative to each array's scale. Chunking changes the order of the float32 sums over
 * rows, whose rounding grows like eps sqrt(B) (B = rows summed in one matmul). The exact path sums
 * small centered products: ~1e-5 at B = 12000 (observed <= 3e-6). The fast path forms covariances
 * from moments about the data center, which amplifies that rounding by kappa (here ~60 per
 * feature: components 4 apart with standard deviations 0.5-1.1): bound eps sqrt(B) kappa ~ 8e-4,
 * observed <= 2.3e-4. A chunking bug (a lost or doubled chunk) would be an O(1e-1) error.
 */
const EXACT_TOL = 3e-5;
const FAST_TOL = 6e-4;

function expectSameFit(a: Fit, b: Fit, tol: number, label: string): void {
  const scale = (v: number[]) => Math.max(...v.map(Math.abs));
  expectClose(a.weights, b.weights, {rtol: 0, atol: tol, label: `${label} weights`});
  expectClose(a.means, b.means, {rtol: 0, atol: tol * scale(b.means), label: `${label} means`});
  expectClose(a.covariances, b.covariances, {rtol: 0, atol: tol * scale(b.covariances), label: `${label} covariances`});
  expectClose(a.lowerBounds, b.lowerBounds, {rtol: tol / 10, atol: 0, label: `${label} lower bounds`});
}

describeOnBackends('chunked E/M-steps', () => {
  const x = data();

  for (const type of EM_COVARIANCE_TYPES) {
    it(`${type}: batchSize 1500 (8 chunks) gives the unchunked fit`, async () => {
      await expectNoLeak(() => {
        const whole = fit(x, type, N);
        const chunked = fit(x, type, 1500);
        expectSameFit(chunked, whole, FAST_TOL, type);
        // Not vacuous: the fit moved away from the start.
        expect(whole.lowerBounds[7] - whole.lowerBounds[0]).to.be.above(0.01);
      });
    });
  }

  it('on the exact path (no cancellation), chunked and unchunked agree to float32 summation accuracy', async () => {
    const previous = setGmmFlag('GMM_EM_EXACT_PATH_LIMIT', 0);
    try {
      for (const type of EM_COVARIANCE_TYPES) expectSameFit(fit(x, type, 1500), fit(x, type, N), EXACT_TOL, type);
    } finally {
      setGmmFlag('GMM_EM_EXACT_PATH_LIMIT', previous);
    }
  });

  it('rebuilding the features every iteration (no cache) gives the cached-features fit', async () => {
    const previous = setGmmFlag('GMM_EM_FEATURE_CACHE_BYTES', 0);
    try {
      for (const type of EM_COVARIANCE_TYPES) {
        const rebuilt = fit(x, type, 3000);
        setGmmFlag('GMM_EM_FEATURE_CACHE_BYTES', previous);
        const cached = fit(x, type, 3000);
        setGmmFlag('GMM_EM_FEATURE_CACHE_BYTES', 0);
        // The same features in the same order: only the transposed copy is built differently.
        expectSameFit(rebuilt, cached, 1e-6, type);
      }
    } finally {
      setGmmFlag('GMM_EM_FEATURE_CACHE_BYTES', previous);
    }
  });

  it('the exact path everywhere gives the fast-path fit on well-conditioned data', async () => {
    const previous = setGmmFlag('GMM_EM_EXACT_PATH_LIMIT', 0);
    try {
      for (const type of EM_COVARIANCE_TYPES) {
        const exact = fit(x, type, 4000);
        setGmmFlag('GMM_EM_EXACT_PATH_LIMIT', Infinity);
        const fast = fit(x, type, 4000);
        setGmmFlag('GMM_EM_EXACT_PATH_LIMIT', 0);
        expectSameFit(exact, fast, FAST_TOL, type);
      }
    } finally {
      setGmmFlag('GMM_EM_EXACT_PATH_LIMIT', previous);
    }
  });
});
