/**
 * The custom-gradient op behind gmmLogProb and gmmLogProbPrecisionCholesky.
 *
 * Forward: log pi_k + log|det P_k| - |y_nk|^2 / 2 - D/2 log(2 pi), y_nk = P_k^T (x_n - mu_k).
 * Backward (upstream g [N, K]):
 * - x:   -sum_k g Sigma_k^-1 (x - mu_k)            = -sum_k g P_k y
 * - mu:   sum_n g Sigma_k^-1 (x - mu_k)            =  P_k sum_n g y
 * - Sigma: 1/2 sum_n g (Sigma^-1 d d^T Sigma^-1 - Sigma^-1) = 1/2 P (S - G I) P^T, S = sum_n g y y^T
 * - P (upper):  upper(-sum_n g d y^T) + diag(G / P_ii)
 * - pi:  G / pi;  logits: G - softmax(logits) sum_k G.
 */
import * as tf from '@tensorflow/tfjs-core';

import {planSharedKernel} from '../kernels/grouped';
import {Kernel} from '../kernels/kernel';
import {logProbsFromNorms} from '../kernels/wasm/posterior';
import {fail} from '../util/args';
import {GradientThunks, runWithGradientThunks} from './lazy_gradient_op';
import {MixtureArgs} from './mixture_args';

const LOG_2PI = Math.log(2 * Math.PI);

/** sqrt of float32's largest value: a factor entry above it makes the precision P P^T overflow. */
const MAX_FACTOR_ENTRY = Math.sqrt(3.4028234663852886e38);

/**
 * Fails when a component's precision cannot be represented in float32 (its covariance is so
 * small, or so nearly singular, that Sigma^-1 = P P^T overflows): such a component cannot be
 * evaluated accurately at all, so validation reports it instead of returning Infinity or NaN.
 */
function assertRepresentablePrecision(caller: string, factor: tf.Tensor, lead: number[]): void {
  const values = factor.dataSync();
  const perComponent = values.length / lead.reduce((a, b) => a * b, 1);
  for (let i = 0; i < values.length; i++) {
    if (!(Math.abs(values[i]) <= MAX_FACTOR_ENTRY)) {
      const flat = Math.floor(i / perComponent);
      const K = lead[lead.length - 1];
      const component =
        lead.length === 1 ? `component ${flat}` : `sample ${Math.floor(flat / K)}'s component ${flat % K}`;
      fail(
        caller,
        `covariances: ${component}'s precision (the inverse covariance) is not representable in float32 ` +
          `(a precision Cholesky entry is ${values[i]}, above ${MAX_FACTOR_ENTRY.toPrecision(3)}): rescale the data`,
      );
    }
  }
}

/** Which parameters the op receives. */
export type Parameterisation =
  /** weights (probabilities) and covariances. */
  | 'natural'
  /** unnormalised log-weights (logits) and precision Cholesky factors. */
  | 'precisionCholesky';

/**
 * Runs the op on validated arguments. Returns [N, K], or [K] for a single input vector.
 */
