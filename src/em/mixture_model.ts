/**
 * What every fitted mixture model of the package shares: the fitted parameters (owned by the
 * model), scikit-learn's fitted attributes, the scoring methods and sampling.
 */
import * as tf from '@tensorflow/tfjs-core';

import {CovarianceType, CovarianceTypeName} from '../../ops/covariance/covariance_type';
import {getCovarianceType} from '../../ops/covariance/registry';
import {gmmFlag} from '../../ops/flags';
import {ConditionalMixtures, conditionMixture, remainingFeaturesOf} from '../../ops/gmm_condition';
import {mixtureLogLikelihood} from '../../ops/mixture_log_likelihood';
import {planComponentGroups} from '../../ops/kernels/grouped';
import {mixtureResponsibilities} from '../../ops/mixture_responsibilities';
import {
  TensorInput,
  assertInteger,
  assertKnownKeys,
  assertNumber,
  assertShape,
  fail,
  toFloatTensor,
} from '../../ops/util/args';
import {autoBatchSize, readMatrix, readSampleWeights} from './data';
import {logWeightedDensities} from './log_prob_rows';
import {FIT_OPTION_KEYS, FitOptions, SAMPLE_OPTION_KEYS, SampleOptions} from './options';
import {ParameterStore} from './parameter_store';
import {FittedParameters} from './parameters';
import {sampleMixture} from './sample';
import {FitDiagnostics} from './serialization';

/** What a fit (or an import) leaves behind. */
export interface Fitted extends FitDiagnostics {
  store: ParameterStore;
  nFeatures: number;
}

/**
 * A mixture model with fitted parameters. Tensors returned by attributes are owned by the model
 * (disposed by the next fit or by {@link dispose}); tensors returned by methods are owned by the
 * caller.
 */
export abstract class MixtureModel {
  abstract readonly nComponents: number;
  abstract readonly covarianceType: CovarianceTypeName;
  /** Rows per chunk of the scoring methods, or null for the automatic size. */
  abstract readonly batchSize: number | null;
  /** Seed of `sample` when none is given. */
  abstract readonly seed: number;
  /** The class name used in messages. */
  protected abstract readonly className: string;
  protected fitted: Fitted | null = null;

  protected get covarianceTypeBehaviour(): CovarianceType {
    return getCovarianceType(this.covarianceType);
  }

  // ---- attributes -------------------------------------------------------------------------

  protected require(fn: string): Fitted {
    if (!this.fitted)
      fail(
        `${this.className}.${fn}`,
        `this ${this.className} must be fitted first (call fit or fromJSON), but it has no parameters`,
      );
    return this.fitted;
  }

  /** Whether the model has parameters (after fit, fromJSON or fromParameters). */
  get isFitted(): boolean {
    return this.fitted !== null;
  }

  /** Mixture weights [K] (scikit-learn's `weights_`). Owned by the model. */
  get weights(): tf.Tensor1D {
    return this.require('weights').store.tensor('weights') as tf.Tensor1D;
  }

  /** Component means [K, D] (`means_`). Owned by the model. */
  get means(): tf.Tensor2D {
    return this.require('means').store.tensor('means') as tf.Tensor2D;
  }

  /** Covariances in the covariance type's shape (`covariances_`). Owned by the model. */
  get covariances(): tf.Tensor {
    return this.require('covariances').store.tensor('covariances');
  }

  /** Cholesky factors of the precisions (`precisions_cholesky_`). Owned by the model. */
  get precisionsCholesky(): tf.Tensor {
    return this.require('precisionsCholesky').store.tensor('precisionsCholesky');
  }

  /** Whether the best initialisation converged (`converged_`). */
  get converged(): boolean {
    return this.require('converged').converged;
  }

  /** Iterations run by the best initialisation (`n_iter_`). */
  get nIter(): number {
    return this.require('nIter').nIter;
  }

  /** Lower bound (weighted mean log-likelihood) of the best initialisation (`lower_bound_`). */
  get lowerBound(): number {
    return this.require('lowerBound').lowerBound;
  }

  /** Lower bound of every iteration of the best initialisation (`lower_bounds_`). */
  get lowerBounds(): number[] {
    return this.require('lowerBounds').lowerBounds.slice();
  }

  /** Number of features seen in fit (`n_features_in_`). */
  get nFeatures(): number {
    return this.require('nFeatures').nFeatures;
  }

