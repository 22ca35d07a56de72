/**
 * GMMLayer: a Gaussian mixture as a tfjs-layers layer, trained with model.fit.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type {LayerArgs} from '@tensorflow/tfjs-layers/dist/engine/topology';
import type {Initializer} from '@tensorflow/tfjs-layers/dist/initializers';
import type {Regularizer} from '@tensorflow/tfjs-layers/dist/regularizers';
import type {Kwargs} from '@tensorflow/tfjs-layers/dist/types';
import type {LayerVariable} from '@tensorflow/tfjs-layers/dist/variables';

import {CovarianceType, CovarianceTypeName} from '../ops/covariance/covariance_type';
import {getCovarianceType} from '../ops/covariance/registry';
import {gmmLogProbPrecisionCholeskyFor} from '../ops/gmm_log_prob_precision_cholesky';
import {GmmSamples} from '../ops/gmm_sample';
import {drawFromMixtures} from '../ops/internal/mixture_sample';
import {MixtureParameters, MixtureParametersInput} from '../ops/mixture_parameters';
import {
  TensorInput,
  assertBackendRegistered,
  assertFiniteValues,
  assertInteger,
  assertKnownKeys,
  assertNumber,
  assertShape,
  fail,
  formatShape,
  optionKeys,
  toFloatTensor,
} from '../ops/util/args';
import {assertAllocatable} from '../ops/util/allocation';
import {
  GMMInitializeOptions,
  GMM_INITIALIZE_OPTION_KEYS,
  initialMixture,
  resolveInitializeOptions,
} from './gmm_layer_init';
import {checkFeatureInput, singleInputShape} from './input_shape';
import {scaleCheckOf} from './scale_check';
import {LAYER_ARG_KEY_RECORD, checkLayerArgs, configAsArgs} from './layer_args';
import {InitializerSpec, RegularizerSpec, resolveInitializer, resolveRegularizer, serialize} from './serialization';

/** Configuration of {@link GMMLayer}. */
export interface GMMLayerArgs extends LayerArgs {
  /** Number of mixture components K (>= 1). */
  nComponents: number;
  /** scikit-learn's covariance type (default 'full'). */
  covarianceType?: CovarianceTypeName;
  /**
   * Floor on the variances, in squared input units (default 1e-3). For `diag` and `spherical` it
   * bounds every variance; for `full` and `tied` every conditional variance (the squared diagonal
   * of the covariance's Cholesky factor). It bounds the density from above, so a component cannot
   * collapse onto a data point.
   */
  minVariance?: number;
  /**
   * The fixed variance of covarianceType 'constant' (default 1), in squared input units; not a
   * weight of the layer (nothing learns it). Only for 'constant'.
   */
  variance?: number;
  /** Initializer of the mixture logits (default 'zeros': equal weights). */
  logitsInitializer?: InitializerSpec;
  /** Initializer of the means (default randomNormal(0, 1): suits standardised inputs). */
  meansInitializer?: InitializerSpec;
  /**
   * Initializer of the raw variances r, variance = minVariance + softplus(r) (default
   * constant(log(e - 1)): variance 1 + minVariance).
   */
  rawVariancesInitializer?: InitializerSpec;
  /** Initializer of the off-diagonal precision-factor entries (full, tied; default 'zeros'). */
  precisionOffDiagonalInitializer?: InitializerSpec;
  logitsRegularizer?: RegularizerSpec;
  meansRegularizer?: RegularizerSpec;
  rawVariancesRegularizer?: RegularizerSpec;
  precisionOffDiagonalRegularizer?: RegularizerSpec;
}

/** The keys of {@link GMMLayerArgs}, tfjs-layers' own included. */
const GMM_LAYER_ARG_KEYS = optionKeys<GMMLayerArgs>({
  ...LAYER_ARG_KEY_RECORD,
  nComponents: true,
  covarianceType: true,
  minVariance: true,
  variance: true,
  logitsInitializer: true,
  meansInitializer: true,
  rawVariancesInitializer: true,
  precisionOffDiagonalInitializer: true,
  logitsRegularizer: true,
  meansRegularizer: true,
  rawVariancesRegularizer: true,
  precisionOffDiagonalRegularizer: true,
});

