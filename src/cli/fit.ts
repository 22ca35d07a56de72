/**
 * Fitting for the CLI: EM through GaussianMixture, or gradient descent through GMMLayer with
 * separate Adam learning rates for the mixture weights and the components. Both report progress
 * per iteration and return a GaussianMixture, so that saving, scoring and plotting are shared.
 */
import * as tf from '@tensorflow/tfjs-core';

import {GMMLayer} from '../../layers/gmm_layer';
import {CovarianceTypeName} from '../../ops/covariance/covariance_type';
import {getCovarianceType} from '../../ops/covariance/registry';
import {mixtureNLL} from '../../ops/mixture_nll';
import {GaussianMixture} from '../em/gaussian_mixture';
import {initializeGaussianMixture} from '../em/init/initialize_gaussian_mixture';
import {GaussianMixtureParameters} from '../em/parameters';
import {gmmLogLikelihood} from '../../ops/gmm_log_likelihood';
import {ProgressUpdate} from './progress';

/** What both methods need. */
export interface FitSettings {
  components: number;
  covarianceType: CovarianceTypeName;
  iterations: number;
  seed: number;
  /** The fixed variance of 'constant' (data units). */
  variance?: number;
  onProgress: (update: ProgressUpdate) => void;
  onWarning: (message: string) => void;
}

/** A fitted model and the curve of its objective, one value per iteration. */
export interface FitOutcome {
  model: GaussianMixture;
  /** EM: lower bound (mean log-likelihood); SGD: loss (mean NLL). */
  curve: number[];
  curveLabel: string;
  converged: boolean;
  iterations: number;
}

/** GaussianMixture's `variance` option for 'constant' (default 1, data units); nothing for the other types. */
export function fixedVarianceOption(type: CovarianceTypeName, variance: number | undefined): {variance?: number} {
  return type === 'constant' ? {variance: variance ?? 1} : {};
}

/** EM with scikit-learn's semantics; `tol` and `nInit` as GaussianMixture's. */
export function fitEm(
  x: tf.Tensor2D,
  settings: FitSettings & {tol: number; nInit: number; workers: number},
): FitOutcome {
  const model = new GaussianMixture({
    nComponents: settings.components,
    covarianceType: settings.covarianceType,
    ...fixedVarianceOption(settings.covarianceType, settings.variance),
    maxIter: settings.iterations,
    tol: settings.tol,
    nInit: settings.nInit,
    workers: settings.workers,
    seed: settings.seed,
    onWarning: settings.onWarning,
    onIteration: ({iteration, lowerBound, change}) =>
      settings.onProgress({iteration, value: lowerBound, change: Number.isFinite(change) ? change : undefined}),
  });
  model.fit(x);
  return {
    model,
    curve: model.lowerBounds,
    curveLabel: 'mean log-likelihood (lower bound)',
    converged: model.converged,
    iterations: model.nIter,
  };
}

/** Restarts of the k-means start of gradient descent; the likeliest one is kept. */
const STARTS = 5;

/**
 * The k-means start (as EM's) with the highest likelihood over a few seeds: gradient descent
 * cannot leave a poor start the way EM's re-assignments can.
 */
function bestStart(
  x: tf.Tensor2D,
  components: number,
  type: CovarianceTypeName,
  seed: number,
): GaussianMixtureParameters {
  let best: GaussianMixtureParameters | null = null;
  let bestScore = -Infinity;
  for (let start = 0; start < STARTS; start++) {
    const candidate = initializeGaussianMixture(x, components, {
      covarianceType: type,
      seed: seed + start,
      regCovar: 1e-3,
    });
    const score = tf.tidy(
      () => tf.mean(gmmLogLikelihood(x, candidate.weights, candidate.means, candidate.covariances, type)).dataSync()[0],
    );
    if (score > bestScore) {
      if (best) tf.dispose([best.weights, best.means, best.covariances, best.precisionsCholesky]);
      best = candidate;
      bestScore = score;
    } else {
      tf.dispose([candidate.weights, candidate.means, candidate.covariances, candidate.precisionsCholesky]);
    }
  }
  return best!;
}