  /**
   * Takes ownership of new parameters (and releases the old ones). The model keeps a host copy:
   * its tensors survive an enclosing tf.tidy, and one disposed by a user is re-created on access.
   * `meanValues` are the means in float64 where they are known (see ParameterStore).
   */
  protected setFitted(
    params: FittedParameters,
    nFeatures: number,
    diagnostics: FitDiagnostics,
    meanValues?: ArrayLike<number>,
  ): void {
    const store = new ParameterStore(params, meanValues);
    this.fitted?.store.dispose();
    this.fitted = {store, nFeatures, ...diagnostics, lowerBounds: diagnostics.lowerBounds.slice()};
  }

  // ---- inference --------------------------------------------------------------------------

  /**
   * Runs `body` on the per-component log-probabilities of every chunk of X (by the ops' direct
   * kernel, in the data space) and concatenates the results. With `allowEmpty`, an X of shape
   * [0, D] gives `body` of an empty [0, K].
   */
  private mapLogProb(
    fn: string,
    X: TensorInput,
    body: (logProb: tf.Tensor2D) => tf.Tensor,
    allowEmpty = false,
  ): tf.Tensor {
    const fitted = this.require(fn.slice(this.className.length + 1));
    const {values, N, D} = readMatrix(fn, 'X', X, fitted.nFeatures, allowEmpty);
    const p = fitted.store.parameters();
    const K = p.weights.shape[0];
    if (N === 0) return tf.tidy(() => body(tf.zeros([0, K])));
    // X and the means are shifted by a group's center in float64, before X is rounded to
    // float32: data far from the origin keep their digits (a Gaussian is shift-invariant, and
    // componentLogProb depends on x - mu only). The groups are the ops' (planComponentGroups):
    // the mean of the means, and a center of its own for a component more than
    // GMM_KERNEL_EXACT_LIMIT of its own standard deviations from it.
    const meanValues = fitted.store.meanValues;
    const groups = this.scoringGroups(p, meanValues, D);
    const perGroup = groups.map((g) => ({
      rows: shiftRows(values, N, D, g.center),
      parameters: this.groupParameters(p, meanValues, g, D),
    }));
    // The groups' columns, put back in component order.
    const order = groups.flatMap((g) => g.indices);
    const inOrder = order.every((k, i) => k === i);
    const inverse = tf.tensor1d(
      order.map((_, k) => order.indexOf(k)),
      'int32',
    );
    const assemble = (parts: tf.Tensor2D[]): tf.Tensor2D => {
      const all = parts.length === 1 ? parts[0] : (tf.concat(parts, 1) as tf.Tensor2D);
      return inOrder ? all : (tf.gather(all, inverse, 1) as tf.Tensor2D);
    };
    try {
      const parallel = perGroup.map((g) => this.parallelLogProb(fn, g.rows, N, D, g.parameters));
      if (parallel.every((t) => t !== null)) {
        const result = tf.tidy(() => body(assemble(parallel as tf.Tensor2D[])));
        tf.dispose(parallel as tf.Tensor2D[]);
        return result;
      }
      tf.dispose(parallel.filter((t): t is tf.Tensor2D => t !== null));
      // The direct kernel's working set is [rows, K D].
      const batchSize = this.batchSize ?? autoBatchSize(this.nComponents * D + this.nComponents);
      return tf.tidy(() => {
        const parts: tf.Tensor[] = [];
        for (let start = 0; start < N; start += batchSize) {
          const size = Math.min(batchSize, N - start);
          const columns = perGroup.map((g, i) =>
            this.componentLogProb(
              tf.tensor2d(g.rows.subarray(start * D, (start + size) * D), [size, D]),
              g.parameters,
              groups.length === 1 ? null : groups[i].indices,
            ),
          );
          parts.push(body(assemble(columns)));
        }
        return parts.length === 1 ? parts[0] : tf.concat(parts, 0);
      });
    } finally {
      tf.dispose([
        inverse,
        ...perGroup.flatMap((g) => [
          g.parameters.weights,
          g.parameters.means,
          g.parameters.covariances,
          g.parameters.precisionsCholesky,
        ]),
      ]);
    }
  }