/** Options of {@link GMMLayer.sample}. */
export interface GmmLayerSampleOptions {
  /** Seed of the random draws: the same seed and weights give the same samples on every backend. */
  seed?: number;
}

const LAYER_SAMPLE_OPTION_KEYS = optionKeys<GmmLayerSampleOptions>({seed: true});

const SOFTPLUS_INVERSE_OF_ONE = Math.log(Math.E - 1);

/** softplus^-1(y) = y + log(1 - exp(-y)), stable for small and large y > 0. */
function softplusInverse(y: tf.Tensor): tf.Tensor {
  return tf.add(y, tf.log(tf.neg(tf.expm1(tf.neg(y)))));
}

/**
 * A Gaussian mixture layer: input [batch, D], output [batch, K] per-component log-probabilities
 * `log pi_k + log N(x | mu_k, Sigma_k)`, with hand-written gradients (through
 * {@link gmmLogProbPrecisionCholesky}) w.r.t. its weights and its input.
 *
 * Trainable weights are unconstrained, because tfjs-layers ignores constraints during fit:
 * `logits` [K] (weights = softmax), `means` [K, D], `rawVariances` (variances, or conditional
 * variances for full/tied, = minVariance + softplus(raw)) and, for full/tied,
 * `precisionOffDiagonal` (the strictly upper part of the precision Cholesky factor P, with
 * Sigma^-1 = P P^T and diag(P) = 1/sqrt(variance)).
 *
 * Train it with `loss: gmmNLLLoss` (see losses.ts); read or set the mixture with
 * {@link getMixture} / {@link setMixture}.
 */
export class GMMLayer extends tfl.layers.Layer {
  static className = 'GMMLayer';

  readonly nComponents: number;
  readonly covarianceType: CovarianceTypeName;
  readonly minVariance: number;
  /** The fixed variance of 'constant', or null for the types that learn their covariances. */
  readonly variance: number | null;
  private readonly type: CovarianceType;
  private readonly initializers: Record<'logits' | 'means' | 'rawVariances' | 'precisionOffDiagonal', Initializer>;
  private readonly regularizers: Record<
    'logits' | 'means' | 'rawVariances' | 'precisionOffDiagonal',
    Regularizer | undefined
  >;
  private nFeatures: number | null = null;
  private logits?: LayerVariable;
  private means?: LayerVariable;
  private rawVariances?: LayerVariable;
  private precisionOffDiagonal?: LayerVariable;

  constructor(args: GMMLayerArgs) {
    super(checkLayerArgs('GMMLayer', args, GMM_LAYER_ARG_KEYS));
    const fn = 'GMMLayer';
    if (!args || typeof args !== 'object')
      fail(fn, `args must be an object with nComponents, but got ${JSON.stringify(args)}`);
    assertInteger(fn, 'nComponents', args.nComponents, 1);
    this.nComponents = args.nComponents;
    this.type = getCovarianceType(args.covarianceType ?? 'full', fn);
    this.covarianceType = this.type.name;
    this.minVariance = args.minVariance ?? 1e-3;
    assertNumber(fn, 'minVariance', this.minVariance, {min: 0});
    if (this.type.learnsCovariance) {
      if (args.variance !== undefined)
        fail(
          fn,
          `variance is the fixed variance of covarianceType 'constant', but the covariance type is '${this.covarianceType}' (which learns its covariances)`,
        );
      this.variance = null;
    } else {
      this.variance = args.variance ?? 1;
      assertNumber(fn, 'variance', this.variance, {min: 0, exclusiveMin: true});
    }
    this.initializers = {
      logits: resolveInitializer(fn, 'logitsInitializer', args.logitsInitializer ?? 'zeros'),
      means: resolveInitializer(
        fn,
        'meansInitializer',
        args.meansInitializer ?? tfl.initializers.randomNormal({mean: 0, stddev: 1}),
      ),
      rawVariances: resolveInitializer(
        fn,
        'rawVariancesInitializer',
        args.rawVariancesInitializer ?? tfl.initializers.constant({value: SOFTPLUS_INVERSE_OF_ONE}),
      ),
      precisionOffDiagonal: resolveInitializer(
        fn,
        'precisionOffDiagonalInitializer',
        args.precisionOffDiagonalInitializer ?? 'zeros',
      ),
    };
    this.regularizers = {
      logits: resolveRegularizer(fn, 'logitsRegularizer', args.logitsRegularizer),
      means: resolveRegularizer(fn, 'meansRegularizer', args.meansRegularizer),
      rawVariances: resolveRegularizer(fn, 'rawVariancesRegularizer', args.rawVariancesRegularizer),
      precisionOffDiagonal: resolveRegularizer(
        fn,
        'precisionOffDiagonalRegularizer',
        args.precisionOffDiagonalRegularizer,
      ),
    };
  }

