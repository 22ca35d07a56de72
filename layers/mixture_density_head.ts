/**
 * MixtureDensityHead: the last layer of a mixture-density network (Bishop 1994).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type {LayerArgs} from '@tensorflow/tfjs-layers/dist/engine/topology';
import type {Initializer} from '@tensorflow/tfjs-layers/dist/initializers';
import type {Regularizer} from '@tensorflow/tfjs-layers/dist/regularizers';
import type {Kwargs} from '@tensorflow/tfjs-layers/dist/types';
import type {LayerVariable} from '@tensorflow/tfjs-layers/dist/variables';

import {MdnCovarianceType, MdnSpec, mdnParamsSize, resolveMdnSpec} from '../ops/mdn/spec';
import {
  TensorInput,
  assertBackendRegistered,
  assertFiniteValues,
  assertKnownKeys,
  fail,
  formatShape,
  optionKeys,
  toFloatTensor,
} from '../ops/util/args';
import {checkFeatureInput, singleInputShape} from './input_shape';
import {
  MDN_INITIALIZE_OPTION_KEYS,
  MdnInitializeOptions,
  mdnStartBias,
  resolveMdnInitializeOptions,
} from './mdn_head_init';
import {LAYER_ARG_KEY_RECORD, checkLayerArgs, configAsArgs} from './layer_args';
import {InitializerSpec, RegularizerSpec, resolveInitializer, resolveRegularizer, serialize} from './serialization';

/** Configuration of {@link MixtureDensityHead}. */
export interface MixtureDensityHeadArgs extends LayerArgs, MdnSpec {
  /** Initializer of the [F, P] kernel (default 'glorotUniform'). */
  kernelInitializer?: InitializerSpec;
  /** Initializer of the [P] bias (default 'zeros'). */
  biasInitializer?: InitializerSpec;
  /** Regularizer of the kernel (none by default). */
  kernelRegularizer?: RegularizerSpec;
  /** Regularizer of the bias (none by default). */
  biasRegularizer?: RegularizerSpec;
}

/** The keys of {@link MixtureDensityHeadArgs}, tfjs-layers' own included. */
const MIXTURE_DENSITY_HEAD_ARG_KEYS = optionKeys<MixtureDensityHeadArgs>({
  ...LAYER_ARG_KEY_RECORD,
  nComponents: true,
  outputDim: true,
  covarianceType: true,
  minScale: true,
  kernelInitializer: true,
  biasInitializer: true,
  kernelRegularizer: true,
  biasRegularizer: true,
});

/**
 * A mixture-density head: a dense projection of features [batch, F] onto the packed parameters
 * [batch, P] of a Gaussian mixture over D-dimensional targets, one mixture per row. Train it with
 * `loss: mdnLoss(head)`; read its output with `mdnUnpack`, `mdnSample` and `mdnMode`, passing
 * the head (it is an `MdnSpec`).
 *
 * Output row layout (K components, `P = MixtureDensityHead.paramsSize(K, D, covarianceType)`):
 * `[logits (K) | means (K D, component-major) | raw scales (K D, or K for spherical) |
 * correlation coefficients (K D (D - 1) / 2, full only)]`, with every standard deviation
 * `minScale + softplus(raw)`. A full component is a Gaussian autoregression in standardised
 * units `z_i = (y_i - mu_i) / sigma_i`: given the coordinates before it, `z_j` is normal with mean
 * `sum_{i<j} c_ji z_i` and variance 1 (`sigma_j` is the conditional standard deviation). Every
 * entry is unconstrained (tfjs-layers ignores constraints during fit), so training needs no
 * projection; see `ops/mdn/spec.ts` for the exact offsets.
 *
 * The output's declared shape is `[batch, null]`: tfjs-layers checks that the targets of `fit`
 * have the output's declared shape, and an MDN's targets ([batch, D]) differ from its output.
 */
export class MixtureDensityHead extends tfl.layers.Layer implements MdnSpec {
  static className = 'MixtureDensityHead';

  /**
   * Entries P of an output row: `K + K D + K D` (diag), `K + K D + K` (spherical),
   * `K + K D + K D (D + 1) / 2` (full).
   */
  static paramsSize(nComponents: number, outputDim: number, covarianceType: MdnCovarianceType = 'diag'): number {
    return mdnParamsSize(nComponents, outputDim, covarianceType);
  }

  /** Number of mixture components K. */
  readonly nComponents: number;
  /** Number of target coordinates D. */
  readonly outputDim: number;
  /** Covariance of each component. */
  readonly covarianceType: MdnCovarianceType;
  /** Lower bound on every predicted standard deviation, in target units. */
  readonly minScale: number;
  /** Entries P of an output row. */
  readonly paramsSize: number;
  private readonly initializers: Record<'kernel' | 'bias', Initializer>;
  private readonly regularizers: Record<'kernel' | 'bias', Regularizer | undefined>;
  private nFeatures: number | null = null;
  private kernel?: LayerVariable;
  private bias?: LayerVariable;