  /** The component groups of the scoring methods, with their centers (float32 values). */
  private scoringGroups(
    p: FittedParameters,
    meanValues: Float64Array,
    D: number,
  ): Array<{indices: number[]; center: Float32Array}> {
    const K = p.weights.shape[0];
    const type = getCovarianceType(this.covarianceType);
    // toCanonical may return its input (diag): read it inside a tidy instead of disposing it.
    const factorValues = tf.tidy(() => type.toCanonical(p.precisionsCholesky, K, D).dataSync() as Float32Array);
    const meanOfMeans = Float32Array.from({length: D}, (_, j) => {
      let sum = 0;
      for (let k = 0; k < K; k++) sum += meanValues[k * D + j];
      return sum / K;
    });
    const limit = gmmFlag('GMM_KERNEL_EXACT_LIMIT');
    return planComponentGroups(meanValues, factorValues, type.canonicalLayout, K, D, limit).map((g) => ({
      indices: g.indices,
      center: g.center ?? meanOfMeans,
    }));
  }

  /**
   * The parameters of one group's components (new tensors), means shifted by its center in
   * float64; per-component parameters are gathered, shared ones (tied) copied.
   */
  private groupParameters(
    p: FittedParameters,
    meanValues: Float64Array,
    group: {indices: number[]; center: Float32Array},
    D: number,
  ): FittedParameters {
    const {indices, center} = group;
    const shifted = new Float32Array(indices.length * D);
    indices.forEach((k, f) => {
      for (let j = 0; j < D; j++) shifted[f * D + j] = meanValues[k * D + j] - center[j];
    });
    const perComponent = getCovarianceType(this.covarianceType).symbolicShape[0] === 'K';
    return tf.tidy(() => {
      const index = tf.tensor1d(indices, 'int32');
      const pick = (t: tf.Tensor, gather: boolean) => (gather ? tf.gather(t, index) : tf.clone(t));
      return {
        weights: pick(p.weights, true) as tf.Tensor1D,
        means: tf.tensor2d(shifted, [indices.length, D]),
        covariances: pick(p.covariances, perComponent),
        precisionsCholesky: pick(p.precisionsCholesky, perComponent),
      };
    });
  }

  /**
   * The per-component log-probabilities [N, K] of `values` computed elsewhere (worker threads),
   * or null to compute them in-thread (the default).
   */
  protected parallelLogProb(
    _fn: string,
    _values: Float32Array,
    _N: number,
    _D: number,
    _parameters: FittedParameters,
  ): tf.Tensor2D | null {
    return null;
  }

  /**
   * The per-component log-probabilities [B, Kg] the scoring methods reduce: here
   * log pi_k + log N(x | mu_k, Sigma_k); a variational model adds its expectations instead.
   * `p` holds the parameters of the model's components `components` (all of them when null).
   */
  protected componentLogProb(x: tf.Tensor2D, p: FittedParameters, _components: number[] | null): tf.Tensor2D {
    return logWeightedDensities(x, p, this.covarianceType);
  }

  /** Label (most probable component) of every sample: int32 [N] (scikit-learn's `predict`). */
  predict(X: TensorInput): tf.Tensor1D {
    return this.mapLogProb(`${this.className}.predict`, X, (lp) => tf.argMax(lp, -1), true) as tf.Tensor1D;
  }

  /** Posterior probability of every component for every sample: [N, K] (`predict_proba`). */
  predictProba(X: TensorInput): tf.Tensor2D {
    return this.mapLogProb(
      `${this.className}.predictProba`,
      X,
      (lp) => mixtureResponsibilities(lp),
      true,
    ) as tf.Tensor2D;
  }

  /** Log-likelihood log p(x) of every sample: [N] (`score_samples`). */
  scoreSamples(X: TensorInput): tf.Tensor1D {
    return this.mapLogProb(`${this.className}.scoreSamples`, X, (lp) => mixtureLogLikelihood(lp), true) as tf.Tensor1D;
  }

  /**
   * Mean log-likelihood of the samples (`score`), weighted by `sampleWeight` when given. Summed
   * in float64 on the host.
   */
  score(X: TensorInput, options: FitOptions = {}): number {
    return this.meanLogLikelihood(`${this.className}.score`, X, options).mean;
  }

  /** The (weighted) mean log-likelihood of X and its number of rows, for `fn` (score, bic, aic). */
  protected meanLogLikelihood(fn: string, X: TensorInput, options: FitOptions): {mean: number; N: number} {
    assertKnownKeys(fn, 'options', options, FIT_OPTION_KEYS);
    const ll = this.mapLogProb(fn, X, (lp) => mixtureLogLikelihood(lp));
    const values = ll.dataSync();
    ll.dispose();
    const weights = readSampleWeights(fn, 'sampleWeight', options.sampleWeight, values.length);
    let total = 0;
    let weight = 0;
    for (let n = 0; n < values.length; n++) {
      const w = weights ? weights[n] : 1;
      if (w === 0) continue;
      total += w * values[n];
      weight += w;
    }
    return {mean: total / weight, N: values.length};
  }