  private checkInputShape(inputShape: (number | null)[], caller: string): void {
    checkFeatureInput(`GMMLayer.${caller}`, inputShape, this.nFeatures, 'D');
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    assertBackendRegistered('GMMLayer.build');
    const shape = singleInputShape(inputShape);
    this.checkInputShape(shape, 'build');
    const D = shape[1];
    if (D === null || !(D >= 1))
      fail('GMMLayer.build', `input must have a known number of features D >= 1, but got shape [${shape.join(', ')}]`);
    const K = this.nComponents;
    assertAllocatable('GMMLayer.build', 'the precision factor', this.type.parameterShape(K, D));
    this.nFeatures = D;
    const add = (name: keyof GMMLayer['initializers'], weightShape: number[]) =>
      this.addWeight(name, weightShape, 'float32', this.initializers[name], this.regularizers[name], true);
    this.logits = add('logits', [K]);
    this.means = add('means', [K, D]);
    if (this.type.learnsCovariance) this.rawVariances = add('rawVariances', this.type.factorDiagonalShape(K, D));
    const offDiagonalShape = this.type.offDiagonalShape(K, D);
    if (offDiagonalShape) this.precisionOffDiagonal = add('precisionOffDiagonal', offDiagonalShape);
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = singleInputShape(inputShape);
    this.checkInputShape(shape, 'computeOutputShape');
    return [shape[0], this.nComponents];
  }

  /** The precision Cholesky factor in the covariance type's layout, from the raw weights. */
  private precisionFactor(): tf.Tensor {
    if (this.variance !== null) {
      const shape = this.type.factorDiagonalShape(this.nComponents, this.nFeatures!);
      return this.type.assembleFactor(tf.fill(shape, 1 / Math.sqrt(this.variance)), null);
    }
    const variances = tf.add(tf.softplus(this.rawVariances!.read()), this.minVariance);
    return this.type.assembleFactor(tf.rsqrt(variances), this.precisionOffDiagonal?.read() ?? null);
  }