export function mixtureLogProb(
  args: MixtureArgs,
  parameterisation: Parameterisation,
  validate = false,
  caller = 'gmmLogProb',
): tf.Tensor {
  if (args.N === 0) return emptyBatchLogProb(args, parameterisation, validate, caller);
  const {type, N, K, D, perSample} = args;
  let kernel: Kernel = type.kernel(perSample);
  const natural = parameterisation === 'natural';
  const xShape = args.x.shape;
  const weightsRank = args.weights.rank;
  const meansRank = args.means.rank;
  const covarianceRank = args.covariance.rank;
  let kernelSavedCount = 0;

  const forward = (save: tf.GradSaveFunc): tf.Tensor => {
    const {x, weights, means, covariance} = args;
    const x2 = tf.reshape(x, [N, D]) as tf.Tensor2D;
    const broadcastMeans = perSample && means.rank === 2 ? tf.broadcastTo(means, [N, K, D]) : means;
    const rawFactor = natural ? type.precisionCholeskyFromCovariance(covariance, {validate, caller}) : covariance;
    const perSampleShape = type.shapeWithLead([N], K, D);
    const broadcastFactor =
      perSample && rawFactor.rank < perSampleShape.length ? tf.broadcastTo(rawFactor, perSampleShape) : rawFactor;
    const factor = type.toCanonical(broadcastFactor, K, D);
    const logWeights = natural ? tf.log(weights) : tf.logSoftmax(weights);

    if (validate) assertRepresentablePrecision(caller, factor, perSample ? [N, K] : [K]);
    // Per-sample kernels form x - mu_k for every (n, k) and are exact as they are.
    if (!perSample) kernel = planSharedKernel(kernel, means, factor, type.canonicalLayout);
    const kernelForward = kernel.forward(x2, broadcastMeans, factor);
    kernelSavedCount = kernelForward.saved.length;
    const constant = tf.sub(
      tf.add(logWeights, tf.sum(tf.log(tf.abs(type.factorDiagonal(factor))), -1)),
      (D / 2) * LOG_2PI,
    );
    const logProb =
      constant.rank === 1
        ? logProbsFromNorms(kernelForward.squaredNorms as tf.Tensor2D, constant as tf.Tensor1D)
        : tf.sub(constant, tf.mul(kernelForward.squaredNorms, 0.5));
    save([...kernelForward.saved, factor, weights]);
    return args.singleInput ? tf.reshape(logProb, [K]) : logProb;
  };

  const backward = (dy: tf.Tensor, saved: tf.Tensor[]): GradientThunks => {
    const [factor, weights] = saved.slice(kernelSavedCount);
    const grads = kernel.gradients(tf.reshape(dy, [N, K]) as tf.Tensor2D, saved.slice(0, kernelSavedCount));
    // Gradients of shared parameters are summed over the samples a per-sample kernel broadcast them to.
    const unbroadcast = (gradient: tf.Tensor, parameterRank: number) =>
      gradient.rank > parameterRank ? tf.sum(gradient, 0) : gradient;
    return {
      x: () => tf.reshape(grads.dx(), xShape),
      weights: () => {
        const gWeights = unbroadcast(grads.gSum(), weightsRank);
        return natural
          ? tf.where(tf.equal(gWeights, 0), tf.zerosLike(gWeights), tf.div(gWeights, weights))
          : tf.sub(gWeights, tf.mul(tf.softmax(weights), tf.sum(gWeights, -1, true)));
      },
      means: () => unbroadcast(grads.dMeans(), meansRank),
      covariance: () => {
        const canonical = natural
          ? type.covarianceGradient(factor, grads.cross(), grads.gSum())
          : type.factorGradient(factor, grads.cross(), grads.gSum());
        return unbroadcast(type.fromCanonical(canonical), covarianceRank);
      },
    };
  };

  return runWithGradientThunks(
    {x: args.x, weights: args.weights, means: args.means, covariance: args.covariance},
    forward,
    backward,
  );
}

/**
 * [0, K] for an empty batch x [0, D]: the kernels are not run (some backends fail on empty
 * matmuls), and the gradient of every parameter is zeros of its shape (a sum over no rows).
 */
function emptyBatchLogProb(
  args: MixtureArgs,
  parameterisation: Parameterisation,
  validate: boolean,
  caller: string,
): tf.Tensor {
  if (validate && parameterisation === 'natural') {
    // The same positive-definiteness errors as a non-empty batch.
    tf.dispose(args.type.precisionCholeskyFromCovariance(args.covariance, {validate, caller}));
  }
  const inputs: tf.NamedTensorMap = {x: args.x, weights: args.weights, means: args.means, covariance: args.covariance};
  // Shapes, not tensors: the inputs may be disposed by the time the gradient runs.
  const zeroGradients = (): GradientThunks =>
    Object.fromEntries(Object.entries(inputs).map(([name, input]) => [name, () => tf.zeros(input.shape)]));
  return runWithGradientThunks(inputs, () => tf.zeros([0, args.K]), zeroGradients);
}