  /**
   * Conditions the fitted joint mixture on observed features (Gaussian mixture regression,
   * imputation): for every row of `values` (the values of `givenFeatures`, in that order), the
   * mixture of the remaining features, by `gmmCondition` (weights re-weighted by the marginal
   * likelihood of the observed part, conditional means and covariances by the Schur complement).
   *
   * @param givenFeatures indices of the observed features: distinct, in [0, nFeatures), not all.
   * @param values [N, |givenFeatures|].
   * @returns weights [N, K], means [N, K, R], covariances in the covariance type's per-sample
   *   shape, and `remainingFeatures` (ascending); tensors owned by the caller.
   */
  condition(givenFeatures: number[], values: TensorInput): ConditionalMixtures {
    const fn = `${this.className}.condition`;
    return this.conditioned(fn, givenFeatures, values, (mixtures) => mixtures);
  }

  /**
   * The conditional means E[x_r | x_g] of the remaining features (Gaussian mixture regression):
   * sum_k w_nk mu_nk over {@link condition}'s mixtures, [N, R] with columns in the order of the
   * remaining features (ascending). Owned by the caller.
   */
  predictConditional(givenFeatures: number[], values: TensorInput): tf.Tensor2D {
    const fn = `${this.className}.predictConditional`;
    return this.conditioned(fn, givenFeatures, values, ({weights, means}) =>
      tf.squeeze(tf.matMul(tf.expandDims(weights, 1), means), [1]),
    ) as tf.Tensor2D;
  }

  /** Conditions on validated arguments and maps the mixtures by `body` (inside one tidy). */
  private conditioned<T extends tf.TensorContainer>(
    fn: string,
    givenFeatures: number[],
    values: TensorInput,
    body: (mixtures: ConditionalMixtures) => T,
  ): T {
    const fitted = this.require(fn.slice(this.className.length + 1));
    const remainingFeatures = remainingFeaturesOf(fn, givenFeatures, fitted.nFeatures);
    const p = fitted.store.parameters();
    return tf.tidy(() => {
      const v = toFloatTensor(values, 'values', fn);
      assertShape(fn, 'values', v.shape, [[null, givenFeatures.length]], [['N', '|givenFeatures|']]);
      const type = this.covarianceTypeBehaviour;
      const mixtures = conditionMixture(
        fn,
        p.weights,
        p.means,
        p.covariances,
        type,
        givenFeatures,
        remainingFeatures,
        v as tf.Tensor2D,
        false,
      );
      return body({...mixtures, remainingFeatures});
    });
  }

  /**
   * Draws `n` (an integer >= 0) samples from the fitted mixture by the sampler of `gmmSample`:
   * components drawn with probabilities `weights`, then x = mu_k + z P_k^-1 with z standard
   * normal (so that Cov x = Sigma_k). Samples are grouped by component, as scikit-learn returns
   * them. Reproducible from `seed` (default: the estimator's seed) on every backend.
   *
   * @returns samples [n, D] and their component labels (int32 [n]), owned by the caller.
   */
  sample(n = 1, options: SampleOptions = {}): {samples: tf.Tensor2D; labels: tf.Tensor1D} {
    const fn = `${this.className}.sample`;
    // As scikit-learn: an unfitted model says so before its arguments are checked.
    const fitted = this.require('sample');
    assertKnownKeys(fn, 'options', options, SAMPLE_OPTION_KEYS);
    assertInteger(fn, 'n', n, 0);
    const seed = options.seed ?? this.seed;
    assertNumber(fn, 'seed', seed);
    return sampleMixture(fitted.store.parameters(), this.covarianceTypeBehaviour, n, seed);
  }

  /** Releases the fitted parameters; the model can be fitted again. */
  dispose(): void {
    this.fitted?.store.dispose();
    this.fitted = null;
  }
}

/** The rows `values` ([N * D]) minus `center`, in float64, then rounded to float32. */
function shiftRows(values: ArrayLike<number>, N: number, D: number, center: ArrayLike<number>): Float32Array {
  const shifted = new Float32Array(N * D);
  for (let i = 0; i < N * D; i++) shifted[i] = values[i] - center[i % D];
  return shifted;
}
