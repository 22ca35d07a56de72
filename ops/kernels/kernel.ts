/**
 * Kernels: the squared Mahalanobis distances |y|^2 with y = P^T (x - mu), and their VJP.
 *
 * A kernel works on the canonical factor of a covariance type (see `CovarianceType`):
 * `triangular` [..., K, D, D] (upper P with Sigma^-1 = P P^T) or `diagonal` [..., K, D]
 * (p = 1/sigma). Shared mixtures ([K, ...] parameters) and per-sample mixtures ([N, K, ...])
 * have separate kernels because the fast shared form batches every component into one matmul.
 *
 * All kernels save, through `save`, whatever their backward needs; closed-over forward
 * intermediates would be disposed by tf.customGrad before backprop.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Forward result of a kernel. */
export interface KernelForward {
  /** |y|^2 per sample and component, [N, K]. */
  squaredNorms: tf.Tensor;
  /** Tensors the backward needs, in the kernel's own order. */
  saved: tf.Tensor[];
}

/**
 * The VJP of a kernel for upstream g [N, K] on -|y|^2 / 2, one function per quantity so that the
 * op computes only the gradients that backprop asks for (e.g. none w.r.t. a data input).
 */
export interface KernelGradients {
  /** d/dx: -sum_k g Sigma_k^-1 (x - mu_k), shape [N, D]. */
  dx(): tf.Tensor;
  /** d/dmu: Sigma_k^-1 sum_n g (x - mu_k) (shared, [K, D]) or per sample ([N, K, D]). */
  dMeans(): tf.Tensor;
  /**
   * The cross moment that the factor gradients need:
   * triangular: M = sum_n g (x - mu) y^T, [..., K, D, D];
   * diagonal:   q = sum_n g y * y (elementwise), [..., K, D].
   */
  cross(): tf.Tensor;
  /** The upstream gradient summed per component: [K] (shared) or g itself [N, K] (per sample). */
  gSum(): tf.Tensor;
}

/** A kernel implementation. */
export interface Kernel {
  /**
   * How the rounding error of a shared kernel grows with a component's distance m from the
   * centre, in its own standard deviations: `linear` (products formed before differences,
   * default), `quadratic` (expanded squares) or `none` (differences formed first: exact per
   * component anywhere, needing neither a centre nor groups); grouped.ts plans the groups
   * accordingly.
   */
  cancellation?: 'none' | 'linear' | 'quadratic';
  /** A linear kernel to use when the components do not fit one group of this (quadratic) one. */
  fallback?: Kernel;
  /**
   * @param center [1, D], the point shared kernels subtract from x and the means before their
   *   float32 products (default: the mean of the means); per-sample kernels ignore it.
   */
  forward(x: tf.Tensor2D, means: tf.Tensor, factor: tf.Tensor, center?: tf.Tensor): KernelForward;
  gradients(g: tf.Tensor2D, saved: readonly tf.Tensor[]): KernelGradients;
}