  /** Root-mean-square of a draw from the current mixture: sqrt(mean squared mean + mean variance). */
  private mixtureScale(): tf.Tensor {
    const K = this.nComponents;
    const D = this.nFeatures!;
    const covariances = this.type.toDense(this.type.covarianceFromPrecisionCholesky(this.precisionFactor()), K, D);
    const meanVariance = tf.div(tf.sum(tf.mul(covariances, tf.eye(D))), K * D);
    return tf.sqrt(tf.add(tf.mean(tf.square(this.means!.read())), meanVariance));
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      this.checkInputShape(x.shape, 'call');
      scaleCheckOf(this).check(
        x,
        () => this.mixtureScale(),
        (data, mixture) =>
          `GMMLayer '${this.name}': its first batch has root-mean-square ${data.toPrecision(3)}, far from the scale of the layer's mixture (${mixture.toPrecision(3)}); its default start (means ~ N(0, 1), unit variances) and minVariance = ${this.minVariance} assume standardised inputs: standardise them, or start from the data with initializeFrom(x) (warned once)`,
      );
      return gmmLogProbPrecisionCholeskyFor(
        'GMMLayer.call',
        x,
        this.logits!.read(),
        this.means!.read(),
        this.precisionFactor(),
        this.covarianceType,
      );
    });
  }

  private assertBuilt(fn: string): void {
    if (!this.built) fail(fn, 'the layer is not built yet: call it on an input (or build a model around it) first');
  }

  /**
   * The current mixture in natural terms: weights = softmax(logits), means, and covariances in the
   * covariance type's shape. The caller owns the returned tensors.
   */
  getMixture(): MixtureParameters {
    this.assertBuilt('GMMLayer.getMixture');
    return tf.tidy(() => ({
      weights: tf.softmax(this.logits!.read()),
      means: tf.clone(this.means!.read()),
      covariances: this.type.covarianceFromPrecisionCholesky(this.precisionFactor()),
    }));
  }

  /**
   * Draws `n` (an integer >= 0) samples from the layer's current mixture, by the sampler of
   * `gmmSample`, in the order drawn. Reproducible from `seed` on every backend.
   *
   * @returns samples [n, D] and their component labels (int32 [n]), owned by the caller.
   */
  sample(n: number, options: GmmLayerSampleOptions = {}): GmmSamples {
    const fn = 'GMMLayer.sample';
    this.assertBuilt(fn);
    if (!options || typeof options !== 'object')
      fail(fn, `options must be an object {seed?}, but got ${JSON.stringify(options)}`);
    assertKnownKeys(fn, 'options', options, LAYER_SAMPLE_OPTION_KEYS);
    assertInteger(fn, 'n', n, 0);
    if (options.seed !== undefined) assertNumber(fn, 'seed', options.seed);
    return tf.tidy(() =>
      drawFromMixtures({
        logWeights: this.logits!.read(),
        means: this.means!.read(),
        factors: this.precisionFactor(),
        type: this.type,
        K: this.nComponents,
        D: this.nFeatures!,
        N: null,
        n,
        seed: options.seed,
      }),
    );
  }

  /**
   * Sets the mixture from natural parameters (e.g. an EM or k-means solution): weights (positive;
   * normalised here), means, and covariances and/or precision Cholesky factors (the rule of
   * {@link MixtureParametersInput}: the factors are used when given). Covariances must be positive
   * definite, with (conditional) variances above `minVariance`.
   */
  setMixture(mixture: MixtureParametersInput): void {
    const fn = 'GMMLayer.setMixture';
    this.assertBuilt(fn);
    if (!mixture || typeof mixture !== 'object')
      fail(fn, `mixture must be {weights, means, covariances}, but got ${JSON.stringify(mixture)}`);
    const K = this.nComponents;
    const D = this.nFeatures!;
    const values = tf.tidy(() => {
      const weights = toFloatTensor(mixture.weights, 'weights', fn);
      const means = toFloatTensor(mixture.means, 'means', fn);
      assertShape(fn, 'weights', weights.shape, [[K]]);
      assertShape(fn, 'means', means.shape, [[K, D]]);
      assertFiniteValues(fn, 'means', means.dataSync());
      const weightValues = weights.dataSync();
      const badWeight = weightValues.findIndex((w) => !(w > 0) || !Number.isFinite(w));
      if (badWeight >= 0)
        fail(fn, `weights must be positive and finite, but weights[${badWeight}] is ${weightValues[badWeight]}`);
      const factor = this.factorOf(fn, mixture);
      const logits = tf.log(tf.div(weights, tf.sum(weights)));
      if (this.variance !== null) {
        this.checkFixedVariance(fn, factor, this.variance);
        return [logits, means];
      }
      const excess = tf.sub(tf.reciprocal(tf.square(this.type.factorDiagonal(factor))), this.minVariance);
      const excessValues = excess.dataSync();
      const bad = excessValues.findIndex((v) => !(v > 0));
      if (bad >= 0) {
        fail(
          fn,
          `covariances must have every (conditional) variance above minVariance = ${this.minVariance}, but entry ${bad} is ${excessValues[bad] + this.minVariance}`,
        );
      }
      const offDiagonal = this.type.offDiagonalPart(factor);
      const result: tf.Tensor[] = [logits, means, softplusInverse(excess)];
      return offDiagonal ? [...result, offDiagonal] : result;
    });
    const targets = [this.logits!, this.means!, this.rawVariances!, this.precisionOffDiagonal].filter(
      (v): v is LayerVariable => v !== undefined,
    );
    targets.forEach((variable, i) => variable.write(values[i]));
    tf.dispose(values);
  }

  /** A mixture set on a 'constant' layer must have the layer's variance (nothing can change it). */
  private checkFixedVariance(fn: string, factor: tf.Tensor, variance: number): void {
    const given = 1 / factor.dataSync()[0] ** 2;
    // float32 round trip of the variance through its factor: ~1e-7 relative.
    if (!(Math.abs(given - variance) <= 1e-5 * variance))
      fail(
        fn,
        `covariances must be the layer's fixed variance ${variance} (covarianceType 'constant' does not learn it), but got ${given}`,
      );
  }

  /**
   * Sets the mixture from data, so that gradient training starts next to a good optimum instead of
   * from random means: k-means++ seeding and Lloyd iterations give the clusters, whose weights,
   * means and covariances (plus `minVariance`) become the mixture; method 'em' refines them by EM
   * iterations. Builds the layer for x's D when it is not built yet. The mixture is then at the
   * data's scale, so the layer's scale warning stays quiet (see the README's "Training mixtures
   * reliably").
   *
   * @param x [N, D] training inputs of the layer, N >= nComponents.
   */
  initializeFrom(x: TensorInput, options: GMMInitializeOptions = {}): void {
    const fn = 'GMMLayer.initializeFrom';
    assertKnownKeys(fn, 'options', options, GMM_INITIALIZE_OPTION_KEYS);
    const resolved = resolveInitializeOptions(fn, options);
    const data = toFloatTensor(x, 'x', fn);
    try {
      if (data.rank !== 2 || data.shape[0] < this.nComponents)
        fail(
          fn,
          `x must have shape [N, D] with N >= nComponents = ${this.nComponents}, but got ${formatShape(data.shape)}`,
        );
      if (this.built) assertShape(fn, 'x', data.shape, [[null, this.nFeatures!]]);
      assertFiniteValues(fn, 'x', data.dataSync());
      if (!this.built) this.build([null, data.shape[1]!]);
      const mixture = initialMixture(
        data as tf.Tensor2D,
        this.nComponents,
        this.covarianceType,
        // Just above the floor, so that setMixture accepts a singular cluster's covariance too.
        this.minVariance * (1 + 1e-3) + 1e-6,
        resolved,
      );
      try {
        // A constant layer keeps its fixed variance; the clusters give the weights and means.
        this.setMixture(this.variance === null ? mixture : {...mixture, covariances: this.variance});
      } finally {
        tf.dispose([mixture.weights, mixture.means, mixture.covariances]);
      }
    } finally {
      if (data !== x) data.dispose();
    }
  }

  /** The precision factor of the covariances or factors given to {@link setMixture}, validated. */
  private factorOf(fn: string, mixture: MixtureParametersInput): tf.Tensor {
    const shape = this.type.parameterShape(this.nComponents, this.nFeatures!);
    const given = mixture.precisionsCholesky ?? mixture.covariances;
    const argName = mixture.precisionsCholesky != null ? 'precisionsCholesky' : 'covariances';
    if (given == null) fail(fn, 'mixture must have covariances or precisionsCholesky, but got neither');
    const t = toFloatTensor(given, argName, fn);
    assertShape(fn, argName, t.shape, [shape]);
    if (argName === 'covariances') return this.type.precisionCholeskyFromCovariance(t, {validate: true, caller: fn});
    this.type.checkPrecisionCholesky(fn, argName, t);
    return t;
  }

  /**
   * Rebuilds the layer from {@link getConfig}'s output (`tf.loadLayersModel` calls it). The
   * constructor rejects unknown keys; this accepts the `customObjects` tfjs-layers adds to the
   * config while loading.
   */
  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls(configAsArgs(config));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      nComponents: this.nComponents,
      covarianceType: this.covarianceType,
      minVariance: this.minVariance,
      ...(this.variance === null ? {} : {variance: this.variance}),
      logitsInitializer: serialize(this.initializers.logits),
      meansInitializer: serialize(this.initializers.means),
      rawVariancesInitializer: serialize(this.initializers.rawVariances),
      precisionOffDiagonalInitializer: serialize(this.initializers.precisionOffDiagonal),
      logitsRegularizer: serialize(this.regularizers.logits),
      meansRegularizer: serialize(this.regularizers.means),
      rawVariancesRegularizer: serialize(this.regularizers.rawVariances),
      precisionOffDiagonalRegularizer: serialize(this.regularizers.precisionOffDiagonal),
    };
  }
}

tf.serialization.registerClass(GMMLayer);