  constructor(args: MixtureDensityHeadArgs) {
    super(checkLayerArgs('MixtureDensityHead', args, MIXTURE_DENSITY_HEAD_ARG_KEYS));
    const fn = 'MixtureDensityHead';
    const spec = resolveMdnSpec(fn, args, 'args');
    this.nComponents = spec.nComponents;
    this.outputDim = spec.outputDim;
    this.covarianceType = spec.covarianceType;
    this.minScale = spec.minScale;
    this.paramsSize = spec.paramsSize;
    this.initializers = {
      kernel: resolveInitializer(fn, 'kernelInitializer', args.kernelInitializer ?? 'glorotUniform'),
      bias: resolveInitializer(fn, 'biasInitializer', args.biasInitializer ?? 'zeros'),
    };
    this.regularizers = {
      kernel: resolveRegularizer(fn, 'kernelRegularizer', args.kernelRegularizer),
      bias: resolveRegularizer(fn, 'biasRegularizer', args.biasRegularizer),
    };
  }

  private checkInputShape(inputShape: (number | null)[], caller: string): void {
    checkFeatureInput(`MixtureDensityHead.${caller}`, inputShape, this.nFeatures, 'F');
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    assertBackendRegistered('MixtureDensityHead.build');
    const shape = singleInputShape(inputShape);
    this.checkInputShape(shape, 'build');
    const F = shape[1];
    if (F === null || !(F >= 1))
      fail(
        'MixtureDensityHead.build',
        `input must have a known number of features F >= 1, but got shape [${shape.join(', ')}]`,
      );
    this.nFeatures = F;
    this.kernel = this.addWeight(
      'kernel',
      [F, this.paramsSize],
      'float32',
      this.initializers.kernel,
      this.regularizers.kernel,
      true,
    );
    this.bias = this.addWeight(
      'bias',
      [this.paramsSize],
      'float32',
      this.initializers.bias,
      this.regularizers.bias,
      true,
    );
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = singleInputShape(inputShape);
    this.checkInputShape(shape, 'computeOutputShape');
    return [shape[0], null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0] : inputs;
      this.checkInputShape(x.shape, 'call');
      return tf.add(tf.matMul(x, this.kernel!.read()), this.bias!.read());
    });
  }

  /**
   * Starts the head from the training targets, so that every component begins on a part of the
   * data: the bias is set so that the predicted mixture is a k-means mixture of the targets (each
   * component on its own cluster, with the cluster's weight and spread, and for 'full' its
   * correlations), and the kernel is multiplied by `kernelScale` so that the features only
   * perturb that start. Call it after the model is built (the head's input size is known) and
   * before `fit`.
   *
   * @param yTrain [N, outputDim] training targets.
   */
  initializeFrom(yTrain: TensorInput, options: MdnInitializeOptions = {}): void {
    const fn = 'MixtureDensityHead.initializeFrom';
    if (!this.built) fail(fn, 'the head is not built yet: build the model around it (apply it to an input) first');
    assertKnownKeys(fn, 'options', options, MDN_INITIALIZE_OPTION_KEYS);
    const {seed, kernelScale} = resolveMdnInitializeOptions(fn, options);
    const targets = toFloatTensor(yTrain, 'yTrain', fn);
    try {
      if (targets.rank !== 2 || targets.shape[1] !== this.outputDim || targets.shape[0] < 1)
        fail(fn, `yTrain must have shape [N, ${this.outputDim}] with N >= 1, but got ${formatShape(targets.shape)}`);
      const values = targets.dataSync();
      assertFiniteValues(fn, 'yTrain', values);
      const bias = mdnStartBias(values, targets.shape[0], resolveMdnSpec(fn, this), seed);
      tf.tidy(() => {
        this.bias!.write(tf.tensor1d(bias));
        this.kernel!.write(tf.mul(this.kernel!.read(), kernelScale));
      });
    } finally {
      if (targets !== yTrain) targets.dispose();
    }
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
      outputDim: this.outputDim,
      covarianceType: this.covarianceType,
      minScale: this.minScale,
      kernelInitializer: serialize(this.initializers.kernel),
      biasInitializer: serialize(this.initializers.bias),
      kernelRegularizer: serialize(this.regularizers.kernel),
      biasRegularizer: serialize(this.regularizers.bias),
    };
  }
}

tf.serialization.registerClass(MixtureDensityHead);