/**
 * Gradient descent on the mean NLL: standardised data, a GMMLayer started from the same k-means
 * start EM uses (the likeliest of a few seeds), Adam with one learning rate for the logits and one for
 * the rest.
 */
export function fitSgd(x: tf.Tensor2D, settings: FitSettings & {mixtureLr: number; componentLr: number}): FitOutcome {
  const D = x.shape[1];
  // Center, and scale by one number (the root mean variance): that keeps the geometry, so the
  // k-means start sees the clusters as EM does, and the learning rates act in units of the spread.
  const {mean, variance} = tf.tidy(() => tf.moments(x, 0));
  const scale = tf.tidy(() => Math.sqrt(Math.max(tf.mean(variance).dataSync()[0], 1e-24)));
  const standardised = tf.tidy(() => tf.div(tf.sub(x, mean), scale)) as tf.Tensor2D;
  const type = settings.covarianceType;
  const fixed = !getCovarianceType(type).learnsCovariance;
  // A fixed variance (in data units) in standardised units.
  const fixedVariance = fixed ? (settings.variance ?? 1) / (scale * scale) : undefined;
  const layer = new GMMLayer({
    nComponents: settings.components,
    covarianceType: type,
    minVariance: 1e-4,
    variance: fixedVariance,
  });
  tf.dispose(layer.apply(tf.zeros([1, D])) as tf.Tensor);
  // EM's start does not estimate a fixed variance: start its means and weights from shared_isotropic's.
  const start = bestStart(standardised, settings.components, fixed ? 'shared_isotropic' : type, settings.seed);
  layer.setMixture(fixed ? {weights: start.weights, means: start.means, covariances: fixedVariance!} : start);
  tf.dispose([start.weights, start.means, start.covariances, start.precisionsCholesky]);

  const mixtureOptimizer = tf.train.adam(settings.mixtureLr);
  const componentOptimizer = tf.train.adam(settings.componentLr);
  const [logits, ...components] = layer.trainableWeights.map((w) => w.read() as tf.Variable);
  const curve: number[] = [];
  for (let iteration = 1; iteration <= settings.iterations; iteration++) {
    const loss = tf.tidy(() => {
      const {value, grads} = tf.variableGrads(
        () => mixtureNLL(layer.apply(standardised) as tf.Tensor),
        [logits, ...components],
      );
      mixtureOptimizer.applyGradients([{name: logits.name, tensor: grads[logits.name]}]);
      componentOptimizer.applyGradients(components.map((v) => ({name: v.name, tensor: grads[v.name]})));
      return value.dataSync()[0];
    });
    // The loss above is in standardised units: add D log s to report the NLL of the data.
    const value = loss + D * Math.log(scale);
    settings.onProgress({iteration, value, change: curve.length ? value - curve[curve.length - 1] : undefined});
    curve.push(value);
  }
  mixtureOptimizer.dispose();
  componentOptimizer.dispose();

  // Back to data units: mu = m + s mu_std, Sigma = s^2 Sigma_std.
  const [weights, means, covariances] = tf.tidy(() => {
    const fitted = layer.getMixture();
    return [fitted.weights, tf.add(mean, tf.mul(fitted.means, scale)), tf.mul(fitted.covariances, scale * scale)];
  });
  // A constant model keeps the variance asked for (as EM's does), not its float32 round trip.
  const model = GaussianMixture.fromParameters(
    {weights, means, covariances: fixed ? (settings.variance ?? 1) : covariances},
    {covarianceType: type, ...fixedVarianceOption(type, settings.variance)},
  );
  tf.dispose([mean, variance, standardised, weights, means, covariances]);
  layer.dispose();
  return {
    model,
    curve,
    curveLabel: 'negative log-likelihood per sample',
    converged: true,
    iterations: settings.iterations,
  };
}
